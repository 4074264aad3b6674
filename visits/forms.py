"""What the visit pages send, read into Python values (the services check the rules)."""

from datetime import date

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date

from crm_project.forms import LenientDateField, QueryForm

# Days the field pages show: the day page and the plan reach a week either side, so a day
# at the calendar's ends (0001-01-01, 9999-12-31) is not one; nor is any before 2000.
DAY_RANGE = (date(2000, 1, 1), date(2999, 12, 31))


def day_or_404(value) -> date:
    """A day from the address (or a form): today when empty, 404 when not a date or out of
    DAY_RANGE."""
    if isinstance(value, date):
        return value
    if not value:
        return timezone.localdate()
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None or not DAY_RANGE[0] <= parsed <= DAY_RANGE[1]:
        raise Http404
    return parsed


class ManagerQuery(QueryForm):
    """Whose day or plan a page is about (`?manager=`); empty means the user's own."""

    manager = forms.CharField(required=False)
    partial = forms.CharField(required=False)

    @classmethod
    def of(cls, request):
        """Links carry `?manager=`, forms post the rest (and sometimes a hidden manager):
        the address's manager wins, a posted value wins for everything else."""
        data = {key: value for key, value in request.GET.items() if value}
        data.update({key: value for key, value in request.POST.items()
                     if value and not (key == "manager" and key in data)})
        return cls(data)


class PlanForm(ManagerQuery):
    first_day = forms.CharField(required=False)

    def first_day_or_404(self) -> date:
        return day_or_404(self.values()["first_day"])


class StopAddForm(ManagerQuery):
    customer = forms.CharField(required=False)


class VisitStartForm(QueryForm):
    customer = forms.CharField(required=False)
    planned_visit = forms.CharField(required=False)
    latitude = forms.CharField(required=False)
    longitude = forms.CharField(required=False)


class StatsQuery(QueryForm):
    first_day = LenientDateField(required=False)
    last_day = LenientDateField(required=False)
    manager = forms.CharField(required=False)


class SupervisorVisitForm(forms.Form):
    """A supervisor's visit of a key account: the day and what was said."""

    date = forms.DateField()
    notes = forms.CharField(required=False, max_length=2000)


class UnplannedQuery(QueryForm):
    q = forms.CharField(required=False)


class VisitLogForm:
    """The visit log as typed: one field per action and per SKU's price and stock, so
    its fields depend on the catalog; kept as typed for the draft."""

    def __init__(self, data):
        self.data = data

    def values(self) -> dict:
        # Empty fields are left out, so a draft holds only what was typed.
        values = {key: self.data.get(key) for key in self.data
                  if key != "csrfmiddlewaretoken" and self.data.get(key)}
        values["actions"] = self.data.getlist("actions")
        return values
