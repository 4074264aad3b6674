"""Excel exports: one write-only workbook streamed from a temporary file, so a long list
never holds every cell in memory twice. Callers pass an already scoped queryset.

Every cell goes through `inert_cell`, the one place that keeps a spreadsheet from
evaluating text a user typed (a store named `=HYPERLINK(...)`): such text is written as a
quote-prefixed string cell, as Excel itself stores text typed after an apostrophe."""

import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a spreadsheet may read as the start of a formula or a command (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(sheet, value):
    """The cell for `value`; text that a spreadsheet would evaluate stays literal text.
    Only strings are touched: a negative number stays a number."""
    if not (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


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
    rows = queryset.values_list(*fields)[: settings.CRM_EXPORT_MAX_ROWS]
    return xlsx_rows_response(
        title=title, headers=[label for _name, label in columns], filename=filename,
        rows=([cell(field, value) for field, value in zip(fields, row, strict=True)]
              for row in rows.iterator(chunk_size=2000)))


def xlsx_rows_response(*, title: str, headers: Sequence[str], rows: Iterable[Sequence],
                       filename: str) -> StreamingHttpResponse:
    """Rows already computed (a report table exactly as shown), one list of cells each."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title))
    sheet.append([inert_cell(sheet, str(label)) for label in headers])
    for row in rows:
        sheet.append([inert_cell(sheet, plain_cell("", value)) for value in row])
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
