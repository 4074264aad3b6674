"""Excel export of a customer list. The queryset comes from a scoped selector."""

from django.utils.translation import gettext_lazy as _

from crm_project.exports import plain_cell, xlsx_response

from .models import WEEKDAYS, BusinessFormat, CustomerStatus, Network

CHOICE_LABELS = {"network": Network.choices, "business_format": BusinessFormat.choices,
                 "status": CustomerStatus.choices, "order_weekday": WEEKDAYS}

EXPORT_COLUMNS = [
    ("code", _("customer code")), ("name", _("store name")),
    ("license_no", _("licence number")), ("owner", _("operator")), ("phone", _("phone")),
    ("address", _("address")), ("territory__code", _("territory")),
    ("manager__username", _("customer manager")), ("network", _("network")),
    ("business_format", _("business format")), ("order_weekday", _("order weekday")),
    ("grade", _("grade")), ("monthly_average", _("monthly average purchase (yuan)")),
    ("status", _("status")), ("latitude", _("latitude")), ("longitude", _("longitude")),
]


def _cell(field: str, value):
    """Choice values as their labels, in the language of the request."""
    choices = CHOICE_LABELS.get(field)
    if choices and value is not None:
        return str(dict(choices).get(value, value))
    return plain_cell(field, value)


def customers_to_xlsx_response(customers):
    return xlsx_response(title=_("Customers"), columns=EXPORT_COLUMNS,
                         queryset=customers.order_by("code"), filename="customers", cell=_cell)
