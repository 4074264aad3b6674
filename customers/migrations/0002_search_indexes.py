"""Trigram indexes so that substring search on name, owner and phone stays fast at a
million stores. PostgreSQL only; other databases skip it."""

from django.db import migrations

INDEXES = [
    ("customers_customer_name_trgm", "name"),
    ("customers_customer_owner_trgm", "owner"),
    ("customers_customer_phone_trgm", "phone"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
