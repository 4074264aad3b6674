"""The migrations and the models agree: every index, including the trigram and the partial
ones, is declared on a model, so that Django's model state knows the real schema."""

import pytest
from django.core.management import call_command
from django.db import connection

from customers.models import Customer


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # SystemExit if not


@pytest.mark.django_db
def test_the_trigram_indexes_serve_substring_search():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Customer._meta.db_table)
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s",
                       [Customer._meta.db_table])
        options = cursor.fetchone()[0]
    trigram = {name: (spec["columns"], spec["type"]) for name, spec in constraints.items()
               if name.endswith("_trgm")}
    assert trigram == {**{f"customers_customer_{column}_trgm": ([column], "gin")
                          for column in ("name", "owner", "phone")},
                       "customer_address_trgm": (["address"], "gin")}
    assert options == ["fillfactor=45"]
