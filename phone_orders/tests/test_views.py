from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from customers.models import ChurnReason, ChurnWarning
from customers.tests.factories import CustomerFactory
from phone_orders import services
from phone_orders.models import (
    CallOutcome,
    CallRecord,
    CycleSupply,
    Order,
    OrderImport,
    OrderLine,
)
from phone_orders.tests.factories import ProductFactory, SupplyFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def today_store(store):
    store.order_weekday = timezone.localdate().isoweekday()
    store.save()
    return store


def test_call_list_shows_todays_stores_with_status_flags_and_progress(client, clerk,
                                                                      today_store, territory):
    tomorrow = CustomerFactory(territory=territory, name="明天店",
                               order_weekday=timezone.localdate().isoweekday() % 7 + 1)
    called = CustomerFactory(territory=territory, name="没接店",
                             order_weekday=today_store.order_weekday)
    services.call_record(user=clerk, customer=called, outcome=CallOutcome.NO_ANSWER)
    ChurnWarning.objects.create(customer=today_store, reason=ChurnReason.NO_ORDER, score=50,
                                evidence={}, as_of=timezone.localdate())
    client.force_login(clerk)

    response = client.get("/orders/calls/")

    stores = response.context["stores"]
    assert [s.name for s in stores] == [today_store.name, "没接店"]
    assert {s.name: s.call_status for s in stores} == {today_store.name: "not_called",
                                                        "没接店": "no_answer"}
    assert response.context["progress"] == {"called": 1, "total": 2, "percent": 50,
                                            "ordered": 0, "to_call": 1}
    assert tomorrow.name not in response.content.decode()
    assert [s.has_warning for s in stores] == [True, False]


def test_console_adds_a_line_and_reads_back(client, clerk, store, sku):
    client.force_login(clerk)
    assert client.get(f"/orders/console/{store.pk}/").status_code == 200

    response = client.post(f"/orders/console/{store.pk}/line/",
                           {"sku": sku.code, "cartons": "3"}, **HTMX)

    assert response.status_code == 200
    read_back = response.context["read_back"]
    assert (read_back["requested"], read_back["granted"], read_back["amount"]) == (
        3, 3, Decimal("652.50"))
    assert OrderLine.objects.get().requested_cartons == 3


def test_console_bad_line_shows_the_message_and_writes_nothing(client, clerk, store, sku):
    clerk.language = "en"  # the clerk's own choice (the browser's language is not used)
    clerk.save()
    client.force_login(clerk)

    response = client.post(f"/orders/console/{store.pk}/line/",
                           {"sku": sku.code, "cartons": "0"}, **HTMX)

    assert response.status_code == 200
    assert response.context["error"] == "Cartons must be at least 1."
    assert Order.objects.count() == 0


def test_console_confirm_then_close_the_call_as_ordered(client, clerk, store, sku):
    client.force_login(clerk)
    client.get(f"/orders/console/{store.pk}/")
    client.post(f"/orders/console/{store.pk}/line/", {"sku": sku.code, "cartons": "2"}, **HTMX)

    client.post(f"/orders/console/{store.pk}/confirm/", **HTMX)
    response = client.post(f"/orders/console/{store.pk}/outcome/", {"outcome": "ordered"},
                           **HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/orders/calls/"
    call = CallRecord.objects.get()
    assert (call.outcome, call.order.status) == ("ordered", "confirmed")


def test_console_is_404_for_a_store_outside_scope(client, clerk, other_store, sku):
    client.force_login(clerk)
    assert client.get(f"/orders/console/{other_store.pk}/").status_code == 404
    response = client.post(f"/orders/console/{other_store.pk}/line/",
                           {"sku": sku.code, "cartons": "2"}, **HTMX)
    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_sku_search_by_pinyin_initials_asks_to_clarify(client, clerk, store, sku, db):
    soft = ProductFactory(code="690003", name="芙蓉王(软蓝)", pack_type="soft")
    SupplyFactory(product=soft, available_cartons=0)
    client.force_login(clerk)

    response = client.get(f"/orders/console/{store.pk}/search/", {"q": "frw"})

    offers = response.context["offers"]
    assert [o.product.code for o in offers] == ["690001", "690003"]
    assert [o.out_of_stock for o in offers] == [False, True]
    assert "clarify" in response.content.decode()


def test_substitutes_are_ranked_by_the_four_rules(client, clerk, store, db):
    wanted = ProductFactory(code="691000", name="黄鹤楼(软蓝)", brand="黄鹤楼", origin="湖北",
                            flavour="intermediate", price_band=1)
    SupplyFactory(product=wanted, available_cartons=0)
    same_origin = ProductFactory(code="691001", name="A", brand="其他", origin="湖北",
                                 flavour="light", price_band=3)
    same_brand = ProductFactory(code="691002", name="B", brand="黄鹤楼", origin="湖北",
                                flavour="light", price_band=3)
    same_flavour = ProductFactory(code="691003", name="C", brand="利群", origin="浙江",
                                  flavour="intermediate", price_band=3)
    same_band = ProductFactory(code="691004", name="D", brand="玉溪", origin="云南",
                               flavour="light", price_band=1)
    unrelated = ProductFactory(code="691005", name="E", brand="双喜", origin="广东",
                               flavour="blended", price_band=5)
    for product in (same_origin, same_brand, same_flavour, same_band, unrelated):
        SupplyFactory(product=product)
    client.force_login(clerk)

    response = client.get(f"/orders/console/{store.pk}/substitutes/{wanted.pk}/")

    assert [o.product.code for o in response.context["offers"]] == [
        "691004", "691003", "691002", "691001"]


def test_not_yet_ordered_lists_in_stock_skus_of_the_usual_price_bands(client, clerk, store,
                                                                      sku, db):
    last_week = timezone.localdate() - timedelta(days=7)
    previous = Order.objects.create(customer=store, cycle_start=services.cycle_start_for(
        last_week), order_date=last_week, status="confirmed")
    OrderLine.objects.create(order=previous, product=sku, requested_cartons=2,
                             granted_cartons=2, unit_price=sku.wholesale_price)
    other_band = ProductFactory(code="690040", price_band=4)
    same_band = ProductFactory(code="690041", price_band=1)
    sold_out = ProductFactory(code="690042", price_band=1)
    SupplyFactory(product=other_band)
    SupplyFactory(product=same_band)
    SupplyFactory(product=sold_out, available_cartons=0)
    client.force_login(clerk)
    client.post(f"/orders/console/{store.pk}/line/", {"sku": sku.code, "cartons": "1"}, **HTMX)

    response = client.get(f"/orders/console/{store.pk}/")

    assert [o.product.code for o in response.context["not_yet_ordered"]] == ["690041"]
    # 690001 is on today's order already, so it is not suggested again
    assert response.context["suggested_lines"] == []


def test_order_list_filters_by_status(client, supervisor, clerk, store, sku):
    order = services.order_open(user=clerk, customer=store)
    services.order_set_line(user=clerk, order=order, product=sku, cartons=1)
    services.order_confirm(user=clerk, order=order)
    client.force_login(supervisor)

    confirmed = client.get("/orders/", {"status": "confirmed"}).context["page_obj"]
    drafts = client.get("/orders/", {"status": "draft"}).context["page_obj"]

    assert [o.pk for o in confirmed] == [order.pk]
    assert list(drafts) == []
    assert client.get(f"/orders/{order.pk}/").status_code == 200


def test_customer_card_shows_order_history(client, manager, clerk, store, sku):
    order = services.order_create(user=clerk, customer=store,
                                  lines=[services.LineRequest(sku, 2)], confirm=True)
    client.force_login(manager)

    response = client.get(f"/customers/{store.pk}/")

    assert f'href="/orders/{order.pk}/"' in response.content.decode()


def test_clerk_figures(client, supervisor, clerk, store, scarce_sku):
    services.order_create(user=clerk, customer=store,
                          lines=[services.LineRequest(scarce_sku, 5)], confirm=True)
    services.call_record(user=clerk, customer=store, outcome=CallOutcome.ORDERED)
    services.call_record(user=clerk, customer=store, outcome=CallOutcome.NO_ANSWER)
    client.force_login(supervisor)

    context = client.get("/orders/figures/").context

    row = context["clerks"][0]
    assert (row["clerk"], row["calls"], row["orders"], row["no_answer_rate"]) == (
        clerk, 2, 1, 50.0)
    assert [(u["product__code"], u["unmet"], u["quota"]) for u in context["unmet"]] == [
        ("690002", 3, 3)]


@pytest.mark.parametrize("persona, expected", [
    ("admin", 302), ("clerk", 403), ("supervisor", 403), ("manager", 403)])
def test_only_admins_upload_order_imports(client, personas, store, sku, persona, expected,
                                          django_capture_on_commit_callbacks):
    client.force_login(personas[persona])
    body = ("customer_code,order_date,sku_code,cartons,amount\n"
            f"{store.code},2026-03-03,{sku.code},2,435.00\n").encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/orders/imports/", {
            "file": SimpleUploadedFile("orders.csv", body, content_type="text/csv")})

    assert response.status_code == expected
    assert Order.objects.count() == (1 if expected == 302 else 0)
    if expected == 302:
        job = OrderImport.objects.get()
        assert (job.status, job.orders_created, job.progress) == ("done", 1, 100)
        page = client.get(f"/orders/imports/{job.pk}/")
        assert page.status_code == 200
    else:
        assert OrderImport.objects.count() == 0


def test_admin_uploads_the_cycles_supply(client, admin_user, sku, scarce_sku):
    client.force_login(admin_user)
    body = f"sku_code,cartons\n{sku.code},250\n{scarce_sku.code},0\n".encode()

    response = client.post("/orders/supply/", {
        "file": SimpleUploadedFile("supply.csv", body, content_type="text/csv")})

    assert response.status_code == 302
    supplies = dict(CycleSupply.objects.values_list("product__code", "available_cartons"))
    assert supplies == {"690001": 250, "690002": 0}


def test_a_supply_sheet_with_a_bad_row_saves_nothing(client, admin_user, sku):
    client.force_login(admin_user)
    body = f"sku_code,cartons\n{sku.code},250\nNOPE,-3\n".encode()

    response = client.post("/orders/supply/", {
        "file": SimpleUploadedFile("supply.csv", body, content_type="text/csv")})

    assert response.status_code == 200
    assert [(e["row"], e["column"]) for e in response.context["row_errors"]] == [
        (3, "sku_code"), (3, "cartons")]
    assert CycleSupply.objects.get(product=sku).available_cartons == 100


@pytest.mark.parametrize("persona", ["clerk", "supervisor", "manager"])
def test_only_admins_set_supply(client, personas, sku, persona):
    client.force_login(personas[persona])
    response = client.post("/orders/supply/", {"sku": sku.code, "available": "5"})
    assert response.status_code == 403
    assert CycleSupply.objects.get(product=sku).available_cartons == 100


@pytest.mark.parametrize("persona, expected", [
    ("clerk", 200), ("supervisor", 200), ("admin", 200), ("manager", 403)])
def test_who_sees_clerk_figures(client, personas, persona, expected):
    client.force_login(personas[persona])
    assert client.get("/orders/figures/").status_code == expected


def test_console_reads_back_changes_made_after_confirmation(client, clerk, store, sku):
    order = services.order_create(user=clerk, customer=store,
                                  lines=[services.LineRequest(sku, 2)], confirm=True)
    client.force_login(clerk)

    response = client.post(f"/orders/console/{store.pk}/line/",
                           {"sku": sku.code, "cartons": "4"}, **HTMX)

    changes = response.context["changes"]
    assert [(e.action, e.detail["old"], e.detail["new"]) for e in changes] == [
        ("line_changed", 2, 4)]
    order.refresh_from_db()
    assert (order.status, order.granted_cartons) == ("confirmed", 4)


def test_an_uploaded_file_with_bad_rows_is_rejected_with_every_row_listed(
        client, admin_user, store, sku, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    body = ("customer_code,order_date,sku_code,cartons,amount\n"
            f"{store.code},2026-03-03,{sku.code},0,435.00\n"
            f"{store.code},2026-03-10,XX,2,435.00\n").encode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/orders/imports/", {
            "file": SimpleUploadedFile("orders.csv", body, content_type="text/csv")})

    job = OrderImport.objects.get()
    assert (job.status, job.bad_rows) == ("failed", 2)
    page = client.get(f"/orders/imports/{job.pk}/", HTTP_HX_REQUEST="true")
    assert [(e["row"], e["column"]) for e in page.context["errors"]] == [
        (2, "cartons"), (3, "sku_code")]
    assert Order.objects.count() == 0
