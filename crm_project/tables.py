"""Reading an uploaded or local CSV / Excel table, the same way for every import.

Every cell comes back as stripped text so that the importer's checks see exactly what the
file says. CSV may be UTF-8 (with or without BOM) or GB18030/GBK, as Excel in China saves
it. A file that cannot be read, or that lacks a required column, is refused with one
message naming the problem.
"""

import io
from pathlib import Path

import pandas as pd
from django.utils.translation import gettext as _

from .errors import BusinessError

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def read_table(source, *, filename: str, columns: list[str],
               required: list[str] | None = None) -> pd.DataFrame:
    """`source` is a path, bytes or a file object; returns the `columns` as text (columns
    missing from the file and not `required` come back empty). `required` defaults to all
    of `columns`."""
    suffix = Path(filename or "").suffix.lower()
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if suffix in (".xlsx", ".xlsm"):
        frame = _read(lambda: pd.read_excel(source, dtype=str, keep_default_na=False,
                                            engine="openpyxl"))
    elif suffix in (".csv", ".txt"):
        frame = _read_csv(source)
    else:
        raise BusinessError(_("Upload a .csv or .xlsx file."), field="file")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    required = columns if required is None else required
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BusinessError(_("Missing columns: %(columns)s. Expected: %(expected)s.")
                            % {"columns": ", ".join(missing), "expected": ", ".join(columns)},
                            field="file")
    for column in columns:
        if column not in frame.columns:
            frame[column] = ""
    return frame[columns].apply(lambda column: column.astype(str).str.strip())


def _read_csv(source) -> pd.DataFrame:
    for encoding in CSV_ENCODINGS:
        if hasattr(source, "seek"):
            source.seek(0)
        try:
            return _read(lambda encoding=encoding: pd.read_csv(
                source, dtype=str, keep_default_na=False, encoding=encoding))
        except UnicodeDecodeError:
            continue
    raise BusinessError(_("The file is neither UTF-8 nor GBK text."), field="file")


def _read(reader) -> pd.DataFrame:
    try:
        return reader()
    except UnicodeDecodeError:
        raise
    except Exception as error:  # pandas and openpyxl raise many kinds for a damaged file
        raise BusinessError(_("The file cannot be read: %(error)s") % {"error": error},
                            field="file") from error
