"""Excel export of a complaint list; the queryset comes from a scoped selector."""

import tempfile

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .models import Channel, Kind, Nature, Responsibility, Severity, Status

LABELS = {"channel": Channel, "kind": Kind, "nature": Nature, "severity": Severity,
          "status": Status, "responsibility": Responsibility}


def _columns():
    return [
        ("pk", _("Number")), ("customer__code", _("customer code")),
        ("customer__name", _("store name")), ("channel", _("Channel")), ("kind", _("Kind")),
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
    if hasattr(value, "as_tuple"):
        return float(value)
    if hasattr(value, "tzinfo") and value is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return _("yes") if value else ""
    return value


def complaints_to_xlsx_response(complaints):
    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Complaints"))
    sheet.append([str(label) for _field, label in columns])
    fields = [name for name, _label in columns]
    rows = complaints.order_by("-received_at").values_list(*fields)[
        : settings.CRM_EXPORT_MAX_ROWS]
    for row in rows.iterator(chunk_size=2000):
        sheet.append([_cell(field, value) for field, value in zip(fields, row, strict=True)])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)

    def stream():
        with handle:
            while chunk := handle.read(64 * 1024):
                yield chunk

    response = StreamingHttpResponse(
        stream(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="complaints-{stamp}.xlsx"'
    return response
