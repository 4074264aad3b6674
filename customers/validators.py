import calendar
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landline with area code: 010-12345678, 0571-1234567, optional extension.
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
CUSTOMER_CODE_RE = re.compile(r"^[0-9A-Za-z]{4,20}$")


def validate_phone(value: str) -> None:
    if not value:
        return
    compact = value.replace(" ", "")
    if MOBILE_RE.match(compact) or LANDLINE_RE.match(compact):
        return
    raise ValidationError(
        _("Enter an 11-digit mobile number starting with 1, or a landline with its area "
          "code (e.g. 0571-87654321)."),
        code="invalid_phone",
    )


def validate_license_no(value: str) -> None:
    lengths = settings.CRM_LICENSE_NO_LENGTHS
    if not value.isdigit() or len(value) not in lengths:
        raise ValidationError(
            _("A licence number is %(lengths)s digits.")
            % {"lengths": _(" or ").join(str(n) for n in lengths)},
            code="invalid_license",
        )


def validate_customer_code(value: str) -> None:
    if not CUSTOMER_CODE_RE.match(value):
        raise ValidationError(
            _("A customer code is 4 to 20 letters or digits."), code="invalid_code"
        )


DATE_PARTS_RE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")


def impossible_date_message(value) -> str | None:
    """For a date written year-month-day whose day does not exist (30 February, 31 April),
    the message that says so; None for anything else (the field's own parsing decides)."""
    match = DATE_PARTS_RE.match(str(value)) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12 or year < 1:
        return None
    days = calendar.monthrange(year, month)[1]
    if 1 <= day <= days:
        return None
    return _("%(value)s is not a date: %(year)s-%(month)02d has %(days)s days.") % {
        "value": value.strip(), "year": year, "month": month, "days": days}
