"""Excel export of a complaint list; the queryset comes from a scoped selector."""

from django.utils.translation import gettext as _

from crm_project.exports import plain_cell, xlsx_response

from .models import Channel, Kind, Nature, Responsibility, Severity, Status

LABELS = {"channel": Channel, "kind": Kind, "nature": Nature, "severity": Severity,
          "status": Status, "responsibility": Responsibility}


def _columns():
    return [
        ("pk", _("Number")), ("customer__code", _("customer code")),
        ("customer__name", _("store name")), ("channel", _("Intake channel")), ("kind", _("Kind")),
        ("nature", _("Nature")), ("severity", _("Severity")), ("status", _("Status")),
        ("overdue", _("Overdue")), ("received_at", _("Received at")),
        ("first_reply_due", _("First reply due")), ("acknowledged_at", _("Acknowledged at")),
        ("resolution_due", _("Resolution due")), ("closed_at", _("Closed at")),
        ("handler__username", _("Handler")), ("taken_by__username", _("Taken by")),
        ("product__code", _("SKU")), ("order_ref", _("Order reference")),
        ("responsibility", _("Responsibility")), ("compensation", _("Compensation (yuan)")),
        ("satisfaction", _("Satisfaction (1-5)")), ("reopen_count", _("Reopened")),
        ("description", _("Description")),
    ]


def _cell(field, value):
    if field in LABELS and value:
        return str(LABELS[field](value).label)
    if isinstance(value, bool):
        return _("yes") if value else ""
    return plain_cell(field, value)


def complaints_to_xlsx_response(complaints):
    return xlsx_response(title=_("Complaints"), columns=_columns(),
                         queryset=complaints.order_by("-received_at"), filename="complaints",
                         cell=_cell)
