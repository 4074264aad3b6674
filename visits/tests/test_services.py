"""Plan generation and editing, and the visit log, on PostgreSQL."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_project.errors import BusinessError
from customers.models import ChurnReason, ChurnWarning, CustomerStatus
from customers.tests.factories import CustomerFactory, grade_set
from visits import services
from visits.models import KeyAim, PlannedVisit, PriceStockRecord, StopStatus, Visit, VisitStatus
from visits.planner import PlannerConfig
from visits.tests.factories import PlannedVisitFactory, ProductFactory, VisitFactory

MONDAY = date(2026, 11, 23)
pytestmark = pytest.mark.django_db


def test_generate_plans_each_store_by_grade_over_four_weeks(placed_manager, graded_stores):
    outcome = services.plan_generate(manager=placed_manager, user=placed_manager,
                                     first_day=MONDAY)

    a, b, c = graded_stores
    assert PlannedVisit.objects.filter(customer=a).count() == 4
    assert PlannedVisit.objects.filter(customer=b).count() == 2
    assert PlannedVisit.objects.filter(customer=c).count() == 1
    assert outcome.stops_created == 7
    assert outcome.unplaced == []
    first = PlannedVisit.objects.filter(manager=placed_manager).order_by("date", "sequence")[0]
    assert first.planned_start >= PlannerConfig().day_start


def test_generate_skips_stores_that_are_not_active(placed_manager, graded_stores):
    graded_stores[0].status = CustomerStatus.CLOSED
    graded_stores[0].save()

    services.plan_generate(manager=placed_manager, user=placed_manager, first_day=MONDAY)

    assert PlannedVisit.objects.filter(customer=graded_stores[0]).count() == 0


def test_key_aims_flag_the_next_visit_only(placed_manager, graded_stores):
    a = graded_stores[0]
    # One warning per store carrying all its reasons (the churn scan merges them).
    ChurnWarning.objects.create(customer=a, reason=ChurnReason.NO_ORDER, score=70,
                                as_of=MONDAY, owner=placed_manager,
                                evidence={"reasons": ["no_order", "grade_drop"]})

    services.plan_generate(manager=placed_manager, user=placed_manager, first_day=MONDAY)

    stops = list(PlannedVisit.objects.filter(customer=a).order_by("date"))
    assert stops[0].aims == [KeyAim.CHURN_WARNING, KeyAim.GRADE_DROP]
    assert [s.aims for s in stops[1:]] == [[], [], []]


def test_complaint_and_new_product_aims(placed_manager, graded_stores):
    a, b, c = graded_stores
    b.open_complaint_count = 1
    b.save(update_fields=["open_complaint_count"])
    ProductFactory(code="6909999", is_new=True)

    aims = services.customer_key_aims(customers=[a, b, c])

    assert aims[a.pk] == [KeyAim.NEW_PRODUCT]
    assert aims[b.pk] == [KeyAim.COMPLAINT_FOLLOW_UP, KeyAim.NEW_PRODUCT]
    assert aims[c.pk] == []


def test_plan_that_cannot_fit_names_the_stores_and_why(placed_manager, territory):
    for n in range(3):
        store = CustomerFactory(territory=territory, manager=placed_manager,
                                name=f"甲级店{n}", latitude=Decimal("28.251"),
                                longitude=Decimal("112.961"))
        grade_set(store, grade="A")
    # A single working day of 50 minutes holds two 20-minute A visits a week.
    config = PlannerConfig(working_weekdays=(1,), working_minutes=50)

    outcome = services.plan_generate(manager=placed_manager, user=placed_manager,
                                     first_day=MONDAY, config=config)

    assert len(outcome.unplaced) == 4
    assert {u.customer.name for u in outcome.unplaced} == {"甲级店2"}
    assert "甲级店2" in outcome.unplaced[0].message
    assert "50" in outcome.unplaced[0].message
    assert PlannedVisit.objects.filter(manager=placed_manager).count() == 8


def test_regenerating_keeps_done_visits_and_carries_missed_ones_forward(
        placed_manager, graded_stores):
    a, b, c = graded_stores
    services.plan_generate(manager=placed_manager, user=placed_manager, first_day=MONDAY)
    c_stop = PlannedVisit.objects.get(customer=c)
    a_first = PlannedVisit.objects.filter(customer=a).order_by("date").first()
    a_first.status = StopStatus.DONE
    a_first.save()
    VisitFactory(customer=a, manager=placed_manager, planned_visit=a_first, date=a_first.date,
                 status=VisitStatus.DONE)
    # The C store was planned but never visited; two weeks pass.
    later = max(c_stop.date, a_first.date) + timedelta(days=1)

    outcome = services.plan_generate(manager=placed_manager, user=placed_manager,
                                     first_day=later)

    assert outcome.missed >= 1
    c_stop.refresh_from_db()
    assert c_stop.status == StopStatus.MISSED
    assert PlannedVisit.objects.filter(pk=a_first.pk, status=StopStatus.DONE).count() == 1
    moved = PlannedVisit.objects.get(customer=c, date__gte=later)
    assert moved.date < later + timedelta(days=7)
    assert KeyAim.MISSED_VISIT in moved.aims


def test_reorder_recomputes_times(placed_manager, graded_stores):
    day = MONDAY
    stops = [PlannedVisitFactory(manager=placed_manager, customer=s, date=day, sequence=n)
             for n, s in enumerate(graded_stores, start=1)]
    services.plan_day_recompute(manager=placed_manager, day=day)

    rows = services.plan_stop_reorder(manager=placed_manager, user=placed_manager, day=day,
                                      order=[stops[2].pk, stops[0].pk, stops[1].pk])

    assert [r.pk for r in sorted(rows, key=lambda r: r.sequence)] == \
        [stops[2].pk, stops[0].pk, stops[1].pk]
    first = PlannedVisit.objects.get(pk=stops[2].pk)
    second = PlannedVisit.objects.get(pk=stops[0].pk)
    assert first.sequence == 1
    start_minutes = first.planned_start.hour * 60 + first.planned_start.minute
    second_minutes = second.planned_start.hour * 60 + second.planned_start.minute
    assert second_minutes == start_minutes + first.service_minutes + second.travel_minutes


def test_reorder_refuses_an_incomplete_order(placed_manager, graded_stores):
    stops = [PlannedVisitFactory(manager=placed_manager, customer=s, date=MONDAY, sequence=n)
             for n, s in enumerate(graded_stores, start=1)]

    with pytest.raises(BusinessError) as error:
        services.plan_stop_reorder(manager=placed_manager, user=placed_manager, day=MONDAY,
                                   order=[stops[0].pk])

    assert error.value.field == "order"
    assert list(PlannedVisit.objects.order_by("sequence").values_list("pk", flat=True)) == \
        [s.pk for s in stops]


def test_manager_adds_a_stop_at_the_end_of_the_day(placed_manager, graded_stores):
    today = timezone.localdate()
    PlannedVisitFactory(manager=placed_manager, customer=graded_stores[0], date=today,
                        sequence=1)

    row = services.plan_stop_add(manager=placed_manager, user=placed_manager, day=today,
                                 customer=graded_stores[1])

    assert row.sequence == 2
    assert row.added_by_manager is True
    assert row.travel_minutes == 1


def test_adding_another_managers_store_is_refused(placed_manager, other_store):
    with pytest.raises(BusinessError):
        services.plan_stop_add(manager=placed_manager, user=placed_manager,
                               day=timezone.localdate(), customer=other_store)

    assert PlannedVisit.objects.count() == 0


def test_start_links_todays_planned_stop_and_is_idempotent(manager, store):
    stop = PlannedVisitFactory(manager=manager, customer=store, date=timezone.localdate())

    visit = services.visit_start(user=manager, customer=store, latitude="28.1", longitude="113")
    again = services.visit_start(user=manager, customer=store)

    assert visit.planned_visit == stop
    assert again.pk == visit.pk
    assert visit.start_latitude == Decimal("28.1")


def test_visit_for_another_managers_store_is_refused(manager, other_store):
    with pytest.raises(BusinessError) as error:
        services.visit_start(user=manager, customer=other_store)

    assert error.value.field == "customer"
    assert Visit.objects.count() == 0


def test_finish_saves_checklist_lines_and_marks_the_stop_done(manager, store, product):
    stop = PlannedVisitFactory(manager=manager, customer=store, date=timezone.localdate())
    visit = services.visit_start(user=manager, customer=store)

    services.visit_finish(visit=visit, user=manager,
                          actions=["stock_collect", "arrive_greet", "display_service"],
                          lines=[{"product": product.pk, "retail_price": "300",
                                  "stock_cartons": "4"}],
                          notes="货架整齐", next_actions="下周补货",
                          at=visit.started_at + timedelta(minutes=20))

    visit.refresh_from_db()
    stop.refresh_from_db()
    assert visit.status == VisitStatus.DONE
    assert visit.actions == ["arrive_greet", "stock_collect", "display_service"]
    assert stop.status == StopStatus.DONE
    record = PriceStockRecord.objects.get(visit=visit)
    assert (record.retail_price, record.stock_cartons) == (Decimal("300.00"), 4)
    assert record.outside_guidance is True


def test_price_within_guidance_is_not_flagged(product):
    assert services.price_outside_guidance(product=product, price=Decimal("260")) is False
    assert services.price_outside_guidance(product=product, price=Decimal("200")) is True


@pytest.mark.parametrize("line, field", [
    ({"retail_price": "0", "stock_cartons": "3"}, "retail_price"),
    ({"retail_price": "-5", "stock_cartons": "3"}, "retail_price"),
    ({"retail_price": "250", "stock_cartons": "-1"}, "stock_cartons"),
    ({"retail_price": "250", "stock_cartons": "1.5"}, "stock_cartons"),
    ({"retail_price": "abc", "stock_cartons": "1"}, "retail_price"),
])
def test_bad_price_or_stock_is_refused_and_nothing_is_written(manager, store, product,
                                                              line, field):
    visit = services.visit_start(user=manager, customer=store)

    with pytest.raises(BusinessError) as error:
        services.visit_finish(visit=visit, user=manager, actions=["arrive_greet"],
                              lines=[{"product": product.pk, **line}])

    assert error.value.field == "lines"
    assert field in error.value.errors[0]
    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS
    assert visit.actions == []
    assert PriceStockRecord.objects.count() == 0


def test_finish_before_start_is_refused(manager, store):
    visit = services.visit_start(user=manager, customer=store)

    with pytest.raises(BusinessError) as error:
        services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                              at=visit.started_at - timedelta(minutes=5))

    assert error.value.field == "finished_at"
    visit.refresh_from_db()
    assert visit.finished_at is None


def test_finishing_twice_is_refused(manager, store):
    visit = services.visit_start(user=manager, customer=store)
    services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                          at=visit.started_at + timedelta(minutes=20))

    with pytest.raises(BusinessError):
        services.visit_finish(visit=visit, user=manager, actions=[], lines=[])


def test_draft_is_kept_until_the_visit_is_finished(manager, store):
    visit = services.visit_start(user=manager, customer=store)

    services.visit_save_draft(visit=visit, user=manager, draft={"notes": "先记一下"})

    visit.refresh_from_db()
    assert visit.draft == {"notes": "先记一下"}
    services.visit_finish(visit=visit, user=manager, actions=[], lines=[],
                          at=visit.started_at + timedelta(minutes=20))
    visit.refresh_from_db()
    assert visit.draft == {}


def test_unplanned_visit_has_no_stop(manager, store):
    visit = services.visit_start(user=manager, customer=store)

    assert visit.planned_visit is None


def test_without_a_start_point_the_route_starts_from_the_centre_of_the_stores(
        manager, graded_stores_without_start):
    services.plan_generate(manager=manager, user=manager, first_day=MONDAY)

    first_week = PlannedVisit.objects.filter(manager=manager, date__lt=MONDAY + timedelta(7))
    travel = {str(stop.customer.longitude): stop.travel_minutes for stop in first_week}
    # 1 km by road factor 1.3 at 20 km/h from the middle store, which is the centre.
    assert travel == {"112.960000": 4, "112.970000": 0, "112.980000": 4}


def test_an_oversized_draft_is_refused(manager, store):
    visit = services.visit_start(user=manager, customer=store)

    with pytest.raises(BusinessError):
        services.visit_save_draft(visit=visit, user=manager, draft={"notes": "x" * 70_000})

    visit.refresh_from_db()
    assert visit.draft == {}
