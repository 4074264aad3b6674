"""Deadlines in China Standard Time: the first reply within one working day (Mon-Fri)."""

from datetime import datetime, timedelta

from django.utils import timezone

from .conf import DEFAULT_RESOLUTION_DAYS


def add_working_days(moment: datetime, days: int) -> datetime:
    """`moment` plus `days` working days. A complaint taken on a weekend starts counting
    on Monday at 00:00, so it is due at the end of Monday."""
    local = timezone.localtime(moment)
    if local.weekday() >= 5:
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
        while local.weekday() >= 5:
            local += timedelta(days=1)
    remaining = days
    while remaining > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            remaining -= 1
    return local


def first_reply_due(received_at: datetime) -> datetime:
    return add_working_days(received_at, 1)


def resolution_due(received_at: datetime, severity: str) -> datetime:
    from .models import ResolutionTarget

    target = ResolutionTarget.objects.filter(severity=severity).values_list("days",
                                                                            flat=True).first()
    days = target or DEFAULT_RESOLUTION_DAYS.get(severity, 7)
    return timezone.localtime(received_at) + timedelta(days=days)
