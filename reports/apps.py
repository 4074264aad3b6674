from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from customers.signals import key_account_changed
        from phone_orders.signals import purchases_changed

        from . import receivers

        purchases_changed.connect(receivers.purchases_changed,
                                  dispatch_uid="reports.sales_summary")
        key_account_changed.connect(receivers.key_account_changed,
                                    dispatch_uid="reports.sales_summary_key_account")
