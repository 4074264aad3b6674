"""Summary tables the reports read instead of order lines, kept set-wise by
reports.services (nightly, and on every confirmed, cancelled or imported order)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from customers.models import BusinessFormat, Customer, Department, Network, Territory, User
from phone_orders.models import PriceBand


class SalesMonthly(models.Model):
    """Confirmed purchases of one store in one month, per brand and price band, filed under
    whoever held the store in that month (its territory, manager, department, business
    format and network at the month's end). No database foreign keys: their checks, deferred
    to the commit, cost a rebuild minutes at a million stores; deletes still cascade or
    clear through the ORM."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+",
                                 db_index=False, db_constraint=False,
                                 verbose_name=_("customer"))
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True,
                                   related_name="+", db_index=False, db_constraint=False,
                                   verbose_name=_("department"))
    territory = models.ForeignKey(Territory, on_delete=models.SET_NULL, null=True,
                                  related_name="+", db_index=False, db_constraint=False,
                                  verbose_name=_("territory"))
    manager = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                db_index=False, db_constraint=False,
                                verbose_name=_("customer manager"))
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
    # Whether the store is a key account now (not at the month's end): the summary follows
    # every confirmed or dropped key account (reports.services.sales_summary_key_account).
    key_account = models.BooleanField(_("key account"), db_default=False)

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


class RollupLevel(models.IntegerChoices):
    """Which columns a SalesRollup row keeps besides month, department and territory; the
    others are summed over (left blank)."""

    OWNER = 0, _("owner columns")  # manager, business format, network
    BRAND = 1, _("brand")  # business format, network, brand
    PRICE_BAND = 2, _("price band")  # business format, network, price band
    BRAND_BAND = 3, _("brand and price band")  # business format, network, both
    PLACE = 4, _("territory")  # nothing more
    PLACE_FORMAT = 5, _("business format")
    PLACE_NETWORK = 6, _("network")
    PLACE_BRAND = 7, _("territory and brand")
    PLACE_BAND = 8, _("territory and price band")
    PLACE_MANAGER = 9, _("territory and manager")
    KEY_ACCOUNTS = 10, _("key accounts")  # like PLACE, of today's key accounts alone


class _OwnerSums(models.Model):
    """Sums filed under an owner, by plain ids (no foreign key: a summed row is a figure,
    not a reference)."""

    department_id = models.IntegerField(_("department"), null=True)
    territory_id = models.IntegerField(_("territory"), null=True)
    manager_id = models.IntegerField(_("customer manager"), null=True)
    cartons = models.BigIntegerField(_("cartons"), default=0)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2,
                                 default=Decimal("0"))

    class Meta:
        abstract = True


class SalesRollup(_OwnerSums):
    """The sales summary summed over the stores, for department- and company-wide reports:
    one row per month and combination of the level's columns (the other columns left
    blank: manager NULL, brand '', price band 0), with the number of distinct stores that
    bought in it that month. Each store files a month under one owner, so the stores of
    several rows of a month add up exactly as long as brand and price band are not summed
    over (hence one level per combination of the two). Kept by reports.services together
    with SalesMonthly, from it."""

    level = models.PositiveSmallIntegerField(_("level"), choices=RollupLevel.choices)
    month = models.DateField(_("month"))
    business_format = models.CharField(_("business format"), max_length=20, blank=True)
    network = models.CharField(_("network"), max_length=10, blank=True)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    price_band = models.PositiveSmallIntegerField(_("price band"), default=0)
    stores = models.IntegerField(_("stores"), default=0)

    class Meta:
        verbose_name = _("sales rollup")
        verbose_name_plural = _("sales rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "month", "department_id", "territory_id", "manager_id",
                        "business_format", "network", "brand", "price_band"],
                name="uniq_sales_rollup", nulls_distinct=False),
        ]
        # Company-wide reads use the unique index (level, month, ...); these serve the
        # department and territory scopes.
        indexes = [
            models.Index(fields=["department_id", "level", "month"],
                         name="sales_rollup_department"),
            models.Index(fields=["territory_id", "level", "month"],
                         name="sales_rollup_territory"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} L{self.level} {self.amount}"


class SalesDaily(_OwnerSums):
    """Confirmed purchases of one day summed per owner (department, territory, manager, as
    filed for the month in SalesMonthly): the morning view's month to date and its
    comparisons without reading orders. Kept by reports.services with SalesMonthly."""

    day = models.DateField(_("day"))
    orders = models.IntegerField(_("orders"), default=0)

    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        constraints = [
            models.UniqueConstraint(fields=["day", "department_id", "territory_id",
                                            "manager_id"],
                                    name="uniq_sales_daily", nulls_distinct=False),
        ]
        indexes = [models.Index(fields=["manager_id", "day"], name="sales_daily_manager")]

    def __str__(self) -> str:
        return f"{self.day} {self.amount}"


class SalesSummaryMark(models.Model):
    """Up to when the nightly refresh has taken in changed orders and moved stores (its
    watermark): the next run refreshes only the stores changed since then."""

    name = models.CharField(_("job"), max_length=30, primary_key=True)
    changes_until = models.DateTimeField(_("changes taken in until"))

    class Meta:
        verbose_name = _("sales summary watermark")
        verbose_name_plural = _("sales summary watermarks")

    def __str__(self) -> str:
        return f"{self.name} {self.changes_until:%Y-%m-%d %H:%M}"


# --- Targets and the monthly evaluation (考核) ------------------------------------------


class TargetIndicator(models.TextChoices):
    PURCHASE_CARTONS = "purchase_cartons", _("Purchases (cartons)")
    PURCHASE_AMOUNT = "purchase_amount", _("Purchases (yuan)")
    NEW_LISTINGS = "new_listings", _("New-product listings")
    VISIT_COMPLETION = "visit_completion", _("Visit completion (%)")


class Target(models.Model):
    """A monthly target of one indicator for a department, one of its territories or one
    of its managers (月度目标). Every change is kept with who and when."""

    month = models.DateField(_("month"), help_text=_("First day of the month."))
    indicator = models.CharField(_("indicator"), max_length=30,
                                 choices=TargetIndicator.choices)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("territory"))
    manager = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("customer manager"))
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical target"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["month", "department", "territory", "manager", "indicator"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="target_first_day"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
            models.CheckConstraint(condition=Q(territory__isnull=True) | Q(manager__isnull=True),
                                   name="target_one_level"),
            models.UniqueConstraint(
                fields=["month", "indicator", "department"],
                condition=Q(territory__isnull=True, manager__isnull=True),
                name="uniq_target_department"),
            models.UniqueConstraint(fields=["month", "indicator", "territory"],
                                    condition=Q(territory__isnull=False),
                                    name="uniq_target_territory"),
            models.UniqueConstraint(fields=["month", "indicator", "manager"],
                                    condition=Q(manager__isnull=False),
                                    name="uniq_target_manager"),
        ]

    def __str__(self) -> str:
        owner = self.manager or self.territory or self.department
        return f"{self.month:%Y-%m} {owner} {self.indicator} {self.value}"

    @property
    def level(self) -> str:
        if self.manager_id:
            return "manager"
        return "territory" if self.territory_id else "department"


class EvaluatedRole(models.TextChoices):
    MANAGER = "manager", _("Customer manager")
    CLERK = "clerk", _("Order clerk")


class ScoreFormula(models.TextChoices):
    """How an indicator's value becomes points (a fixed set; see reports.evaluation.rules)."""

    RATIO = "ratio", _("Value against target, capped at the weight")
    AT_LEAST = "at_least", _("Full points at or above the target, none below")
    AT_MOST = "at_most", _("Full points at or below the target (a limit), none above")
    BAND = "band", _("Linear between band low (no points) and band high (full points)")
    BAND_INVERSE = "band_inverse", _("Linear between band low (full points) and high (none)")


class ScorecardRule(models.Model):
    """One indicator of a role's scorecard (考核指标): its weight, formula and target or
    band. The weights of a role add up to 100; edited by admins, every edit kept."""

    role = models.CharField(_("role"), max_length=20, choices=EvaluatedRole.choices)
    code = models.CharField(_("indicator"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    formula = models.CharField(_("formula"), max_length=20, choices=ScoreFormula.choices)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4, null=True,
                                 blank=True,
                                 help_text=_("Empty: the person's monthly target, if any."))
    band_low = models.DecimalField(_("band low"), max_digits=14, decimal_places=4,
                                   null=True, blank=True)
    band_high = models.DecimalField(_("band high"), max_digits=14, decimal_places=4,
                                    null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical scorecard rule"))

    class Meta:
        verbose_name = _("scorecard rule")
        verbose_name_plural = _("scorecard rules")
        ordering = ["role", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["role", "code"], name="uniq_scorecard_rule"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=100),
                                   name="scorecard_rule_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.code} {self.weight}"


class EvaluationClose(models.Model):
    """A closed (frozen) month of scorecards; a re-run by an admin adds a version and keeps
    the earlier ones."""

    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    closed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))

    class Meta:
        verbose_name = _("closed evaluation month")
        verbose_name_plural = _("closed evaluation months")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="uniq_evaluation_close"),
            models.CheckConstraint(condition=Q(month__day=1), name="evaluation_close_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"


class ScorecardLine(models.Model):
    """One indicator of one person's scorecard for a month, as computed by the close (or
    version 0: the live, provisional score of the open month)."""

    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(_("version"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+",
                             db_index=False, verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=EvaluatedRole.choices)
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True,
                                   related_name="+", db_index=False,
                                   verbose_name=_("department"))
    code = models.CharField(_("indicator"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4, null=True)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=4, null=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("scorecard line")
        verbose_name_plural = _("scorecard lines")
        ordering = ["month", "user", "position"]
        constraints = [
            models.UniqueConstraint(fields=["month", "version", "user", "code"],
                                    name="uniq_scorecard_line"),
        ]
        indexes = [models.Index(fields=["month", "version", "department"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version} {self.user_id} {self.code} {self.points}"
