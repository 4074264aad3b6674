"""Bad input answers 4xx (or 2xx), never 500, and a refused request writes nothing; a store
outside the user's reach answers as an unknown one. Cases found by the issue-13 attack."""


from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import api_as
from customers.grading.jobs import scan_churn
from customers.models import ChurnWarning, Customer, JobRun, JobStatus, WarningStatus
from customers.tests.factories import UserFactory
from customers.tests.grading_factories import ChurnWarningFactory
from phone_orders import services as order_services
from phone_orders.imports import import_orders
from phone_orders.models import CycleSupply, Order, OrderLine, Product
from visits.models import PlannedVisit, Visit
from visits.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["acknowledge", "resolve", "dismiss"])
def test_a_churn_warning_action_with_a_non_numeric_id_is_not_found(manager, store, action):
    ChurnWarningFactory(customer=store, owner=manager)
    response = api_as(manager).post(f"/api/churn-warnings/abc/{action}/",
                                    {"resolution": "x"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("first_day", ["9999-12-31", "0001-01-01"])
def test_a_plan_for_a_far_first_day_is_refused(manager, store, first_day):
    response = api_as(manager).post("/api/visits/plan/generate/", {"first_day": first_day},
                                    format="json")
    assert response.status_code == 400
    assert "first_day" in response.json()
    assert PlannedVisit.objects.count() == 0


def test_a_visit_finish_with_a_huge_stock_is_refused(manager, store):
    product = ProductFactory()
    client = api_as(manager)
    visit_id = client.post("/api/visits/", {"customer": store.pk}, format="json").json()["id"]
    response = client.post(f"/api/visits/{visit_id}/finish/", {
        "actions": ["arrive_greet"],
        "lines": [{"product": product.pk, "retail_price": "250.00",
                   "stock_cartons": 99999999999999}]}, format="json")
    assert response.status_code == 400
    assert Visit.objects.get(pk=visit_id).status != "done"


def test_a_churn_scan_of_a_date_without_data_records_an_empty_run(db, manager, store):
    # a warning dismissed lately, and nothing found on the day (KeyError 'customer_id')
    ChurnWarningFactory(customer=store, owner=manager, status=WarningStatus.DISMISSED,
                        resolved_at=timezone.now())
    run = scan_churn(as_of=timezone.localdate())
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.SUCCEEDED
    assert ChurnWarning.objects.count() == 1


def test_an_order_for_another_managers_store_answers_as_an_unknown_store(
        manager, other_store):
    ProductFactory(code="6901028")
    client = api_as(manager)
    body = {"lines": [{"sku_code": "6901028", "cartons": 1}]}
    foreign = client.post("/api/orders/", {**body, "customer": other_store.pk}, format="json")
    unknown = client.post("/api/orders/", {**body, "customer": 99999999}, format="json")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json()
    assert Order.objects.count() == 0


def test_reassigning_a_store_to_an_inactive_manager_is_refused(admin_user, store, territory):
    gone = UserFactory(role="manager", is_active=False)
    response = api_as(admin_user).post(f"/api/customers/{store.pk}/reassign/",
                                       {"manager": gone.pk, "reason": "x"}, format="json")
    assert response.status_code == 400
    assert Customer.objects.get(pk=store.pk).manager_id != gone.pk


@pytest.mark.parametrize("persona", ["clerk", "manager"])
def test_creating_a_customer_without_the_right_is_forbidden_before_validation(
        request, persona):
    user = request.getfixturevalue(persona)
    response = api_as(user).post("/api/customers/", {}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["clerk", "manager", "supervisor"])
def test_creating_a_product_without_the_right_is_forbidden_before_validation(
        request, persona):
    user = request.getfixturevalue(persona)
    response = api_as(user).post("/api/products/", {}, format="json")
    assert response.status_code == 403
    assert Product.objects.count() == 0


# --- the rest of the issue-13 list --------------------------------------------------------

@pytest.mark.parametrize("day", ["9999-99-99", "0001-01-01", "9999-12-31", "0000-00-00"])
def test_a_visit_day_out_of_range_is_no_server_error(client, manager, store, day):
    client.force_login(manager)
    response = client.get(f"/visits/day/{day}/")
    assert response.status_code in (200, 404)
    assert Visit.objects.count() == PlannedVisit.objects.count() == 0


@pytest.fixture
def supplied_sku(db):
    product = ProductFactory(code="690001", wholesale_price=Decimal("217.50"))
    CycleSupply.objects.create(product=product, cycle_start=order_services.current_cycle(),
                               available_cartons=100)
    return product


@pytest.mark.parametrize("available", ["99999999999", "²", "٣", "-1", "1e3"])
def test_supply_for_one_sku_out_of_range_is_refused(client, admin_user, supplied_sku,
                                                    available):
    client.force_login(admin_user)
    response = client.post("/orders/supply/", {"sku": supplied_sku.code,
                                               "available": available})
    assert response.status_code == 200
    assert response.context["error"]
    assert CycleSupply.objects.get(product=supplied_sku).available_cartons == 100


@pytest.mark.parametrize("cell", ["²", "99999999999", "٣٤", "１２"])
def test_a_supply_sheet_cell_that_is_no_carton_count_is_refused(client, admin_user,
                                                                supplied_sku, cell):
    client.force_login(admin_user)
    body = f"sku_code,cartons\n{supplied_sku.code},{cell}\n".encode()
    response = client.post("/orders/supply/", {
        "file": SimpleUploadedFile("supply.csv", body, content_type="text/csv")})
    assert response.status_code == 200
    assert [(e["row"], e["column"]) for e in response.context["row_errors"]] == [
        (2, "cartons")]
    assert CycleSupply.objects.get(product=supplied_sku).available_cartons == 100


def _order_file(tmp_path, *rows):
    path = tmp_path / "orders.csv"
    path.write_text("customer_code,order_date,sku_code,cartons,amount\n"
                    + "".join(f"{','.join(row)}\n" for row in rows), encoding="utf-8")
    return path


def test_an_order_import_amount_beyond_the_column_is_a_bad_row(tmp_path, store, supplied_sku):
    path = _order_file(tmp_path, (store.code, "2026-03-03", supplied_sku.code, "1",
                                  "999999999999.99"))
    result = import_orders(path)
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "amount")]
    assert Order.objects.count() == OrderLine.objects.count() == 0


@pytest.mark.parametrize("column, value", [
    ("cartons", "٣"), ("amount", "٦٥٢.٥٠"), ("order_date", "٢٠٢٦-٠٣-٠٣"),
    ("cartons", "３"), ("amount", "６５２.５０"),
])
def test_order_import_refuses_digits_other_than_ascii(tmp_path, store, supplied_sku, column,
                                                      value):
    row = {"customer_code": store.code, "order_date": "2026-03-03",
           "sku_code": supplied_sku.code, "cartons": "3", "amount": "652.50", column: value}
    result = import_orders(_order_file(tmp_path, tuple(row.values())))
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, column)]
    assert Order.objects.count() == 0


def test_order_import_refuses_a_store_code_in_other_digits(tmp_path, store, supplied_sku):
    arabic = store.code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    result = import_orders(_order_file(tmp_path, (arabic, "2026-03-03", supplied_sku.code,
                                                  "3", "652.50")))
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "customer_code")]
    assert Order.objects.count() == 0
