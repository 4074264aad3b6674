"""Excel export of a customer list. The queryset comes from a scoped selector."""

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

EXPORT_COLUMNS = [
    ("code", _("customer code")), ("name", _("store name")),
    ("license_no", _("licence number")), ("owner", _("operator")), ("phone", _("phone")),
    ("address", _("address")), ("territory__code", _("territory")),
    ("manager__username", _("customer manager")), ("network", _("network")),
    ("business_format", _("business format")), ("order_weekday", _("order weekday")),
    ("grade", _("grade")), ("monthly_average", _("monthly average purchase (yuan)")),
    ("status", _("status")), ("latitude", _("latitude")), ("longitude", _("longitude")),
]




def customers_to_xlsx_response(customers):
    """A write-only workbook, so a long list does not hold every cell in memory twice."""
    import tempfile

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Customers"))
    sheet.append([str(label) for _, label in EXPORT_COLUMNS])
    fields = [name for name, _ in EXPORT_COLUMNS]
    rows = customers.order_by("code").values_list(*fields)[: settings.CRM_EXPORT_MAX_ROWS]
    for row in rows.iterator(chunk_size=2000):
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
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
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.xlsx"'
    return response
