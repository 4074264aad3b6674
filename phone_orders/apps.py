from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhoneOrdersConfig(AppConfig):
    name = "phone_orders"
    verbose_name = _("Phone orders")

    def ready(self):
        from customers.cards import register_card_block

        from .templatetags.phone_orders import customer_orders_card

        register_card_block("phone_orders/_customer_orders.html", customer_orders_card,
                            order=20)
