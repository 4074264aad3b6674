"""Deadlines in China Standard Time: the first reply within one working day. Working days
leave out weekends and China's public holidays and count make-up working days
(crm_project.workdays)."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from crm_project import workdays

from .conf import DEFAULT_RESOLUTION_DAYS


def add_working_days(moment: datetime, days: int) -> datetime:
    """`moment` plus `days` working days. A complaint taken on a day off starts counting on
    the next working day at 00:00, so it is due at the end of that day."""
    local = timezone.localtime(moment)
    start = workdays.next_working_day(local.date())
    if start != local.date():
        local = timezone.make_aware(datetime.combine(start, time()), local.tzinfo)
    due = workdays.add_working_days(start, days)
    return local + timedelta(days=(due - start).days)


def first_reply_due(received_at: datetime) -> datetime:
    return add_working_days(received_at, 1)


def resolution_due(received_at: datetime, severity: str) -> datetime:
    from .models import ResolutionTarget

    target = ResolutionTarget.objects.filter(severity=severity).values_list("days",
                                                                            flat=True).first()
    days = target or DEFAULT_RESOLUTION_DAYS.get(severity, 7)
    return timezone.localtime(received_at) + timedelta(days=days)
