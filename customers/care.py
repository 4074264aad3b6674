"""Care for the stores (客户关怀): reminders of owners' birthdays, store anniversaries and the
festivals in the next days, and how to deal with each of the five temperaments.

Read-only: everything comes from the Customer's own fields, scoped by customers_visible_to.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Customer, CustomerStatus, Temperament
from .selectors import customers_visible_to

REMINDER_DAYS = 7
REMINDER_LIMIT = 50

# Festivals on the lunar calendar, as Gregorian dates. No maintained lunar-calendar package
# is pinned in the environment, so this is a table of the coming years' dates (published
# calendars); extend it before 2033. Spring Festival (春节) is 正月初一, Mid-Autumn (中秋节)
# is 八月十五.
SPRING_FESTIVAL = {
    2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
    2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
    2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
}
MID_AUTUMN = {
    2025: date(2025, 10, 6), 2026: date(2026, 9, 25), 2027: date(2027, 9, 15),
    2028: date(2028, 10, 3), 2029: date(2029, 9, 22), 2030: date(2030, 9, 12),
    2031: date(2031, 10, 1), 2032: date(2032, 9, 19),
}
FESTIVALS = [(_("Spring Festival"), SPRING_FESTIVAL), (_("Mid-Autumn Festival"), MID_AUTUMN)]


@dataclass(frozen=True)
class Reminder:
    on: date
    days_left: int
    kind: str  # "birthday", "anniversary" or "festival"
    label: str
    customer: Customer | None = None


def _window(today: date, days: int) -> list[date]:
    return [today + timedelta(days=n) for n in range(days)]


def _anniversary_in(day: date, month: int, dom: int) -> bool:
    """Whether a yearly date (month, dom) falls on `day`; 29 February falls on 28 February
    in common years."""
    if (day.month, day.day) == (month, dom):
        return True
    return ((month, dom) == (2, 29) and (day.month, day.day) == (2, 28)
            and not calendar.isleap(day.year))


def _month_day_filter(field: str, days: list[date]) -> Q:
    query = Q()
    for day in days:
        query |= Q(**{f"{field}__month": day.month, f"{field}__day": day.day})
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            query |= Q(**{f"{field}__month": 2, f"{field}__day": 29})
    return query


def care_reminders(*, user, today: date, days: int = REMINDER_DAYS) -> list[Reminder]:
    """Birthdays, store anniversaries and festivals from `today` for `days` days (the year
    wrap included), for the active stores the user sees; soonest first."""
    window = _window(today, days)
    reminders = [Reminder(on=day, days_left=(day - today).days, kind="festival",
                          label=str(name))
                 for name, table in FESTIVALS for day in window
                 if table.get(day.year) == day]
    stores = (customers_visible_to(user).filter(status=CustomerStatus.ACTIVE)
              .filter(_month_day_filter("birthday", window)
                      | _month_day_filter("anniversary", window))
              .only("pk", "name", "owner", "birthday", "anniversary")
              .order_by("pk")[:REMINDER_LIMIT])
    for store in stores:
        for kind, label, value in (("birthday", _("Owner's birthday"), store.birthday),
                                   ("anniversary", _("Store anniversary"), store.anniversary)):
            if value is None:
                continue
            for day in window:
                if _anniversary_in(day, value.month, value.day):
                    reminders.append(Reminder(on=day, days_left=(day - today).days,
                                              kind=kind, label=str(label), customer=store))
    reminders.sort(key=lambda r: (r.on, r.kind != "festival", r.customer and r.customer.pk))
    return reminders


def care_occasions(*, customers, today: date, days: int = REMINDER_DAYS) -> dict[int, list[str]]:
    """For each store (already loaded with its birthday and anniversary), the care
    occasions that fall from `today` for `days` days: "birthday", "anniversary" and
    "festival" (Spring Festival or Mid-Autumn, for every store). Stores with none are left
    out. The visit planner turns these into a care aim on the store's next visit."""
    window = _window(today, days)
    festival = any(table.get(day.year) == day for _name, table in FESTIVALS for day in window)
    occasions: dict[int, list[str]] = {}
    for store in customers:
        found = [kind for kind, value in (("birthday", store.birthday),
                                          ("anniversary", store.anniversary))
                 if value is not None
                 and any(_anniversary_in(day, value.month, value.day) for day in window)]
        if festival:
            found.append("festival")
        if found:
            occasions[store.pk] = found
    return occasions


# How to deal with each temperament (性格类型): how to talk, how long, what to avoid.
GUIDANCE = {
    Temperament.STABLE: (
        _("Talk plainly and steadily; lay out facts and figures and let them weigh them."),
        _("A normal visit; there is no need to hurry or to linger."),
        _("Avoid pressure and sudden changes of plan; do not promise what you cannot keep."),
    ),
    Temperament.FLEXIBLE: (
        _("Be lively and open; discuss options and new products, ask for their ideas."),
        _("Can be longer: they enjoy an exchange, but keep to the point."),
        _("Avoid vague agreements: write down what was agreed before you leave."),
    ),
    Temperament.RIGID: (
        _("Follow the rules and the usual order; explain step by step, with documents."),
        _("Short and structured, at the usual time."),
        _("Avoid improvising, exceptions and arguing about principles."),
    ),
    Temperament.HESITANT: (
        _("Be patient and reassuring; give one clear recommendation with its reasons."),
        _("Allow time to decide, but close with a concrete next step."),
        _("Avoid too many choices at once and pushing for an immediate answer."),
    ),
    Temperament.IRRITABLE: (
        _("Stay calm and polite; listen first, acknowledge the problem, then answer briefly."),
        _("Short: come to the point and leave once it is settled."),
        _("Avoid contradicting them head-on, raising your voice or making excuses."),
    ),
}


def temperament_guidance(customer: Customer) -> dict | None:
    texts = GUIDANCE.get(customer.temperament)
    if texts is None:
        return None
    talk, length, avoid = texts
    return {"temperament": customer.get_temperament_display(), "talk": talk,
            "length": length, "avoid": avoid}


def card_guidance(*, customer, user) -> dict:
    """Context of the store card's guidance block."""
    return {"guidance": temperament_guidance(customer)}


def console_guidance(*, customer, user) -> dict:
    """Context of the guidance on the phone console."""
    return {"guidance": temperament_guidance(customer), "guidance_slot": "console"}


def visit_guidance(*, customer, user) -> dict:
    """Context of the guidance on the visit log."""
    return {"guidance": temperament_guidance(customer), "guidance_slot": "visit"}
