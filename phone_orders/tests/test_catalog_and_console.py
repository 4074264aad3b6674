"""The catalog write, the duplicate-SKU checks, and the console's one-call services."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from conftest import api_as
from crm_project.errors import BusinessError
from customers.pinyin import name_initials
from phone_orders import selectors, services
from phone_orders.catalog import product_save, product_update
from phone_orders.models import CycleSupply, Order, OrderImport, OrderStatus, PriceBand, Product
from phone_orders.services import LineRequest


def _product(**fields) -> Product:
    values = {"code": "690099", "name": "黄金叶(天叶)", "brand": "黄金叶", "origin": "河南",
              "wholesale_price": Decimal("85.00"), "retail_price": Decimal("100.00"),
              "flavour": "strong", "pack_type": "hard"}
    values.update(fields)
    return Product(**values)


# --- product_save ---------------------------------------------------------------------

def test_admin_saves_a_sku_with_initials_and_the_band_of_its_wholesale_price(admin_user):
    product = product_save(user=admin_user, product=_product())

    product.refresh_from_db()
    assert product.name_initials == name_initials("黄金叶(天叶)")
    assert product.price_band == PriceBand.CLASS_2
    assert product.history.first().history_user == admin_user


def test_a_price_band_given_is_kept(admin_user):
    product = product_save(user=admin_user, product=_product(price_band=PriceBand.CLASS_1))

    assert product.price_band == PriceBand.CLASS_1


@pytest.mark.parametrize("persona", ["manager", "clerk", "supervisor"])
def test_only_admins_change_the_catalog(personas, persona, sku):
    with pytest.raises(PermissionDenied):
        product_save(user=personas[persona], product=_product())
    with pytest.raises(PermissionDenied):
        product_update(user=personas[persona], product=sku, data={"name": "改名"})

    sku.refresh_from_db()
    assert not Product.objects.filter(code="690099").exists()
    assert sku.name == "芙蓉王(硬)"


def test_a_duplicate_sku_code_is_refused(admin_user, sku):
    with pytest.raises(ValidationError) as refused:
        product_save(user=admin_user, product=_product(code=sku.code))

    assert "code" in refused.value.message_dict
    assert Product.objects.filter(code=sku.code).count() == 1


def test_api_refuses_a_duplicate_sku_code(admin_user, sku):
    response = api_as(admin_user).post("/api/products/", {
        "code": sku.code, "name": "另一个", "brand": "x", "origin": "y",
        "wholesale_price": "85.00", "retail_price": "100.00", "flavour": "strong",
        "pack_type": "hard"}, format="json")

    assert response.status_code == 400
    assert Product.objects.filter(code=sku.code).count() == 1


def test_product_update_changes_the_name_and_its_initials(admin_user, sku):
    product = product_update(user=admin_user, product=sku, data={"name": "芙蓉王(蓝)"})

    sku.refresh_from_db()
    assert (sku.name, sku.name_initials) == ("芙蓉王(蓝)", name_initials("芙蓉王(蓝)"))
    assert product.pk == sku.pk


# --- the same SKU twice ---------------------------------------------------------------

def test_an_order_listing_a_sku_twice_is_refused(clerk, store, sku):
    order = services.order_open(user=clerk, customer=store)

    with pytest.raises(BusinessError) as refused:
        services.order_replace_lines(user=clerk, order=order, lines=[
            LineRequest(product=sku, cartons=1), LineRequest(product=sku, cartons=2)])

    assert refused.value.field == "lines"
    assert order.lines.count() == 0


def test_the_api_refuses_a_sku_twice_and_writes_nothing(clerk, store, sku):
    response = api_as(clerk).post("/api/orders/", {
        "customer": store.pk, "lines": [{"sku_code": sku.code, "cartons": 1},
                                        {"sku_code": sku.code, "cartons": 2}]},
        format="json")

    assert response.status_code == 400
    assert "lines" in response.json()
    assert Order.objects.count() == 0


def test_a_supply_sheet_listing_a_sku_twice_saves_nothing(admin_user, sku):
    with pytest.raises(BusinessError) as refused, translation.override("en"):
        services.cycle_supply_import(user=admin_user, cycle_start=services.current_cycle(),
                                     rows=[{"sku_code": sku.code, "cartons": "5"},
                                           {"sku_code": sku.code, "cartons": "6"}])

    assert refused.value.errors == [{"row": 3, "column": "sku_code",
                                     "reason": "appears twice"}]
    assert CycleSupply.objects.get(product=sku).available_cartons == 100


# --- the console's services -----------------------------------------------------------

def test_console_line_set_adds_changes_and_removes_a_line(clerk, store, sku):
    services.console_line_set(user=clerk, customer=store, sku=sku.code, cartons="3")
    order = services.console_line_set(user=clerk, customer=store, sku=sku.code, cartons="5")
    assert list(order.lines.values_list("requested_cartons", flat=True)) == [5]

    order = services.console_line_set(user=clerk, customer=store, sku=sku.code, remove=True)

    assert order.lines.count() == 0


def test_a_refused_console_line_leaves_no_empty_draft(clerk, store, sku):
    with pytest.raises(BusinessError):
        services.console_line_set(user=clerk, customer=store, sku=sku.code, cartons="0")

    assert Order.objects.count() == 0


def test_console_confirm_and_cancel_work_on_the_live_order(clerk, store, sku):
    with pytest.raises(BusinessError):
        services.console_confirm(user=clerk, customer=store)
    with pytest.raises(BusinessError):
        services.console_cancel(user=clerk, customer=store)
    services.console_line_set(user=clerk, customer=store, sku=sku.code, cartons="2")

    confirmed = services.console_confirm(user=clerk, customer=store)
    cancelled = services.console_cancel(user=clerk, customer=store, reason="店主改主意")

    assert confirmed.pk == cancelled.pk
    assert (cancelled.status, cancelled.cancel_reason) == (OrderStatus.CANCELLED, "店主改主意")


def test_console_repeat_takes_only_the_stores_own_orders(clerk, store, other_store, sku,
                                                         admin_user):
    previous = services.console_line_set(user=admin_user, customer=other_store, sku=sku.code,
                                         cartons="2")

    with pytest.raises(BusinessError):
        services.console_repeat(user=clerk, customer=store, previous_id=str(previous.pk))
    with pytest.raises(BusinessError):
        services.console_repeat(user=clerk, customer=store, previous_id="not-a-number")

    assert not Order.objects.filter(customer=store).exists()


def test_order_create_from_codes_refuses_an_unknown_store(clerk, sku):
    with pytest.raises(BusinessError) as refused:
        services.order_create_from_codes(user=clerk, customer_id=0,
                                         lines=[{"sku_code": sku.code, "cartons": 1}])

    assert refused.value.field == "customer"


def test_console_customer_get_refuses_a_supervisor(supervisor, store):
    with pytest.raises(PermissionDenied):
        selectors.console_customer_get(user=supervisor, pk=store.pk)


def test_console_context_reads_back_the_live_order(clerk, store, sku):
    services.console_line_set(user=clerk, customer=store, sku=sku.code, cartons="4")

    context = selectors.console_context(user=clerk, customer=store)

    assert context["read_back"]["requested"] == 4
    assert context["clerk_number"] == "017"


# --- supply and imports ---------------------------------------------------------------

def test_cycle_supply_save_sets_one_sku_or_a_sheet(admin_user, sku, scarce_sku):
    cycle = services.current_cycle()
    assert services.cycle_supply_save(user=admin_user, cycle_start=cycle, sku=sku.code,
                                      available="40") == 1
    sheet = SimpleUploadedFile("supply.csv", f"sku_code,cartons\n{scarce_sku.code},7\n"
                               .encode())

    assert services.cycle_supply_save(user=admin_user, cycle_start=cycle, upload=sheet) == 1
    assert CycleSupply.objects.get(product=sku).available_cartons == 40
    assert CycleSupply.objects.get(product=scarce_sku).available_cartons == 7


@pytest.mark.parametrize("persona", ["clerk", "supervisor", "manager"])
def test_only_admins_save_supply(personas, persona, sku):
    with pytest.raises(PermissionDenied):
        services.cycle_supply_save(user=personas[persona], cycle_start=services.current_cycle(),
                                   sku=sku.code, available="1")

    assert CycleSupply.objects.get(product=sku).available_cartons == 100


def test_order_import_start_queues_the_job_after_commit(admin_user,
                                                        django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("orders.csv", b"customer_code,order_date,sku_code,cartons,amount\n")

    with django_capture_on_commit_callbacks() as callbacks:
        job = services.order_import_start(user=admin_user, uploaded_file=upload)

    assert OrderImport.objects.filter(pk=job.pk).exists()
    assert len(callbacks) == 1


@pytest.mark.parametrize("persona, count", [("clerk", 1), ("supervisor", 1), ("admin", 1)])
def test_call_list_page_counts_progress_over_the_whole_list(personas, persona, count, store):
    from datetime import date, timedelta

    day = date.today() + timedelta(days=(store.order_weekday - date.today().isoweekday()) % 7)

    page = selectors.call_list_page(user=personas[persona], day=day, status="ordered")

    assert page["stores"] == []
    assert page["progress"]["total"] == count
