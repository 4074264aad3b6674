"""Excel exports: one write-only workbook streamed from a temporary file, so a long list
never holds every cell in memory twice. Callers pass an already scoped queryset."""

import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plain_cell(field: str, value):
    """Values Excel understands: numbers for decimals, local times without zone."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_response(*, title: str, columns: Sequence[tuple[str, str]], queryset: QuerySet,
                  filename: str, cell: Callable = plain_cell) -> StreamingHttpResponse:
    """`columns` are (field lookup, header) pairs; at most CRM_EXPORT_MAX_ROWS rows."""
    fields = [name for name, _label in columns]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title))
    sheet.append([str(label) for _name, label in columns])
    rows = queryset.values_list(*fields)[: settings.CRM_EXPORT_MAX_ROWS]
    for row in rows.iterator(chunk_size=2000):
        sheet.append([cell(field, value) for field, value in zip(fields, row, strict=True)])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)

    def stream():
        with handle:
            while chunk := handle.read(64 * 1024):
                yield chunk

    response = StreamingHttpResponse(stream(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response
