from django.db import migrations


def seed(apps, schema_editor):
    from reports.evaluation.rules import seed_default_rules

    seed_default_rules(apps.get_model("reports", "ScorecardRule"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_targets_and_scorecards")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
