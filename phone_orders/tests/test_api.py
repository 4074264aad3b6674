from decimal import Decimal

import pytest

from conftest import api_as
from phone_orders import services
from phone_orders.models import CycleSupply, Order, OrderLine, OrderStatus


def _create(user, store, sku, cartons=3, confirm=False):
    return api_as(user).post("/api/orders/", {
        "customer": store.pk, "confirm": confirm,
        "lines": [{"sku_code": sku.code, "cartons": cartons}]}, format="json")


def test_clerk_creates_and_confirms_an_order_through_the_api(clerk, store, sku, scarce_sku):
    response = api_as(clerk).post("/api/orders/", {
        "customer": store.pk, "confirm": True,
        "lines": [{"sku_code": sku.code, "cartons": 3},
                  {"sku_code": scarce_sku.code, "cartons": 4}]}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["total_amount"] == "1783.50"
    assert [(ln["sku_code"], ln["granted_cartons"], ln["unmet_reason"])
            for ln in body["lines"]] == [("690001", 3, ""), ("690002", 2, "quota")]
    assert body["unmet_cartons"] == 2


def test_api_modify_confirm_and_cancel(clerk, store, sku):
    order_id = _create(clerk, store, sku).json()["id"]
    client = api_as(clerk)

    modified = client.patch(f"/api/orders/{order_id}/",
                            {"lines": [{"sku_code": sku.code, "cartons": 5}]}, format="json")
    confirmed = client.post(f"/api/orders/{order_id}/confirm/")
    cancelled = client.post(f"/api/orders/{order_id}/cancel/", {"reason": "改天再订"},
                            format="json")

    assert modified.json()["requested_cartons"] == 5
    assert confirmed.json()["total_amount"] == "1087.50"
    assert cancelled.json()["status"] == "cancelled"
    assert CycleSupply.objects.get(product=sku).granted_cartons == 0
    actions = [e["action"] for e in client.get(f"/api/orders/{order_id}/").json()["events"]]
    assert actions == ["created", "line_added", "line_changed", "confirmed", "cancelled"]


@pytest.mark.parametrize("line, field", [
    ({"sku_code": "690001", "cartons": 0}, "cartons"),
    ({"sku_code": "690001", "cartons": -3}, "cartons"),
    ({"sku_code": "NOPE", "cartons": 1}, "product"),
])
def test_api_bad_lines_answer_400_with_the_field_and_write_nothing(clerk, store, sku, line,
                                                                   field):
    response = api_as(clerk).post("/api/orders/", {"customer": store.pk, "lines": [line]},
                                  format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0


def test_api_refuses_a_store_outside_the_clerks_territories(clerk, other_store, sku):
    response = _create(clerk, other_store, sku)
    assert response.status_code == 400
    assert "customer" in response.json()
    assert Order.objects.count() == 0


@pytest.mark.parametrize("persona, can_see", [
    ("manager", True), ("other_manager", False), ("clerk", True), ("supervisor", True),
    ("other_supervisor", False), ("admin", True),
])
def test_order_detail_is_404_outside_scope(personas, store, sku, persona, can_see):
    order = services.order_open(user=personas["clerk"], customer=store)
    response = api_as(personas[persona]).get(f"/api/orders/{order.pk}/")
    assert response.status_code == (200 if can_see else 404)
    listed = api_as(personas[persona]).get("/api/orders/").json()["count"]
    assert listed == (1 if can_see else 0)


@pytest.mark.parametrize("persona, expected", [
    ("manager", 200), ("other_manager", 404), ("clerk", 200), ("supervisor", 403),
    ("other_supervisor", 404), ("admin", 200),
])
def test_who_may_confirm_an_order(personas, store, sku, persona, expected):
    order = services.order_open(user=personas["clerk"], customer=store)
    services.order_set_line(user=personas["clerk"], order=order, product=sku, cartons=2)

    response = api_as(personas[persona]).post(f"/api/orders/{order.pk}/confirm/")

    assert response.status_code == expected
    order.refresh_from_db()
    expected_status = OrderStatus.CONFIRMED if expected == 200 else OrderStatus.DRAFT
    assert order.status == expected_status
    granted = CycleSupply.objects.get(product=sku).granted_cartons
    assert granted == (2 if expected == 200 else 0)
    assert order.total_amount == (Decimal("435.00") if expected == 200 else Decimal("0"))
