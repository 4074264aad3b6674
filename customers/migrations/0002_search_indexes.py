"""Trigram indexes so that substring search on name, owner and phone stays fast at a
million stores (declared on Customer.Meta.indexes)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def trigram_index(column):
    return GinIndex(fields=[column], opclasses=["gin_trgm_ops"],
                    name=f"customers_customer_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [
        TrigramExtension(),
        *(migrations.AddIndex(model_name="customer", index=trigram_index(column))
          for column in ("name", "owner", "phone")),
    ]
