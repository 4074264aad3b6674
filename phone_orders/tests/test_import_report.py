"""Order and supply imports say which rows they skipped or refused, and why, also as a CSV
file to download (issue 14)."""

import csv
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from phone_orders.imports import import_orders
from phone_orders.models import Order, OrderImport


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """These tests read English messages: pages follow the language picked on the site
    (its cookie), never the browser's Accept-Language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

HEADER = "customer_code,order_date,sku_code,cartons,amount\n"


def _csv(tmp_path, body: str):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_skipped_orders_are_reported_row_by_row(tmp_path, store, other_store, sku):
    path = _csv(tmp_path, (
        f"{store.code},2026-03-03,{sku.code},3,652.50\n"
        f"{other_store.code},2026-03-04,{sku.code},1,217.50\n"
    ))
    import_orders(path)
    again = _csv(tmp_path, (
        f"{store.code},2026-03-03,{sku.code},3,652.50\n"
        f"{store.code},2026-03-17,{sku.code},1,217.50\n"
        f"{other_store.code},2026-03-04,{sku.code},1,217.50\n"
    ))

    result = import_orders(again)

    assert (result.orders_created, result.orders_skipped) == (1, 2)
    existing = Order.objects.get(customer=store, order_date="2026-03-03")
    assert [(s["row"], s["column"]) for s in result.skipped] == [
        (2, "order_date"), (4, "order_date")]
    assert f"#{existing.pk}" in result.skipped[0]["reason"]


def test_negative_cartons_are_called_negative_not_a_non_number(tmp_path, store, sku):
    with translation.override("en"):
        result = import_orders(_csv(tmp_path, f"{store.code},2026-03-03,{sku.code},-1,217.50\n"))

    assert [(e["row"], e["column"], e["reason"]) for e in result.errors] == [
        (2, "cartons", "must be at least 1")]


def test_the_same_sku_twice_in_one_order_and_a_price_far_off_are_refused(tmp_path, store,
                                                                         sku):
    path = _csv(tmp_path, (
        f"{store.code},2026-03-03,{sku.code},2,435.00\n"
        f"{store.code},2026-03-03,{sku.code},4,1.00\n"
    ))

    with translation.override("en"):
        result = import_orders(path)

    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "amount"), (3, "sku_code")]
    reasons = {e["column"]: e["reason"] for e in result.errors}
    assert "row 2" in reasons["sku_code"]
    assert "0.25" in reasons["amount"] and "217.50" in reasons["amount"]
    assert Order.objects.count() == 0


def test_the_import_report_downloads_as_csv(client, admin_user, store, sku,
                                            django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    body = (HEADER + f"{store.code},2026-03-03,{sku.code},-1,435.00\n"
            f"{store.code},2026-03-10,XX,2,435.00\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/orders/imports/", {"file": SimpleUploadedFile("o.csv", body)})
    job = OrderImport.objects.get()

    page = client.get(f"/orders/imports/{job.pk}/")
    response = client.get(f"/orders/imports/{job.pk}/report.csv", HTTP_ACCEPT_LANGUAGE="en")

    assert f"/orders/imports/{job.pk}/report.csv" in page.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0] == ["row", "outcome", "column", "reason"]
    assert [r[:3] for r in rows[1:]] == [["2", "refused", "cartons"],
                                         ["3", "refused", "sku_code"]]


@pytest.mark.parametrize("persona", ["clerk", "supervisor", "manager"])
def test_only_admins_download_an_import_report(client, personas, admin_user, persona):
    job = OrderImport.objects.create(file_name="o.csv", created_by=admin_user)
    client.force_login(personas[persona])

    assert client.get(f"/orders/imports/{job.pk}/report.csv").status_code == 404


def test_a_refused_supply_sheet_downloads_its_bad_rows(client, admin_user, sku):
    client.force_login(admin_user)
    body = f"sku_code,cartons\n{sku.code},250\nNOPE,-3\n".encode()
    page = client.post("/orders/supply/", {"file": SimpleUploadedFile("supply.csv", body)})

    response = client.get("/orders/supply/refused.csv", HTTP_ACCEPT_LANGUAGE="en")

    assert "/orders/supply/refused.csv" in page.content.decode()
    assert [r[:3] for r in _rows(response)] == [
        ["row", "outcome", "column"], ["3", "refused", "sku_code"],
        ["3", "refused", "cartons"]]
