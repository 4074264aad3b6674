"""The REST API: same rules as the pages, scoped to the user."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_as
from visits.models import PlannedVisit, PriceStockRecord, Visit, VisitStatus
from visits.tests.factories import PlannedVisitFactory

pytestmark = pytest.mark.django_db


def test_manager_generates_and_lists_their_plan(placed_manager, graded_stores):
    client = api_as(placed_manager)

    response = client.post("/api/visits/plan/generate/", {"first_day": "2026-11-23"},
                           format="json")
    listing = client.get("/api/visits/plan/", {"date_from": "2026-11-23",
                                               "date_to": "2026-12-20"})

    assert response.status_code == 201
    assert response.json()["created"] == 7
    assert response.json()["unplaced"] == []
    assert listing.json()["count"] == 7


@pytest.mark.parametrize("persona, expected", [
    ("manager", 201), ("supervisor", 201), ("admin", 201),
    ("other_manager", 404), ("clerk", 400), ("other_supervisor", 404),
])
def test_who_may_generate_a_managers_plan(personas, placed_manager, graded_stores, persona,
                                          expected):
    response = api_as(personas[persona]).post(
        "/api/visits/plan/generate/",
        {"manager": placed_manager.pk, "first_day": "2026-11-23"}, format="json")

    assert response.status_code == expected
    assert PlannedVisit.objects.count() == (7 if expected == 201 else 0)


@pytest.mark.parametrize("persona, visible", [
    ("manager", 1), ("supervisor", 1), ("admin", 1),
    ("other_manager", 0), ("clerk", 1), ("other_supervisor", 0),
])
def test_plans_and_visits_are_listed_only_in_scope(personas, manager, store, persona, visible):
    PlannedVisitFactory(manager=manager, customer=store)
    Visit.objects.create(customer=store, manager=manager, date=timezone.localdate(),
                         started_at=timezone.now())
    client = api_as(personas[persona])

    assert client.get("/api/visits/plan/").json()["count"] == visible
    assert client.get("/api/visits/").json()["count"] == visible


def test_start_and_finish_a_visit_through_the_api(manager, store, product):
    client = api_as(manager)

    started = client.post("/api/visits/", {"customer": store.pk, "latitude": "28.2",
                                           "longitude": "112.9"}, format="json")
    visit_id = started.json()["id"]
    Visit.objects.filter(pk=visit_id).update(started_at=timezone.now() - timedelta(minutes=20))
    finished = client.post(f"/api/visits/{visit_id}/finish/", {
        "actions": ["arrive_greet", "stock_collect"],
        "lines": [{"product": product.pk, "retail_price": "250.00", "stock_cartons": 6}],
        "notes": "正常",
    }, format="json")

    assert started.status_code == 201
    assert finished.status_code == 200
    body = finished.json()
    assert body["status"] == "done"
    assert body["price_stock"][0]["stock_cartons"] == 6
    assert body["price_stock"][0]["outside_guidance"] is False


@pytest.mark.parametrize("persona", ["other_manager", "supervisor", "clerk", "admin"])
def test_only_the_stores_manager_may_start_a_visit(personas, store, persona):
    response = api_as(personas[persona]).post("/api/visits/", {"customer": store.pk},
                                              format="json")

    assert response.status_code == 400
    assert "customer" in response.json()
    assert Visit.objects.count() == 0


def test_negative_stock_gets_a_field_message_and_writes_nothing(manager, store, product):
    client = api_as(manager)
    visit_id = client.post("/api/visits/", {"customer": store.pk}, format="json").json()["id"]

    response = client.post(f"/api/visits/{visit_id}/finish/", {
        "lines": [{"product": product.pk, "retail_price": "250", "stock_cartons": -2}],
    }, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["stock_cartons"]
    assert "lines" in response.json()
    assert PriceStockRecord.objects.count() == 0
    assert Visit.objects.get(pk=visit_id).status == VisitStatus.IN_PROGRESS


def test_finish_before_start_through_the_api(manager, store):
    client = api_as(manager)
    started = client.post("/api/visits/", {"customer": store.pk}, format="json").json()
    before = (timezone.now() - timedelta(hours=1)).isoformat()

    response = client.post(f"/api/visits/{started['id']}/finish/", {"finished_at": before},
                           format="json")

    assert response.status_code == 400
    assert "finished_at" in response.json()


def test_other_manager_cannot_finish_or_draft_a_visit(manager, other_manager, store):
    visit = Visit.objects.create(customer=store, manager=manager, date=timezone.localdate(),
                                 started_at=timezone.now())
    client = api_as(other_manager)

    assert client.post(f"/api/visits/{visit.pk}/finish/", {}, format="json").status_code == 404
    assert client.put(f"/api/visits/{visit.pk}/draft/", {"draft": {"a": 1}},
                      format="json").status_code == 404
    visit.refresh_from_db()
    assert (visit.status, visit.draft) == (VisitStatus.IN_PROGRESS, {})


def test_draft_saved_through_the_api(manager, store):
    client = api_as(manager)
    visit_id = client.post("/api/visits/", {"customer": store.pk}, format="json").json()["id"]

    response = client.put(f"/api/visits/{visit_id}/draft/",
                          {"draft": {"notes": "未完"}}, format="json")

    assert response.status_code == 200
    assert Visit.objects.get(pk=visit_id).draft == {"notes": "未完"}


def test_reorder_and_add_stop_through_the_api(placed_manager, graded_stores):
    today = timezone.localdate()
    a, b = (PlannedVisitFactory(manager=placed_manager, customer=s, date=today, sequence=n)
            for n, s in enumerate(graded_stores[:2], start=1))
    client = api_as(placed_manager)

    reordered = client.post("/api/visits/plan/reorder/",
                            {"date": today.isoformat(), "order": [b.pk, a.pk]}, format="json")
    added = client.post("/api/visits/plan/add-stop/",
                        {"date": today.isoformat(), "customer": graded_stores[2].pk},
                        format="json")

    assert reordered.status_code == 200
    assert [row["id"] for row in sorted(reordered.json(), key=lambda r: r["sequence"])] == \
        [b.pk, a.pk]
    assert added.status_code == 201
    assert added.json()["sequence"] == 3


def test_stats_count_done_and_missed(manager, store):
    today = timezone.localdate()
    done = PlannedVisitFactory(manager=manager, customer=store, date=today - timedelta(days=1))
    visit = Visit.objects.create(customer=store, manager=manager, planned_visit=done,
                                 date=done.date, started_at=timezone.now() - timedelta(days=1))
    visit.finished_at = visit.started_at + timedelta(minutes=18)
    visit.status = VisitStatus.DONE
    visit.save()
    done.status = "done"
    done.save()
    PlannedVisitFactory(manager=manager, customer=store, date=today - timedelta(days=2))

    response = api_as(manager).get("/api/visits/stats/", {
        "first_day": (today - timedelta(days=7)).isoformat(), "last_day": today.isoformat()})

    totals = response.json()["totals"]
    assert (totals["planned"], totals["done"], totals["missed"]) == (2, 1, 1)
    assert totals["completion"] == 0.5
    assert totals["due"] == 2
    assert response.json()["minutes_by_grade"][0]["average"] == 18.0


def test_api_names_the_stores_that_did_not_fit(placed_manager, graded_stores, settings):
    settings.CRM_VISIT_PLANNER = {"working_weekdays": [1], "working_minutes": 25}

    response = api_as(placed_manager).post("/api/visits/plan/generate/",
                                           {"first_day": "2026-11-23"}, format="json")

    unplaced = response.json()["unplaced"]
    assert [item["customer"] for item in unplaced] == \
        [graded_stores[1].pk, graded_stores[1].pk, graded_stores[2].pk]
    assert graded_stores[1].name in unplaced[0]["reason"]


def test_a_plan_over_national_day_books_no_public_holiday(placed_manager, graded_stores):
    response = api_as(placed_manager).post("/api/visits/plan/generate/",
                                           {"first_day": "2026-09-28"}, format="json")

    assert response.status_code == 201
    dates = set(PlannedVisit.objects.values_list("date", flat=True))
    assert dates and not {d for d in dates if d.month == 10 and d.day <= 7}
