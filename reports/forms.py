"""The query of a report (group, month range, filters), parsed once for pages, exports and
the API. Bad input raises BusinessError: a 400 in the API, a message on the page."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_project.errors import BusinessError

from .services import add_months, month_start

MAX_MONTHS = 36
DEFAULT_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# The groupings of the sales report, in drill-down order where one leads to the next.
SALES_GROUPS = {
    "month": gettext_lazy("Month"),
    "department": gettext_lazy("Department"),
    "territory": gettext_lazy("Territory"),
    "manager": gettext_lazy("Customer manager"),
    "brand": gettext_lazy("Brand"),
    "price_band": gettext_lazy("Price band"),
    "business_format": gettext_lazy("Business format"),
    "network": gettext_lazy("Network"),
}
STORE_GROUP = "store"  # pages only: the last level of a drill-down
GRADE_GROUPS = {
    "territory": gettext_lazy("Territory"),
    "manager": gettext_lazy("Customer manager"),
    "business_format": gettext_lazy("Business format"),
}


def parse_month(value: str | None, *, name: str, default: date | None = None) -> date | None:
    if value in (None, ""):
        return default
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise BusinessError(_("“%(value)s” is not a month in the form YYYY-MM, e.g. 2026-11.")
                            % {"value": value}, field=name)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _group(value: str | None, *, choices, default: str) -> str:
    value = value or default
    if value not in choices:
        raise BusinessError(
            _("Unknown grouping “%(value)s”; choose one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(choices)}, field="group_by")
    return value


def _whole_number(value: str | None, *, name: str) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise BusinessError(_("“%(value)s” is not an id.") % {"value": value}, field=name)
    return int(value)


@dataclass(frozen=True)
class SalesQuery:
    group_by: str
    first: date
    last: date
    filters: dict = field(default_factory=dict)

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def shifted(self, months: int) -> "SalesQuery":
        return SalesQuery(self.group_by, add_months(self.first, months),
                          add_months(self.last, months), self.filters)

    def params(self, **changes) -> dict:
        """Query-string parameters of this query, with some changed (drill-down links)."""
        values = {"group_by": self.group_by, "from": f"{self.first:%Y-%m}",
                  "to": f"{self.last:%Y-%m}", **self.filters, **changes}
        return {key: value for key, value in values.items() if value not in (None, "")}


# Filters by id or number, and by code; each narrows the rows to one group of a level.
SALES_FILTERS = ("department", "territory", "manager", "price_band")
SALES_CODE_FILTERS = ("brand", "business_format", "network")


def sales_query(params, *, today: date, allow_stores: bool = False) -> SalesQuery:
    choices = [*SALES_GROUPS, STORE_GROUP] if allow_stores else list(SALES_GROUPS)
    group_by = _group(params.get("group_by"), choices=choices, default="month")
    last = parse_month(params.get("to"), name="to", default=month_start(today))
    first = parse_month(params.get("from"), name="from",
                        default=add_months(last, 1 - DEFAULT_MONTHS))
    if first > last:
        raise BusinessError(_("The range starts (%(first)s) after it ends (%(last)s).")
                            % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"},
                            field="from")
    query = SalesQuery(group_by, first, last, {
        **{name: _whole_number(params.get(name), name=name) for name in SALES_FILTERS},
        **{name: (params.get(name) or "").strip() or None for name in SALES_CODE_FILTERS},
    })
    if query.months > MAX_MONTHS:
        raise BusinessError(_("A range may cover at most %(max)d months; this one covers "
                              "%(months)d.") % {"max": MAX_MONTHS, "months": query.months},
                            field="to")
    return query


@dataclass(frozen=True)
class GradeQuery:
    group_by: str
    month: date | None


def grade_query(params) -> GradeQuery:
    return GradeQuery(
        _group(params.get("group_by"), choices=list(GRADE_GROUPS), default="territory"),
        parse_month(params.get("month"), name="month"))
