# The summary learns which stores are key accounts (their rows flagged, the rollup's
# key-account level summed from them), so the morning view no longer looks the key
# accounts up in the per-store rows.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0008_sales_summary_mark'),
    ]

    operations = [
        migrations.AddField(
            model_name='salesmonthly',
            name='key_account',
            field=models.BooleanField(db_default=False, verbose_name='key account'),
        ),
        migrations.AlterField(
            model_name='salesrollup',
            name='level',
            field=models.PositiveSmallIntegerField(choices=[(0, 'owner columns'), (1, 'brand'), (2, 'price band'), (3, 'brand and price band'), (4, 'territory'), (5, 'business format'), (6, 'network'), (7, 'territory and brand'), (8, 'territory and price band'), (9, 'territory and manager'), (10, 'key accounts')], verbose_name='level'),
        ),
        migrations.RunSQL(
            sql=[
                """UPDATE reports_salesmonthly m SET key_account = true
                   FROM customers_customer c
                   WHERE c.id = m.customer_id AND c.is_key_account""",
                """INSERT INTO reports_salesrollup (level, month, department_id,
                       territory_id, manager_id, business_format, network, brand,
                       price_band, cartons, amount, stores)
                   SELECT 10, month, department_id, territory_id, NULL, '', '', '', 0,
                          sum(cartons), sum(amount), count(DISTINCT customer_id)
                   FROM reports_salesmonthly WHERE key_account
                   GROUP BY month, department_id, territory_id""",
            ],
            reverse_sql=["DELETE FROM reports_salesrollup WHERE level = 10"],
        ),
    ]
