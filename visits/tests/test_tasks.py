"""Celery tasks run the planner service (eagerly in tests, as configured)."""

import pytest

from visits.models import PlannedVisit
from visits.tasks import plan_generate_task, plans_roll_forward_task

pytestmark = pytest.mark.django_db


def test_plan_generate_task_plans_one_manager(placed_manager, graded_stores):
    created = plan_generate_task.delay(manager_id=placed_manager.pk,
                                       first_day="2026-11-23").get()

    assert created == 7
    assert PlannedVisit.objects.filter(manager=placed_manager).count() == 7


def test_roll_forward_enqueues_every_manager_after_commit(placed_manager, graded_stores,
                                                          other_manager, other_store,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = plans_roll_forward_task.delay(first_day="2026-11-23").get()

    assert count == 2
    assert len(callbacks) == 2
    assert PlannedVisit.objects.filter(manager=placed_manager).count() == 7
    assert PlannedVisit.objects.filter(manager=other_manager).count() == 1


def test_plan_visits_command_reports_each_manager(placed_manager, graded_stores):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("plan_visits", "--manager", placed_manager.username,
                 "--first-day", "2026-11-23", stdout=out)

    assert out.getvalue() == "mgr_owner: 7 stops planned, 0 kept, 0 missed.\n"
    assert PlannedVisit.objects.count() == 7
