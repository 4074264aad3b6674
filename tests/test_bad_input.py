"""Bad input answers 4xx (or 2xx), never 500, and a refused request writes nothing; a store
outside the user's reach answers as an unknown one. Cases found by the issue-13 attack."""


import pytest
from django.utils import timezone

from conftest import api_as
from customers.grading.jobs import scan_churn
from customers.models import ChurnWarning, Customer, JobRun, JobStatus, WarningStatus
from customers.tests.factories import UserFactory
from customers.tests.grading_factories import ChurnWarningFactory
from phone_orders.models import Order, Product
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
