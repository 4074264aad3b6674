"""A customer import shows what it would change before it writes (issue 14): per store,
old -> new; blank cells change nothing unless the file says `__clear__`; moving a store to
another territory or manager needs an explicit confirmation."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.importers import COLUMNS, customers_import
from customers.models import Customer


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """These tests read English messages: pages follow the language picked on the site
    (its cookie), never the browser's Accept-Language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def _csv(*rows: dict) -> bytes:
    lines = [HEADER] + [",".join(row.get(c, "") for c in COLUMNS) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


@pytest.fixture
def placed_store(store):
    store.latitude, store.longitude = Decimal("28.200000"), Decimal("112.900000")
    store.phone = "13612345678"
    store.save()
    return store


def test_dry_run_lists_per_store_what_would_change_and_writes_nothing(placed_store,
                                                                       admin_user):
    content = _csv({"customer_code": placed_store.code, "name": "百利达超市",
                    "phone": "13700000000"})

    result = customers_import(content=content, filename="s.csv", user=admin_user,
                              dry_run=True)

    assert result.errors == []
    [change] = result.changes
    assert (change.code, change.created, change.moves) == (placed_store.code, False, False)
    assert [(f.column, f.old, f.new) for f in change.fields] == [
        ("name", "百利达便利店", "百利达超市"), ("phone", "13612345678", "13700000000")]
    placed_store.refresh_from_db()
    assert placed_store.name == "百利达便利店"


def test_blank_cells_leave_the_store_unchanged(placed_store, admin_user, manager):
    before = Customer.objects.values().get(pk=placed_store.pk)
    content = _csv({"customer_code": placed_store.code})

    result = customers_import(content=content, filename="s.csv", user=admin_user)

    assert (result.errors, result.updated, result.changes) == ([], 0, [])
    after = Customer.objects.values().get(pk=placed_store.pk)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"}


def test_the_clear_marker_empties_an_optional_field(placed_store, admin_user):
    content = _csv({"customer_code": placed_store.code, "latitude": "__clear__",
                    "longitude": "__clear__", "phone": "__clear__"})

    result = customers_import(content=content, filename="s.csv", user=admin_user)

    assert result.errors == []
    placed_store.refresh_from_db()
    assert (placed_store.latitude, placed_store.longitude, placed_store.phone) == (
        None, None, "")


def test_a_required_field_cannot_be_cleared(placed_store, admin_user):
    content = _csv({"customer_code": placed_store.code, "name": "__clear__"})

    result = customers_import(content=content, filename="s.csv", user=admin_user)

    assert [(e.row, e.column) for e in result.errors] == [(2, "name")]
    placed_store.refresh_from_db()
    assert placed_store.name == "百利达便利店"


def test_moving_a_store_needs_an_explicit_confirmation(placed_store, admin_user,
                                                       other_manager, other_territory):
    content = _csv({"customer_code": placed_store.code, "territory": other_territory.code,
                    "manager": other_manager.username})

    refused = customers_import(content=content, filename="s.csv", user=admin_user)

    assert [(e.row, e.column) for e in refused.errors] == [(2, "territory"), (2, "manager")]
    placed_store.refresh_from_db()
    assert placed_store.territory_id != other_territory.pk

    dry = customers_import(content=content, filename="s.csv", user=admin_user, dry_run=True)
    assert dry.errors == [] and [c.moves for c in dry.changes] == [True]

    done = customers_import(content=content, filename="s.csv", user=admin_user,
                            confirm_moves=True)

    assert (done.errors, done.updated) == ([], 1)
    placed_store.refresh_from_db()
    assert (placed_store.territory, placed_store.manager) == (other_territory, other_manager)


def test_new_stores_still_need_the_required_columns(admin_user, territory):
    content = _csv({"customer_code": "430100000777", "name": "新店"})

    result = customers_import(content=content, filename="s.csv", user=admin_user)

    assert [e.column for e in result.errors] == ["license_no", "owner", "address",
                                                 "territory"]


def test_the_upload_page_shows_old_and_new_and_asks_to_confirm_moves(
        client, placed_store, admin_user, other_territory):
    client.force_login(admin_user)
    content = _csv({"customer_code": placed_store.code, "name": "百利达超市",
                    "territory": other_territory.code})

    response = client.post("/admin/customers/customer/import/",
                           {"file": SimpleUploadedFile("s.csv", content), "dry_run": "on"},
                           HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert "百利达便利店 → 百利达超市" in page
    assert 'name="confirm_moves"' in page
    assert "1 store would move" in page


def test_the_command_imports_moves_only_when_confirmed(tmp_path, placed_store,
                                                       other_territory):
    path = tmp_path / "s.csv"
    path.write_bytes(_csv({"customer_code": placed_store.code,
                           "territory": other_territory.code}))

    with pytest.raises(CommandError):
        call_command("import_customers", str(path))
    call_command("import_customers", str(path), "--confirm-moves")

    placed_store.refresh_from_db()
    assert placed_store.territory == other_territory
