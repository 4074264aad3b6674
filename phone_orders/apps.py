from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhoneOrdersConfig(AppConfig):
    name = "phone_orders"
    verbose_name = _("Phone orders")
