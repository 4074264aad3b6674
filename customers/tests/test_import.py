"""Import of stores: every row or none, every bad row reported."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from customers.importers import COLUMNS, customers_import
from customers.models import Customer

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def _row(code, licence, territory="T01", manager="mgr_owner", **overrides):
    values = {
        "customer_code": code, "name": "芙蓉便利店", "license_no": licence, "owner": "王五",
        "phone": "13612345678", "address": "长沙市黄兴路8号", "territory": territory,
        "manager": manager, "network": "城网", "business_format": "convenience",
        "order_weekday": "2", "latitude": "28.2", "longitude": "112.9", "status": "active",
    }
    values.update(overrides)
    return ",".join(values[c] for c in COLUMNS)


def _csv(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8-sig")


def test_good_file_creates_and_updates(manager, store, admin_user):
    content = _csv(
        _row(store.code, store.license_no, name="百利达便利店(新)"),
        _row("430100000777", "430100000777"),
    )
    result = customers_import(content=content, filename="stores.csv", user=admin_user)
    assert result.errors == []
    assert (result.created, result.updated) == (1, 1)
    store.refresh_from_db()
    assert store.name == "百利达便利店(新)"
    new = Customer.objects.get(code="430100000777")
    assert new.manager == manager
    assert new.network == "urban"
    assert new.name_initials == "frbld"
    assert store.history.first().history_user == admin_user


def test_bad_rows_import_nothing_and_are_all_reported(manager, store, admin_user):
    content = _csv(
        _row("430100000777", "430100000777"),  # fine on its own
        _row("430100000778", "12AB", phone="123"),  # row 3: licence and phone
        _row("430100000779", "430100000779", territory="T99"),  # row 4
        _row("430100000780", store.license_no),  # row 5: licence of another store
        _row("430100000777", "430100000781", latitude="91"),  # row 6: dup code, latitude
        _row("430100000782", "430100000782", manager="nobody", order_weekday="9"),  # row 7
    )
    result = customers_import(content=content, filename="stores.csv", user=admin_user)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "license_no"), (3, "phone"),
        (4, "territory"),
        (5, "license_no"),
        (6, "customer_code"), (6, "latitude"),
        (7, "manager"), (7, "order_weekday"),
    ]
    assert Customer.objects.count() == 1


def test_excel_file_is_read(admin_user, manager):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    sheet.append(_row("430100000900", "430100000900").split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = customers_import(content=buffer.getvalue(), filename="stores.xlsx",
                              user=admin_user)
    assert (result.created, result.errors) == (1, [])


def test_missing_column_is_refused(admin_user):
    from crm_project.errors import BusinessError

    with pytest.raises(BusinessError, match="license_no"):
        customers_import(content=b"customer_code,name\n1,a\n", filename="x.csv",
                         user=admin_user)


def test_manager_may_not_import(manager):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        customers_import(content=_csv(_row("430100000777", "430100000777")),
                         filename="x.csv", user=manager)
    assert not Customer.objects.exists()


def test_command_imports_and_reports(tmp_path, manager):
    good = tmp_path / "good.csv"
    good.write_bytes(_csv(_row("430100000777", "430100000777")))
    call_command("import_customers", str(good))
    assert Customer.objects.filter(code="430100000777").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv(_row("430100000778", "430100000778", territory="T99")))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_customers", str(bad))
    assert Customer.objects.count() == 1


def test_admin_upload_page(client, admin_user, manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    bad = SimpleUploadedFile("bad.csv", _csv(_row("430100000778", "x1")))
    response = client.post("/admin/customers/customer/import/", {"file": bad})
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(2, "license_no")]
    good = SimpleUploadedFile("good.csv", _csv(_row("430100000777", "430100000777")))
    client.post("/admin/customers/customer/import/", {"file": good})
    assert list(Customer.objects.values_list("code", flat=True)) == ["430100000777"]
