"""The call list in call order, and closing a call opening the next store (issue 14)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from customers.tests.factories import CustomerFactory, grade_set
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
    grade_set(first, grade="A")
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


def test_call_list_sizes_count_what_each_clerks_call_list_holds(
        clerk, territory, other_territory, far_territory, department):
    """The morning view counts every clerk's call list in two queries; each count is the
    call list's own (active stores of the clerk's territories ordering that weekday)."""
    from datetime import date

    from customers.models import CustomerStatus, Role
    from customers.tests.factories import UserFactory
    from phone_orders.selectors import call_list, call_list_sizes

    monday = date(2026, 11, 23)
    both = UserFactory(username="clerk_both", role=Role.CLERK, department=department,
                       territories=[territory, other_territory])
    idle = UserFactory(username="clerk_idle", role=Role.CLERK, department=department)
    for place, weekday, status in [(territory, 1, CustomerStatus.ACTIVE),
                                   (territory, 1, CustomerStatus.ACTIVE),
                                   (territory, 1, CustomerStatus.SUSPENDED),
                                   (territory, 2, CustomerStatus.ACTIVE),
                                   (other_territory, 1, CustomerStatus.ACTIVE),
                                   (far_territory, 1, CustomerStatus.ACTIVE)]:
        CustomerFactory(territory=place, order_weekday=weekday, status=status)

    sizes = call_list_sizes(clerks=[clerk, both, idle], day=monday)

    assert sizes == {clerk.pk: 2, both.pk: 3, idle.pk: 0}
    assert sizes == {user.pk: call_list(user=user, day=monday).count()
                     for user in (clerk, both, idle)}
