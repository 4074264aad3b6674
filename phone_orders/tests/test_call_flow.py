"""The call list in call order, and closing a call opening the next store (issue 14)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from customers.tests.factories import CustomerFactory
from phone_orders import services
from phone_orders.models import CallOutcome


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """These tests read English messages: pages follow the language picked on the site
    (its cookie), never the browser's Accept-Language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def today_stores(territory):
    weekday = timezone.localdate().isoweekday()
    return [CustomerFactory(territory=territory, code=f"4301000000{n:02d}", name=f"店{n}",
                            order_weekday=weekday) for n in range(1, 5)]


def test_the_call_list_puts_stores_to_call_first_then_due_call_backs(client, clerk,
                                                                      today_stores):
    first, second, third, fourth = today_stores
    now = timezone.now()
    services.call_record(user=clerk, customer=first, outcome=CallOutcome.NO_ANSWER)
    later = services.call_record(user=clerk, customer=second, outcome=CallOutcome.CALL_BACK,
                                 callback_at=now + timedelta(hours=2))
    services.call_record(user=clerk, customer=third, outcome=CallOutcome.CALL_BACK,
                         callback_at=now + timedelta(hours=1))
    # the call-back of `second` falls due first
    type(later).objects.filter(pk=later.pk).update(callback_at=now - timedelta(minutes=5))
    client.force_login(clerk)

    response = client.get("/orders/calls/")

    assert [s.name for s in response.context["stores"]] == ["店4", "店2", "店3", "店1"]


def test_closing_a_call_opens_the_next_store_of_the_filtered_list(client, clerk,
                                                                   today_stores):
    first, second, third, fourth = today_stores
    services.call_record(user=clerk, customer=second, outcome=CallOutcome.NO_ANSWER)
    client.force_login(clerk)
    client.get("/orders/calls/", {"status": "not_called"})
    client.get(f"/orders/console/{first.pk}/")

    response = client.post(f"/orders/console/{first.pk}/outcome/",
                           {"outcome": "no_answer"}, **HTMX)

    assert response["HX-Redirect"] == f"/orders/console/{third.pk}/"
    console = client.get(f"/orders/console/{third.pk}/")
    assert 'href="/orders/calls/?status=not_called"' in console.content.decode()


def test_closing_the_last_call_goes_back_to_the_filtered_list(client, clerk, today_stores):
    for store in today_stores[1:]:
        services.call_record(user=clerk, customer=store, outcome=CallOutcome.NO_NEED)
    client.force_login(clerk)
    client.get("/orders/calls/", {"status": "not_called"})

    response = client.post(f"/orders/console/{today_stores[0].pk}/outcome/",
                           {"outcome": "no_answer"}, **HTMX)

    assert response["HX-Redirect"] == "/orders/calls/?status=not_called"


def test_each_call_list_row_shows_grade_risk_last_order_and_call_back(client, clerk,
                                                                      today_stores, sku):
    from customers.models import ChurnReason, ChurnWarning

    first = today_stores[0]
    first.grade = "A"
    first.save()
    order = services.order_create(user=clerk, customer=first,
                                  lines=[services.LineRequest(sku, 3)], confirm=True)
    ChurnWarning.objects.create(customer=first, reason=ChurnReason.NO_ORDER, score=70,
                                evidence={}, as_of=timezone.localdate())
    client.force_login(clerk)

    response = client.get("/orders/calls/", HTTP_ACCEPT_LANGUAGE="en")

    row = next(s for s in response.context["stores"] if s.pk == first.pk)
    assert (row.grade, row.call_risk, row.last_order_date, row.last_order_cartons) == (
        "A", 70, order.order_date, 3)
    assert "3 cartons" in response.content.decode()
