"""What the clerk's pages send, read into Python values. A value that does not parse is
treated as not given: the services then answer with their own message."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_project.forms import LenientDateField, LenientDateTimeField, QueryForm


class CallListQuery(QueryForm):
    day = LenientDateField(required=False)
    status = forms.CharField(required=False)

    def clean_day(self):
        return self.cleaned_data.get("day") or timezone.localdate()


class FiguresQuery(QueryForm):
    date_from = LenientDateField(required=False)
    date_to = LenientDateField(required=False)

    def clean(self):
        data = super().clean()
        data["date_to"] = data.get("date_to") or timezone.localdate()
        data["date_from"] = data.get("date_from") or data["date_to"] - timedelta(days=29)
        return data


class SupplyQuery(QueryForm):
    cycle = LenientDateField(required=False)


class AllocationQuery(QueryForm):
    cycle = LenientDateField(required=False)
    sku = forms.CharField(required=False)


def allocation_rows(data) -> list[dict]:
    """The grid's rows as posted (min_tier, max_tier and cartons repeated per row)."""
    columns = [data.getlist(name) for name in ("min_tier", "max_tier", "cartons")]
    return [{"min_tier": low, "max_tier": high, "cartons": cartons}
            for low, high, cartons in zip(*columns, strict=False)]


class AllocationExceptionForm(QueryForm):
    customer = forms.CharField(required=False)  # the store's code
    cartons = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)
    remove = forms.CharField(required=False)  # the store's id


class SkuSearchQuery(QueryForm):
    q = forms.CharField(required=False, strip=False)
    sku = forms.CharField(required=False, strip=False)

    def query(self) -> str:
        values = self.values()
        return values.get("q") or values.get("sku") or ""


class ConsoleLineForm(QueryForm):
    sku = forms.CharField(required=False)
    cartons = forms.CharField(required=False)
    remove = forms.CharField(required=False)


class ConsoleRepeatForm(QueryForm):
    order = forms.CharField(required=False)


class ConsoleCancelForm(QueryForm):
    reason = forms.CharField(required=False, strip=False)


class CallOutcomeForm(QueryForm):
    outcome = forms.CharField(required=False)
    callback_at = LenientDateTimeField(required=False)
    note = forms.CharField(required=False, strip=False)


class SupplyForm(QueryForm):
    """One SKU's cartons, or a whole sheet (`file`) for the cycle."""

    sku = forms.CharField(required=False)
    available = forms.CharField(required=False)
    file = forms.FileField(required=False)


class OrderImportForm(forms.Form):
    file = forms.FileField(error_messages={"required": _("Choose a file to upload.")})


class BriefingNoteForm(QueryForm):
    kind = forms.CharField(required=False)
    text = forms.CharField(required=False, strip=False)
    delete = forms.CharField(required=False)
