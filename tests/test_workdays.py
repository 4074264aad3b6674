"""Working days know China's public holidays and make-up working days (调休), from the
chinesecalendar package, in complaint deadlines and the visit planner; beyond the years the
package covers they fall back to weekends. Real 2026 dates (State Council schedule)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from complaints import deadlines
from crm_project import workdays
from visits.planner import PlannerConfig, Stop, plan, working_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = [date(2026, 10, d) for d in range(1, 8)]  # Thu 1 - Wed 7 October, off
NATIONAL_DAY_MAKEUP = date(2026, 10, 10)  # Saturday, worked
SPRING_FESTIVAL = [date(2026, 2, 15) + timedelta(days=n) for n in range(9)]  # 15-23 Feb
SPRING_FESTIVAL_MAKEUP = [date(2026, 2, 14), date(2026, 2, 28)]  # Saturdays, worked


def test_public_holidays_are_days_off_even_on_weekdays():
    for day in NATIONAL_DAY + SPRING_FESTIVAL:
        assert workdays.is_public_holiday(day)
        assert not workdays.is_working_day(day)
    assert workdays.is_working_day(date(2026, 10, 8))  # Thursday after the week


def test_make_up_weekend_days_are_worked_by_a_monday_to_friday_week():
    for day in [NATIONAL_DAY_MAKEUP, date(2026, 9, 20), *SPRING_FESTIVAL_MAKEUP]:
        assert day.isoweekday() in (6, 7)
        assert workdays.is_makeup_workday(day)
        assert workdays.is_working_day(day)
        # someone who works only on Mondays does not come in on a make-up Saturday
        assert not workdays.is_working_day(day, weekdays=(1,))
    assert not workdays.is_working_day(date(2026, 10, 17))  # a plain Saturday


def test_years_beyond_the_package_fall_back_to_weekends():
    year = workdays.covered_until() + 1
    first_of_october = date(year, 10, 1)
    saturday = first_of_october + timedelta(days=(6 - first_of_october.isoweekday()) % 7)
    assert not workdays.is_public_holiday(first_of_october)
    assert workdays.is_working_day(first_of_october) == (first_of_october.isoweekday() <= 5)
    assert not workdays.is_working_day(saturday)
    assert workdays.add_working_days(saturday, 1) == saturday + timedelta(days=2)
    assert workdays.is_working_day(date(1990, 10, 1))  # before the package's first year


def test_the_package_covers_2026():
    assert workdays.covered_until() >= 2026


def test_add_working_days_jumps_over_national_day():
    assert workdays.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays.add_working_days(date(2026, 10, 9), 1) == NATIONAL_DAY_MAKEUP
    assert workdays.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)


def test_first_reply_skips_national_day():
    eve = datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    holiday = datetime(2026, 10, 3, 9, 0, tzinfo=SHANGHAI)
    assert deadlines.first_reply_due(eve) == datetime(2026, 10, 8, 16, 0, tzinfo=SHANGHAI)
    # counted from the first working day after the holiday, due at its end
    assert deadlines.first_reply_due(holiday) == datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)


def test_first_reply_on_a_make_up_saturday_is_the_next_working_day():
    friday = datetime(2026, 10, 9, 11, 0, tzinfo=SHANGHAI)
    makeup = datetime(2026, 10, 10, 11, 0, tzinfo=SHANGHAI)
    assert deadlines.first_reply_due(friday) == datetime(2026, 10, 10, 11, 0, tzinfo=SHANGHAI)
    assert deadlines.first_reply_due(makeup) == datetime(2026, 10, 12, 11, 0, tzinfo=SHANGHAI)


def test_first_reply_over_spring_festival():
    friday = datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)
    assert deadlines.first_reply_due(friday) == datetime(2026, 2, 14, 10, 0, tzinfo=SHANGHAI)
    eve = datetime(2026, 2, 14, 10, 0, tzinfo=SHANGHAI)
    assert deadlines.first_reply_due(eve) == datetime(2026, 2, 24, 10, 0, tzinfo=SHANGHAI)


def test_the_planner_leaves_out_national_day_and_works_the_make_up_saturday():
    days = working_days(date(2026, 9, 28), PlannerConfig())
    assert not set(days) & set(NATIONAL_DAY)
    assert NATIONAL_DAY_MAKEUP in days
    assert date(2026, 10, 17) not in days
    assert len(days) == 4 * 5 - 5 + 1  # four weeks less 5 holiday weekdays plus 1 make-up


@pytest.mark.parametrize("weekdays", [(1, 2, 3), (1, 2, 3, 4, 5, 6)])
def test_a_plan_off_the_plain_week_keeps_its_own_days(weekdays):
    days = working_days(date(2026, 9, 28), PlannerConfig(working_weekdays=weekdays))
    assert not set(days) & set(NATIONAL_DAY)
    assert (NATIONAL_DAY_MAKEUP in days) == (6 in weekdays)


def test_a_full_plan_books_the_make_up_saturday_and_no_holiday():
    start = (28.25, 112.96)
    stops = [Stop(customer_id=n, label=f"s{n}", grade="A", network="urban", area="T01",
                  latitude=start[0] + 0.001 * (n % 7), longitude=start[1] + 0.001 * (n // 7),
                  interval_days=7, service_minutes=20) for n in range(40)]
    result = plan(stops, first_day=date(2026, 9, 28), start=start,
                  config=PlannerConfig(working_minutes=120))
    planned = {day.date for day in result.days}
    assert not planned & set(NATIONAL_DAY)
    assert NATIONAL_DAY_MAKEUP in planned
    assert {d.isoweekday() for d in planned - {NATIONAL_DAY_MAKEUP}} <= {1, 2, 3, 4, 5}
