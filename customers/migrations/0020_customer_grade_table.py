"""The grade moves from the wide customer row to the narrow CustomerGrade table (one row per
store ever graded), so that the monthly grading run writes a million narrow rows instead of
rewriting a million wide ones. The values are carried over before the columns go. Grade
changes lose their database constraint, as snapshots did (customers 0014)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0019_grade_snapshot_partitions'),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerGrade',
            fields=[
                ('customer', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='grading', serialize=False, to='customers.customer', verbose_name='customer')),
                ('grade', models.CharField(blank=True, choices=[('A', 'A'), ('B', 'B'), ('C', 'C')], max_length=1, verbose_name='grade')),
                ('tier', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='tier')),
                ('monthly_average', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='monthly average purchase (yuan)')),
                ('as_of', models.DateField(blank=True, null=True, verbose_name='graded as of')),
            ],
            options={
                'verbose_name': 'customer grade',
                'verbose_name_plural': 'customer grades',
            },
        ),
        migrations.RunSQL(
            """INSERT INTO customers_customergrade (customer_id, grade, tier, monthly_average,
                                                    as_of)
               SELECT id, grade, tier, monthly_average, grade_as_of
               FROM customers_customer
               WHERE grade <> '' OR tier IS NOT NULL OR monthly_average IS NOT NULL
                  OR grade_as_of IS NOT NULL""",
            """UPDATE customers_customer c
                  SET grade = g.grade, tier = g.tier, monthly_average = g.monthly_average,
                      grade_as_of = g.as_of
                 FROM customers_customergrade g WHERE g.customer_id = c.id""",
        ),
        migrations.RemoveField(
            model_name='customer',
            name='grade',
        ),
        migrations.RemoveField(
            model_name='customer',
            name='grade_as_of',
        ),
        migrations.RemoveField(
            model_name='customer',
            name='monthly_average',
        ),
        migrations.RemoveField(
            model_name='customer',
            name='tier',
        ),
        migrations.RemoveField(
            model_name='historicalcustomer',
            name='grade',
        ),
        migrations.AlterField(
            model_name='gradechange',
            name='customer',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='grade_changes', to='customers.customer', verbose_name='customer'),
        ),
    ]
