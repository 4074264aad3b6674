"""Celery tasks of the visits app: ids and dates in, one service call each."""

from datetime import date

from celery import shared_task
from django.db import transaction

from customers.models import User
from customers.selectors import active_managers

from . import services


@shared_task(name="visits.tasks.plan_generate_task", acks_late=True,
             soft_time_limit=5 * 60, time_limit=6 * 60)
def plan_generate_task(*, manager_id: int, first_day: str | None = None) -> int:
    """Regenerate one manager's plan (the manager acts for themself)."""
    manager = User.objects.get(pk=manager_id)
    outcome = services.plan_generate(
        manager=manager, user=manager,
        first_day=date.fromisoformat(first_day) if first_day else None)
    return outcome.stops_created


@shared_task(name="visits.tasks.plans_roll_forward_task", acks_late=True,
             soft_time_limit=5 * 60, time_limit=6 * 60)
def plans_roll_forward_task(*, first_day: str | None = None) -> int:
    """Weekly: regenerate every active manager's plan, one task per manager."""
    manager_ids = list(active_managers().values_list("pk", flat=True))
    for manager_id in manager_ids:
        transaction.on_commit(
            lambda pk=manager_id: plan_generate_task.delay(manager_id=pk, first_day=first_day))
    return len(manager_ids)
