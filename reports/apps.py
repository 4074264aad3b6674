from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from phone_orders.signals import purchases_changed

        from . import receivers

        purchases_changed.connect(receivers.purchases_changed,
                                  dispatch_uid="reports.sales_summary")
