"""The morning view's per-manager day figures, counted in SQL, equal plan_vs_actual's."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from customers.tests.factories import CustomerFactory
from visits.models import StopStatus, VisitStatus
from visits.selectors import plan_vs_actual, visits_by_manager_on
from visits.tests.factories import PlannedVisitFactory, VisitFactory


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_one_days_figures_per_manager_equal_plan_vs_actual(db, supervisor, manager,
                                                           other_manager, store,
                                                           other_store):
    day = timezone.localdate() - timedelta(days=1)
    done = PlannedVisitFactory(manager=manager, customer=store, date=day,
                               status=StopStatus.DONE)
    VisitFactory(manager=manager, customer=store, date=day, planned_visit=done,
                 status=VisitStatus.DONE, started_at=_at(day, 9),
                 finished_at=_at(day, 9, 40))
    PlannedVisitFactory(manager=manager, customer=CustomerFactory(
        territory=store.territory, manager=manager), date=day)  # no visit: missed
    PlannedVisitFactory(manager=manager, customer=CustomerFactory(
        territory=store.territory, manager=manager), date=day, status=StopStatus.MISSED)
    VisitFactory(manager=manager, customer=store, date=day, status=VisitStatus.DONE,
                 started_at=_at(day, 14), finished_at=_at(day, 14, 20))  # unplanned
    PlannedVisitFactory(manager=other_manager, customer=other_store, date=day)
    managers = [manager, other_manager]

    lean = visits_by_manager_on(user=supervisor, manager_ids=[m.pk for m in managers],
                                day=day)
    full = {row["manager"].pk: row for row in plan_vs_actual(
        user=supervisor, managers=managers, first_day=day, last_day=day)["managers"]}

    assert lean[manager.pk]["planned"] == 3 and lean[manager.pk]["missed"] == 2
    assert lean[manager.pk]["customer_time_ratio"] > 0
    for pk, figures in lean.items():
        assert figures == {key: full[pk][key] for key in figures}, pk
