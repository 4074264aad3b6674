"""The cigarette catalog (卷烟规格) and, later, orders taken by phone, online or at visits."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm_project.storage import private_storage
from customers.models import OrderChannel


class PriceBand(models.IntegerChoices):
    """Price classes by wholesale price per carton, as the industry counts them."""

    CLASS_1 = 1, _("Class 1 (100 yuan and up)")
    CLASS_2 = 2, _("Class 2 (70-100 yuan)")
    CLASS_3 = 3, _("Class 3 (30-70 yuan)")
    CLASS_4 = 4, _("Class 4 (16.5-30 yuan)")
    CLASS_5 = 5, _("Class 5 (under 16.5 yuan)")

    @classmethod
    def for_wholesale_price(cls, price: Decimal) -> "PriceBand":
        if price >= 100:
            return cls.CLASS_1
        if price >= 70:
            return cls.CLASS_2
        if price >= 30:
            return cls.CLASS_3
        if price >= Decimal("16.5"):
            return cls.CLASS_4
        return cls.CLASS_5


class Flavour(models.TextChoices):
    STRONG = "strong", _("Strong aroma")  # 浓香型
    LIGHT = "light", _("Light aroma")  # 清香型
    INTERMEDIATE = "intermediate", _("Intermediate aroma")  # 中间香型
    BLENDED = "blended", _("Blended")  # 混合型
    OTHER = "other", _("Other")


class PackType(models.TextChoices):
    HARD = "hard", _("Hard pack")
    SOFT = "soft", _("Soft pack")


class StickSize(models.TextChoices):
    REGULAR = "regular", _("Regular")
    MIDDLE = "middle", _("Middle")  # 中支
    SLIM = "slim", _("Slim")  # 细支


class Product(models.Model):
    code = models.CharField(_("SKU code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_initials = models.CharField(_("name initials"), max_length=100, blank=True,
                                     db_index=True, editable=False)
    brand = models.CharField(_("brand"), max_length=50, db_index=True)
    origin = models.CharField(_("origin"), max_length=50)  # 产地
    wholesale_price = models.DecimalField(_("wholesale price per carton"), max_digits=10,
                                          decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0.01"))])
    retail_price = models.DecimalField(_("suggested retail price per carton"), max_digits=10,
                                       decimal_places=2,
                                       validators=[MinValueValidator(Decimal("0.01"))])
    price_band = models.PositiveSmallIntegerField(_("price band"), choices=PriceBand.choices)
    flavour = models.CharField(_("flavour type"), max_length=15, choices=Flavour.choices)
    pack_type = models.CharField(_("pack type"), max_length=10, choices=PackType.choices)
    pack_colour = models.CharField(_("pack colour"), max_length=20, blank=True)
    stick_size = models.CharField(_("stick size"), max_length=10, choices=StickSize.choices,
                                  default=StickSize.REGULAR)
    is_scarce = models.BooleanField(_("scarce"), default=False)  # 紧俏品牌
    default_quota = models.PositiveIntegerField(
        _("quota per store per cycle (cartons)"), null=True, blank=True,
        help_text=_("Only for scarce SKUs; empty means no quota."),
    )
    is_new = models.BooleanField(_("new product"), default=False)
    on_sale = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_initials", "updated_at"],
                                verbose_name=_("historical product"))

    class Meta:
        verbose_name = _("cigarette SKU")  # 卷烟规格
        verbose_name_plural = _("cigarette SKUs")
        ordering = ["code"]
        indexes = [models.Index(fields=["price_band", "flavour"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# --- Orders ---------------------------------------------------------------------------

class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_ORDER_STATUSES = [OrderStatus.DRAFT, OrderStatus.CONFIRMED]


class OrderSource(models.TextChoices):
    CONSOLE = "console", _("Phone console")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    DEMO = "demo", _("Demo data")


class UnmetReason(models.TextChoices):
    NONE = "", _("None")
    QUOTA = "quota", _("Over quota")
    STOCK = "stock", _("Out of stock")


class Order(models.Model):
    """One store's order for one order cycle (the ISO week, Mon-Sun, of its order day)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="orders", verbose_name=_("customer"))
    cycle_start = models.DateField(_("order cycle (Monday)"))
    order_date = models.DateField(_("order date"))
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices,
                              default=OrderStatus.DRAFT)
    channel = models.CharField(_("channel"), max_length=10,
                               choices=OrderChannel.choices, default=OrderChannel.PHONE)
    source = models.CharField(_("source"), max_length=10, choices=OrderSource.choices,
                              default=OrderSource.CONSOLE)
    taken_by = models.ForeignKey("customers.User", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="orders_taken",
                                 verbose_name=_("taken by"))
    created_at = models.DateTimeField(_("taken at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)
    requested_cartons = models.PositiveIntegerField(_("cartons requested"), default=0)
    granted_cartons = models.PositiveIntegerField(_("cartons granted"), default=0)
    total_amount = models.DecimalField(_("total amount (yuan)"), max_digits=14,
                                       decimal_places=2, default=Decimal("0"))
    # A second order of the store in the same cycle (补单); the cycle's main order is the
    # one live order with is_supplementary=False.
    is_supplementary = models.BooleanField(_("supplementary order (补单)"), default=False)

    history = HistoricalRecords(excluded_fields=["updated_at"],
                                verbose_name=_("historical order"))

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "cycle_start"],
                # One live main order per store and cycle; supplementary orders (补单)
                # are not limited.
                condition=models.Q(status__in=["draft", "confirmed"], is_supplementary=False),
                name="one_live_order_per_store_and_cycle",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "order_date"]),
            models.Index(fields=["status", "order_date"]),
            models.Index(fields=["taken_by", "order_date"]),
            # The order list, newest first: a page is read off this index.
            models.Index(fields=["-order_date", "-id"], name="order_list_newest_idx"),
            # A cycle's orders by status (the morning view's unmet demand of scarce SKUs):
            # without it, a read of the whole order table.
            models.Index(fields=["cycle_start", "status"], name="order_cycle_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.order_date} {self.status}"

    @property
    def unmet_cartons(self) -> int:
        return self.requested_cartons - self.granted_cartons


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("order"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines",
                                verbose_name=_("SKU"))
    requested_cartons = models.PositiveIntegerField(_("cartons requested"))
    granted_cartons = models.PositiveIntegerField(_("cartons granted"), default=0)
    unit_price = models.DecimalField(_("unit price (yuan per carton)"), max_digits=10,
                                     decimal_places=2)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2,
                                 default=Decimal("0"))
    # Why part of the demand was not granted; the shortfall is requested - granted.
    unmet_reason = models.CharField(_("unmet demand reason"), max_length=10,
                                    choices=UnmetReason.choices, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="one_line_per_sku"),
            models.CheckConstraint(condition=models.Q(requested_cartons__gt=0),
                                   name="line_requested_positive"),
            models.CheckConstraint(
                condition=models.Q(granted_cartons__lte=models.F("requested_cartons")),
                name="line_granted_within_requested"),
        ]
        indexes = [models.Index(fields=["product", "order"])]

    def __str__(self) -> str:
        return f"{self.product_id} x{self.requested_cartons}"

    @property
    def unmet_cartons(self) -> int:
        return self.requested_cartons - self.granted_cartons


class OrderEvent(models.Model):
    """What changed on an order, by whom and when (read back to the store, shown on the
    order page)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        LINE_ADDED = "line_added", _("Line added")
        LINE_CHANGED = "line_changed", _("Line changed")
        LINE_REMOVED = "line_removed", _("Line removed")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events",
                              verbose_name=_("order"))
    at = models.DateTimeField(_("when"), auto_now_add=True)
    user = models.ForeignKey("customers.User", on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=15, choices=Action.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order change")
        verbose_name_plural = _("order changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


# --- Supply and quotas for a cycle ----------------------------------------------------

class CycleSupply(models.Model):
    """Cartons of one SKU the company can deliver in one order cycle."""

    cycle_start = models.DateField(_("order cycle (Monday)"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="supplies",
                                verbose_name=_("SKU"))
    available_cartons = models.PositiveIntegerField(_("cartons available"))
    granted_cartons = models.PositiveIntegerField(_("cartons granted"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey("customers.User", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("cycle supply")
        verbose_name_plural = _("cycle supplies")
        ordering = ["-cycle_start", "product"]
        constraints = [
            models.UniqueConstraint(fields=["cycle_start", "product"],
                                    name="one_supply_per_sku_and_cycle"),
            # The last line of defence against over-granting.
            models.CheckConstraint(
                condition=models.Q(granted_cartons__lte=models.F("available_cartons")),
                name="supply_granted_within_available"),
        ]

    def __str__(self) -> str:
        return (f"{self.cycle_start} {self.product_id} "
                f"{self.granted_cartons}/{self.available_cartons}")

    @property
    def remaining_cartons(self) -> int:
        return self.available_cartons - self.granted_cartons


class QuotaBasis(models.TextChoices):
    MANUAL = "", _("Set by hand")
    TABLE = "table", _("Allocation table")
    EXCEPTION = "exception", _("Exception")


class StoreQuota(models.Model):
    """At most this many cartons of a scarce SKU for one store in one cycle (overrides the
    SKU's default quota)."""

    cycle_start = models.DateField(_("order cycle (Monday)"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="quotas", verbose_name=_("customer"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="quotas",
                                verbose_name=_("SKU"))
    cartons = models.PositiveIntegerField(_("quota (cartons)"))
    # Where the figure came from, and the store's tier when an allocation table set it,
    # so that the console can explain it ("tier 27 -> 4 cartons").
    basis = models.CharField(_("basis"), max_length=10, choices=QuotaBasis.choices,
                             blank=True, default=QuotaBasis.MANUAL)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)

    class Meta:
        verbose_name = _("store quota")
        verbose_name_plural = _("store quotas")
        constraints = [
            models.UniqueConstraint(fields=["cycle_start", "customer", "product"],
                                    name="one_quota_per_store_sku_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_start} {self.customer_id} {self.product_id} {self.cartons}"


class Allocation(models.Model):
    """How a scarce SKU's supply of one cycle is shared out: tier ranges (档位) to cartons
    per store (its bands). Saving it writes every active store's quota."""

    cycle_start = models.DateField(_("order cycle (Monday)"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="allocations",
                                verbose_name=_("SKU"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey("customers.User", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("updated by"))
    computed_at = models.DateTimeField(_("quotas computed at"), null=True, blank=True)
    stores = models.PositiveIntegerField(_("stores"), default=0)
    total_cartons = models.PositiveIntegerField(_("cartons allocated"), default=0)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-cycle_start", "product"]
        constraints = [
            models.UniqueConstraint(fields=["cycle_start", "product"],
                                    name="one_allocation_per_sku_and_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle_start} {self.product_id}"


class AllocationBand(models.Model):
    """Stores whose tier is in min_tier..max_tier (both included) get `cartons`."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="bands",
                                   verbose_name=_("allocation"))
    min_tier = models.PositiveSmallIntegerField(_("from tier"))
    max_tier = models.PositiveSmallIntegerField(_("to tier"))
    cartons = models.PositiveIntegerField(_("cartons per store"))

    class Meta:
        verbose_name = _("allocation band")
        verbose_name_plural = _("allocation bands")
        ordering = ["-min_tier"]
        constraints = [
            models.CheckConstraint(condition=models.Q(min_tier__lte=models.F("max_tier")),
                                   name="band_min_within_max"),
        ]

    def __str__(self) -> str:
        return f"{self.min_tier}-{self.max_tier}: {self.cartons}"


class QuotaException(models.Model):
    """A store's quota set by hand for one allocation; it overrides the table, also when
    the quotas are computed again."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE,
                                   related_name="exceptions", verbose_name=_("allocation"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="quota_exceptions", verbose_name=_("customer"))
    cartons = models.PositiveIntegerField(_("cartons"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey("customers.User", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("set by"))
    created_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("quota exception")
        verbose_name_plural = _("quota exceptions")
        ordering = ["customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "customer"],
                                    name="one_exception_per_store_and_allocation"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id} {self.customer_id} {self.cartons}"


# --- Calls ----------------------------------------------------------------------------

class CallOutcome(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    NO_NEED = "no_need", _("No need")
    NO_ANSWER = "no_answer", _("No answer")
    CALL_BACK = "call_back", _("Call back")


class CallRecord(models.Model):
    """One call of a clerk to a store (a store may be called several times a day)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="calls", verbose_name=_("customer"))
    clerk = models.ForeignKey("customers.User", on_delete=models.PROTECT,
                              related_name="calls", verbose_name=_("clerk"))
    call_date = models.DateField(_("call date"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallOutcome.choices)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="calls", verbose_name=_("order"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-ended_at", "-id"]
        indexes = [models.Index(fields=["clerk", "call_date"]),
                   models.Index(fields=["customer", "call_date"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.call_date} {self.outcome}"


# --- Imports --------------------------------------------------------------------------

class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Rejected")
    DONE = "done", _("Done")


class OrderImport(models.Model):
    """One upload of historical orders, with its progress and its report."""

    file = models.FileField(_("file"), upload_to="order_imports/", storage=private_storage)
    file_name = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey("customers.User", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.PENDING)
    stage = models.CharField(_("stage"), max_length=50, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    bad_rows = models.PositiveIntegerField(_("bad rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    orders_created = models.PositiveIntegerField(_("orders created"), default=0)
    lines_created = models.PositiveIntegerField(_("lines created"), default=0)
    orders_skipped = models.PositiveIntegerField(_("orders already present"), default=0)
    skipped = models.JSONField(_("rows skipped"), default=list, blank=True)
    orders_supplementary = models.PositiveIntegerField(_("supplementary orders created"),
                                                       default=0)
    supplementary = models.JSONField(_("rows imported as supplementary orders"),
                                     default=list, blank=True)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.status}"


class BriefingKind(models.TextChoices):
    SUPPLY = "supply", _("Supply and quotas")
    NEW_PRODUCT = "new_product", _("New product")
    PRICE = "price", _("Price change")
    PROMOTION = "promotion", _("Promotion")
    POLICY = "policy", _("Policy notice")


class BriefingNote(models.Model):
    """A note the clerks read before their first call of a cycle, entered by an
    administrator or a supervisor."""

    cycle_start = models.DateField(_("order cycle (Monday)"))
    kind = models.CharField(_("kind"), max_length=12, choices=BriefingKind.choices)
    text = models.TextField(_("text"), max_length=1000)
    created_by = models.ForeignKey("customers.User", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("written by"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("briefing note")
        verbose_name_plural = _("briefing notes")
        indexes = [models.Index(fields=["cycle_start", "kind"])]

    def __str__(self) -> str:
        return f"{self.cycle_start} {self.kind}"


class DeliveryContact(models.Model):
    """Who delivers to the stores of a territory (its delivery line), to give a store
    that asks on the phone."""

    territory = models.OneToOneField("customers.Territory", on_delete=models.CASCADE,
                                     related_name="delivery_contact",
                                     verbose_name=_("territory"))
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)

    class Meta:
        verbose_name = _("delivery contact")
        verbose_name_plural = _("delivery contacts")

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"
