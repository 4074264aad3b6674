"""The monthly close on the 1st: last month's scorecards, computed and frozen."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from . import scorecard

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 30,
         "retry_backoff_max": 600, "max_retries": 5, "acks_late": True}


@shared_task(name="reports.evaluation_close", **RETRY)
def evaluation_close_task(month: str | None = None) -> int:
    """Close `month` (YYYY-MM-DD, first day) or the month just ended; a closed month is
    left as it is. Returns the version."""
    from datetime import date

    wanted = (date.fromisoformat(month) if month
              else scorecard.month_to_close(timezone.localdate()))
    return scorecard.evaluation_close(month=wanted)["version"]
