from django.db import migrations

DEFAULTS = {"low": 10, "medium": 7, "high": 3, "critical": 1}


def add_defaults(apps, schema_editor):
    ResolutionTarget = apps.get_model("complaints", "ResolutionTarget")
    for severity, days in DEFAULTS.items():
        ResolutionTarget.objects.get_or_create(severity=severity, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
