"""Pages: the day, the visit log with its draft, the plan and the figures."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from visits.models import PlannedVisit, PriceStockRecord, StopStatus, Visit, VisitStatus
from visits.tests.factories import PlannedVisitFactory

pytestmark = pytest.mark.django_db


def test_day_page_lists_stops_in_order_with_a_route_sketch(client, placed_manager,
                                                           graded_stores):
    today = timezone.localdate()
    for n, store in enumerate(graded_stores, start=1):
        PlannedVisitFactory(manager=placed_manager, customer=store, date=today, sequence=n,
                            aims=["churn_warning"] if n == 2 else [])
    client.force_login(placed_manager)

    response = client.get(reverse("visits:today"))

    html = response.content.decode()
    assert response.status_code == 200
    positions = [html.index(store.name) for store in graded_stores]
    assert positions == sorted(positions)
    assert html.count('class="route-node') == 3
    assert html.count("Start visit") + html.count("开始拜访") == 3


def test_supervisor_sees_a_managers_day_but_cannot_start(client, supervisor, manager, store):
    PlannedVisitFactory(manager=manager, customer=store)
    client.force_login(supervisor)

    response = client.get(reverse("visits:today") + f"?manager={manager.pk}")

    assert response.status_code == 200
    assert store.name in response.content.decode()
    assert 'name="planned_visit"' not in response.content.decode()


def test_other_supervisor_gets_404_for_a_managers_day(client, other_supervisor, manager):
    client.force_login(other_supervisor)

    response = client.get(reverse("visits:today") + f"?manager={manager.pk}")

    assert response.status_code == 404


def test_start_then_log_and_finish_a_visit(client, manager, store, product):
    stop = PlannedVisitFactory(manager=manager, customer=store)
    client.force_login(manager)

    started = client.post(reverse("visits:start"), {"customer": store.pk,
                                                    "planned_visit": stop.pk})
    visit = Visit.objects.get()
    Visit.objects.update(started_at=timezone.now() - timedelta(minutes=20))
    page = client.get(started.url)
    finished = client.post(reverse("visits:visit", args=[visit.pk]), {
        "actions": ["arrive_greet", "stock_collect"],
        f"price_{product.pk}": "250", f"stock_{product.pk}": "5", "notes": "ok",
    })

    assert started.url == reverse("visits:visit", args=[visit.pk])
    assert page.status_code == 200
    assert product.name in page.content.decode()
    assert f"channel=visit&amp;visit={visit.pk}" in page.content.decode()
    assert finished.status_code == 302
    stop.refresh_from_db()
    assert stop.status == StopStatus.DONE
    assert PriceStockRecord.objects.get().stock_cartons == 5


def test_bad_line_shows_the_message_and_keeps_the_input(client, manager, store, product):
    client.force_login(manager)
    client.post(reverse("visits:start"), {"customer": store.pk})
    visit = Visit.objects.get()

    response = client.post(reverse("visits:visit", args=[visit.pk]), {
        "actions": ["arrive_greet"], f"price_{product.pk}": "0", f"stock_{product.pk}": "5",
        "notes": "价格没填对",
    })

    assert response.status_code == 400
    assert "价格没填对" in response.content.decode()
    assert response.context["usual_rows"][0]["errors"]["retail_price"]
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS
    assert visit.draft["notes"] == "价格没填对"
    assert PriceStockRecord.objects.count() == 0


def test_draft_is_saved_by_htmx_and_restored_on_reload(client, manager, store):
    client.force_login(manager)
    client.post(reverse("visits:start"), {"customer": store.pk})
    visit = Visit.objects.get()

    saved = client.post(reverse("visits:visit-draft", args=[visit.pk]),
                        {"actions": ["arrive_greet"], "notes": "断网前写的"},
                        HTTP_HX_REQUEST="true")
    reloaded = client.get(reverse("visits:visit", args=[visit.pk]))

    assert saved.status_code == 200
    html = reloaded.content.decode()
    assert "断网前写的" in html
    assert 'value="arrive_greet" checked' in html


def test_another_manager_cannot_open_a_visit(client, other_manager, manager, store):
    visit = Visit.objects.create(customer=store, manager=manager, date=timezone.localdate(),
                                 started_at=timezone.now())
    client.force_login(other_manager)

    assert client.get(reverse("visits:visit", args=[visit.pk])).status_code == 404
    assert client.post(reverse("visits:visit-draft", args=[visit.pk]),
                       {"notes": "x"}).status_code == 404
    visit.refresh_from_db()
    assert visit.draft == {}


def test_starting_a_visit_at_another_managers_store_shows_a_message(client, manager,
                                                                    other_store):
    client.force_login(manager)

    response = client.post(reverse("visits:start"), {"customer": other_store.pk}, follow=True)

    assert Visit.objects.count() == 0
    assert len(response.context["messages"]) == 1


def test_move_a_stop_down_with_htmx(client, placed_manager, graded_stores):
    today = timezone.localdate()
    first, second = (PlannedVisitFactory(manager=placed_manager, customer=s, date=today,
                                         sequence=n)
                     for n, s in enumerate(graded_stores[:2], start=1))
    client.force_login(placed_manager)

    response = client.post(reverse("visits:stop-move", args=[first.pk, "down"]),
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert list(PlannedVisit.objects.order_by("sequence").values_list("pk", flat=True)) == \
        [second.pk, first.pk]


def test_plan_page_generates_and_reports_stores_that_did_not_fit(client, placed_manager,
                                                                 graded_stores, settings):
    settings.CRM_VISIT_PLANNER = {"working_weekdays": [1], "working_minutes": 25}
    client.force_login(placed_manager)

    response = client.post(reverse("visits:plan"), {"first_day": "2026-11-23"})

    assert response.status_code == 200
    assert len(response.context["outcome"].unplaced) == 2 + 1
    assert 'id="unplaced"' in response.content.decode()


def test_stats_page_for_a_supervisor_lists_the_team(client, supervisor, manager,
                                                    other_manager, store):
    PlannedVisitFactory(manager=manager, customer=store,
                        date=timezone.localdate() - timedelta(days=1))
    client.force_login(supervisor)

    response = client.get(reverse("visits:stats"))

    assert response.status_code == 200
    rows = {row["manager"].username: row for row in response.context["stats"]["managers"]}
    assert set(rows) == {"mgr_owner", "mgr_other"}
    assert rows["mgr_owner"]["missed"] == 1


def test_customer_card_shows_visits_and_collected_prices(client, manager, store, product):
    visit = Visit.objects.create(customer=store, manager=manager, date=timezone.localdate(),
                                 started_at=timezone.now(), finished_at=timezone.now(),
                                 status=VisitStatus.DONE, notes="陈列良好")
    PriceStockRecord.objects.create(visit=visit, product=product, retail_price="255",
                                    stock_cartons=7)
    client.force_login(manager)

    response = client.get(reverse("customers:detail", args=[store.pk]))

    html = response.content.decode()
    assert 'id="visits-card"' in html
    assert "陈列良好" in html
    assert "255.00 / 7" in html


def test_unplanned_visit_page_lists_own_stores(client, manager, store, other_store):
    client.force_login(manager)

    response = client.get(reverse("visits:unplanned"))

    html = response.content.decode()
    assert store.name in html
    assert other_store.name not in html


@pytest.mark.parametrize("persona, moved, status", [
    ("manager", True, 200), ("supervisor", True, 200), ("admin", True, 200),
    ("clerk", False, 200), ("other_manager", False, 404), ("other_supervisor", False, 404),
])
def test_who_may_reorder_a_managers_day(client, personas, manager, territory, persona, moved,
                                        status):
    from customers.tests.factories import CustomerFactory

    today = timezone.localdate()
    first, second = (PlannedVisitFactory(manager=manager, date=today, sequence=n,
                                         customer=CustomerFactory(territory=territory,
                                                                  manager=manager))
                     for n in (1, 2))
    client.force_login(personas[persona])

    response = client.post(reverse("visits:stop-move", args=[first.pk, "down"]),
                           HTTP_HX_REQUEST="true")

    order = list(PlannedVisit.objects.order_by("sequence").values_list("pk", flat=True))
    assert response.status_code == status
    assert order == ([second.pk, first.pk] if moved else [first.pk, second.pk])
