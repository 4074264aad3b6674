from django.db import migrations, models

MERGE_DUPLICATES = """
    WITH ranked AS (
        SELECT id, row_number() OVER (
                   PARTITION BY customer_id
                   ORDER BY score DESC,
                            CASE reason WHEN 'no_order' THEN 0 WHEN 'purchase_drop' THEN 1
                                        ELSE 2 END, id) AS position
        FROM customers_churnwarning
        WHERE status IN ('open', 'acknowledged')
          AND reason IN ('no_order', 'purchase_drop', 'grade_drop')
    )
    UPDATE customers_churnwarning w
       SET status = 'resolved', resolved_at = now(), updated_at = now(),
           resolution = '已并入该客户的唯一流失预警。'
      FROM ranked r
     WHERE w.id = r.id AND r.position > 1
"""


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0009_jobrun_interrupted_task_id"),
    ]

    operations = [
        migrations.RunSQL(MERGE_DUPLICATES, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="churnwarning",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reason__in", ["no_order", "purchase_drop", "grade_drop"]),
                                   ("status__in", ["open", "acknowledged"])),
                fields=("customer",), name="one_open_scan_warning_per_store"),
        ),
    ]
