"""The page selectors and the id-taking services the pages and the API share."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from crm_project.errors import BusinessError
from customers.models import CustomerStatus
from customers.tests.factories import CustomerFactory
from visits import selectors, services
from visits.models import PlannedVisit, PriceStockRecord, Visit, VisitStatus
from visits.tests.factories import PlannedVisitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona, allowed", [
    ("manager", True), ("supervisor", True), ("admin", True), ("clerk", False),
    ("other_manager", False), ("other_supervisor", False),
])
def test_who_may_change_a_managers_plan(personas, manager, persona, allowed):
    assert selectors.plan_editable_by(user=personas[persona], manager=manager) is allowed


def test_a_deactivated_managers_plan_is_changed_by_no_one(admin_user, manager):
    manager.is_active = False

    assert selectors.plan_editable_by(user=admin_user, manager=manager) is False


@pytest.mark.parametrize("persona, expected", [
    ("manager", []), ("supervisor", ["mgr_other", "mgr_owner"]), ("clerk", ["mgr_owner"]),
])
def test_manager_picker_choices(personas, persona, expected):
    choices = selectors.manager_choices(user=personas[persona])

    assert [m.username for m in choices] == expected


def test_manager_or_none_defaults_to_oneself_and_404s_outside_scope(manager, supervisor,
                                                                    other_supervisor):
    assert selectors.manager_or_none(user=manager, pk=None) == manager
    assert selectors.manager_or_none(user=supervisor, pk="") is None
    assert selectors.manager_or_none(user=supervisor, pk=str(manager.pk)) == manager
    with pytest.raises(Http404):
        selectors.manager_or_none(user=other_supervisor, pk=str(manager.pk))
    with pytest.raises(Http404):
        selectors.manager_or_none(user=supervisor, pk="abc")


def test_unplanned_page_finds_own_active_stores_by_initials(manager, store, other_store,
                                                            territory, supervisor):
    CustomerFactory(territory=territory, manager=manager, status=CustomerStatus.SUSPENDED,
                    name="百利达停业店")

    found = selectors.unplanned_page(user=manager, query="BLD")

    assert list(found["stores"]) == [store]
    assert selectors.unplanned_page(user=supervisor, query="")["stores"] == []


def test_day_page_for_ones_own_day_offers_the_own_stores(manager, store):
    today = timezone.localdate()
    PlannedVisitFactory(manager=manager, customer=store, date=today, sequence=1)

    page = selectors.day_page(user=manager, manager=manager, day=today)

    assert [s.customer for s in page["plan"].stops] == [store]
    assert (page["is_own"], page["can_edit"], page["managers"]) == (True, True, [])
    assert list(page["own_stores"]) == [store]
    assert page["previous_day"] == today - timedelta(days=1)


def test_day_page_without_a_manager_shows_the_picker(supervisor, manager):
    page = selectors.day_page(user=supervisor, manager=None, day=timezone.localdate())

    assert "plan" not in page
    assert page["managers"] == [manager]


def test_plan_page_lists_the_weeks_of_the_manager(supervisor, manager, store):
    today = timezone.localdate()
    PlannedVisitFactory(manager=manager, customer=store, date=today, sequence=1)

    page = selectors.plan_page(user=supervisor, manager=manager, first_day=today)

    assert [row["stops"] for row in page["weeks"]] == [1]
    assert page["can_edit"] is True


def test_stats_page_shows_a_manager_their_own_figures(manager, store):
    PlannedVisitFactory(manager=manager, customer=store,
                        date=timezone.localdate() - timedelta(days=1))

    page = selectors.stats_page(user=manager)

    assert page["manager"] == manager
    assert page["all_managers"] == []
    assert page["stats"]["totals"]["missed"] == 1
    assert (page["first_day"], page["last_day"]) == selectors.default_stats_range()


def test_plan_stats_for_one_named_manager(supervisor, manager, other_manager, store):
    stats = selectors.plan_stats(user=supervisor, manager_pk=manager.pk)

    assert [row["manager"] for row in stats["managers"]] == [manager]


def test_plan_stop_add_by_id_adds_the_managers_store(manager, store):
    day = timezone.localdate()

    stop = services.plan_stop_add_by_id(manager=manager, user=manager, day=day,
                                        customer_id=str(store.pk))

    assert (stop.customer, stop.date, stop.added_by_manager) == (store, day, True)


@pytest.mark.parametrize("customer_id", ["", "x"])
def test_plan_stop_add_by_id_refuses_a_missing_store(manager, customer_id):
    with pytest.raises(BusinessError):
        services.plan_stop_add_by_id(manager=manager, user=manager,
                                     day=timezone.localdate(), customer_id=customer_id)

    assert PlannedVisit.objects.count() == 0


def test_visit_arrive_starts_at_the_planned_stop(manager, store):
    stop = PlannedVisitFactory(manager=manager, customer=store, date=timezone.localdate())

    visit = services.visit_arrive(user=manager, customer_id=str(store.pk),
                                  planned_visit_id=str(stop.pk), latitude="28.25",
                                  longitude="112.96")

    assert (visit.planned_visit, visit.start_latitude, visit.start_longitude) == \
        (stop, Decimal("28.25"), Decimal("112.96"))


def test_visit_arrive_refuses_another_managers_store(manager, other_store):
    with pytest.raises(BusinessError):
        services.visit_arrive(user=manager, customer_id=other_store.pk)

    assert Visit.objects.count() == 0


def test_visit_lines_keep_the_skus_with_something_typed(product):
    lines, product_ids = services.visit_lines(
        values={f"price_{product.pk}": " 255 ", "notes": "x"}, products=[product])

    assert lines == [{"product": str(product.pk), "retail_price": "255", "stock_cartons": ""}]
    assert product_ids == [product.pk]


def test_a_refused_visit_log_keeps_the_draft_and_names_the_sku(manager, store, product):
    visit = services.visit_start(user=manager, customer=store)
    values = {f"price_{product.pk}": "abc", f"stock_{product.pk}": "3", "actions": []}

    with pytest.raises(BusinessError) as refused:
        services.visit_log_submit(visit=visit, user=manager, values=values)

    visit.refresh_from_db()
    assert refused.value.errors[0]["product_id"] == product.pk
    assert visit.draft == values
    assert visit.status == VisitStatus.IN_PROGRESS
    page = selectors.visit_log_page(user=manager, visit=visit, values=values,
                                    error=refused.value)
    assert page["usual_rows"][0]["errors"]["retail_price"]
    assert page["error_message"] == refused.value.message


def test_a_visit_log_submitted_is_finished_with_its_lines(manager, store, product):
    visit = services.visit_start(user=manager, customer=store,
                                 at=timezone.now() - timedelta(minutes=20))

    services.visit_log_submit(visit=visit, user=manager, values={
        f"price_{product.pk}": "250", f"stock_{product.pk}": "4", "actions": [],
        "notes": "陈列良好"})

    visit.refresh_from_db()
    assert (visit.status, visit.notes) == (VisitStatus.DONE, "陈列良好")
    assert PriceStockRecord.objects.get(visit=visit).stock_cartons == 4


def test_visit_log_page_shows_the_draft_and_the_price_tolerance(manager, store, product,
                                                                settings):
    settings.CRM_VISIT_PRICE_TOLERANCE = "0.15"
    visit = services.visit_start(user=manager, customer=store)
    services.visit_save_draft(visit=visit, user=manager,
                              draft={f"price_{product.pk}": "260", "actions": []})

    page = selectors.visit_log_page(user=manager, visit=visit)

    assert page["tolerance"] == 15
    assert page["editable"] is True
    assert [row["price"] for row in page["usual_rows"]] == ["260"]
