"""Working days in mainland China: weekends, public holidays and make-up working days (调休).

The State Council publishes each year's holiday schedule late in the year before; the
`chinesecalendar` package carries it (2004 up to the newest year it knows, see
`covered_until`). A day the schedule names is a day off (holidays and the weekdays given
off in lieu) or a make-up working day (a Saturday or Sunday worked instead). A date
outside the package's years falls back to the plain week (weekends off) and the first such
year is logged once, as a reminder to upgrade the package.

The one place that decides whether people work on a day: complaint deadlines and the visit
planner both ask here.
"""

import logging
from datetime import date, timedelta
from functools import cache

import chinese_calendar

logger = logging.getLogger(__name__)

MONDAY_TO_FRIDAY = frozenset(range(1, 6))  # ISO weekdays, Monday = 1


@cache
def _warn_uncovered(year: int) -> None:
    logger.warning("No public-holiday schedule for %s in chinesecalendar %s: counting only "
                   "weekends as days off; upgrade the package once the schedule is out.",
                   year, getattr(chinese_calendar, "__version__", "?"))


def _scheduled(day: date) -> bool | None:
    """True if the holiday schedule makes `day` a day off, False if a make-up working day,
    None if it says nothing special about it (or does not cover its year)."""
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        _warn_uncovered(day.year)
        return None
    return off if name is not None else None


def covered_until() -> int:
    """The last year whose holiday schedule the installed package knows."""
    return max(chinese_calendar.holidays).year


def is_public_holiday(day: date) -> bool:
    """A day off by the holiday schedule (the holiday itself or a day given off in lieu)."""
    return _scheduled(day) is True


def is_makeup_workday(day: date) -> bool:
    """A Saturday or Sunday worked in exchange for a day off (调休上班)."""
    return _scheduled(day) is False


def is_working_day(day: date, weekdays=MONDAY_TO_FRIDAY) -> bool:
    """Whether someone who works on the ISO `weekdays` works on `day`. Public holidays are
    off; a make-up working day is worked by whoever works the whole Monday-Friday week."""
    scheduled = _scheduled(day)
    if scheduled is True:
        return False
    if scheduled is False and MONDAY_TO_FRIDAY <= set(weekdays):
        return True
    return day.isoweekday() in weekdays


def working_days_between(first: date, last: date, weekdays=MONDAY_TO_FRIDAY) -> list[date]:
    """The working days from `first` to `last`, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if is_working_day(first + timedelta(days=n), weekdays)]


def next_working_day(day: date, weekdays=MONDAY_TO_FRIDAY) -> date:
    """`day` itself when it is a working day, else the next one."""
    if not weekdays:
        raise ValueError("no working weekdays")
    while not is_working_day(day, weekdays):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int, weekdays=MONDAY_TO_FRIDAY) -> date:
    """The `count`-th working day after `day` (`day` itself when `count` is 0)."""
    if not weekdays:
        raise ValueError("no working weekdays")
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, weekdays):
            count -= 1
    return day
