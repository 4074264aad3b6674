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
