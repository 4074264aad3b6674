"""Summary tables the reports read instead of order lines, kept set-wise by
reports.services (nightly, and on every confirmed, cancelled or imported order)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import BusinessFormat, Customer, Department, Network, Territory, User
from phone_orders.models import PriceBand


class SalesMonthly(models.Model):
    """Confirmed purchases of one store in one month, per brand and price band, filed under
    whoever held the store in that month (its territory, manager, department, business
    format and network at the month's end)."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+",
                                 db_index=False, verbose_name=_("customer"))
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True,
                                   related_name="+", db_index=False,
                                   verbose_name=_("department"))
    territory = models.ForeignKey(Territory, on_delete=models.SET_NULL, null=True,
                                  related_name="+", db_index=False,
                                  verbose_name=_("territory"))
    manager = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                db_index=False, verbose_name=_("customer manager"))
    business_format = models.CharField(_("business format"), max_length=20,
                                       choices=BusinessFormat.choices, blank=True)
    network = models.CharField(_("network"), max_length=10, choices=Network.choices,
                               blank=True)
    brand = models.CharField(_("brand"), max_length=50)
    price_band = models.PositiveSmallIntegerField(_("price band"), choices=PriceBand.choices)
    cartons = models.IntegerField(_("cartons"), default=0)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2,
                                 default=Decimal("0"))
    orders = models.IntegerField(_("orders"), default=0)

    class Meta:
        verbose_name = _("monthly sales")
        verbose_name_plural = _("monthly sales")
        ordering = ["month", "customer", "brand", "price_band"]
        constraints = [
            models.UniqueConstraint(fields=["month", "customer", "brand", "price_band"],
                                    name="uniq_sales_monthly"),
            models.CheckConstraint(condition=Q(month__day=1), name="sales_monthly_first_day"),
        ]
        # Every report reads a month range of one scope: lead with the scope, then month.
        # No more: each index costs a third of the time of a refresh (measured); a store's
        # rows are found through the unique index (month, customer, ...).
        indexes = [
            models.Index(fields=["manager", "month"]),
            models.Index(fields=["territory", "month"]),
            models.Index(fields=["department", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.customer_id} {self.brand} {self.amount}"
