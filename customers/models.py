"""Organisation, users and the retail customer record (客户档案).

Customers sit at the bottom of the app graph: orders, visits, complaints and reports all
read from here. Purchases per store per month and churn warnings live here too, so that
grading and churn can work from a few rows per store without importing other apps.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import validate_customer_code, validate_license_no, validate_phone


class Department(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("marketing department")  # 营销部
        verbose_name_plural = _("marketing departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Territory(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="territories",
        verbose_name=_("department"),
    )

    class Meta:
        verbose_name = _("territory")  # 片区/线路
        verbose_name_plural = _("territories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Role(models.TextChoices):
    MANAGER = "manager", _("Customer manager")  # 客户经理
    CLERK = "clerk", _("Order clerk")  # 电话订货员
    SUPERVISOR = "supervisor", _("Supervisor")  # 营销部主任
    ADMIN = "admin", _("Administrator")  # 系统管理员


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
        verbose_name=_("department"),
    )
    # A clerk calls the stores of these territories; a manager works in them.
    territories = models.ManyToManyField(
        Territory, blank=True, related_name="staff", verbose_name=_("territories")
    )
    employee_no = models.CharField(_("employee number"), max_length=20, blank=True)
    # The user's own choice of language; empty means the site's default (Chinese), never
    # what the browser asks for.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    # Where a manager's route starts (office or home), for the visit planner.
    start_latitude = models.DecimalField(
        _("route start latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    start_longitude = models.DecimalField(
        _("route start longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def save(self, *args, **kwargs):
        # Any path that changes the password (admin, password form, set_password in a
        # service or the shell) or deactivates the account ends its API tokens.
        from crm_project.tokens import tokens_revoke

        credentials_changed = self._password is not None or not self.is_active
        super().save(*args, **kwargs)
        if credentials_changed:
            tokens_revoke(user=self)

    def get_full_name(self) -> str:
        return self.full_name_of(self.first_name, self.last_name)

    @staticmethod
    def full_name_of(first_name: str, last_name: str) -> str:
        """Chinese names are family name first, with no space (also for rows read as
        values, without loading the users)."""
        return f"{last_name}{first_name}".strip()

    @property
    def is_admin_role(self) -> bool:
        """Alias of customers.access.is_admin, for code that reads it off the user."""
        from .access import is_admin

        return is_admin(self)


class Network(models.TextChoices):
    URBAN = "urban", _("Urban network")  # 城网
    RURAL = "rural", _("Rural network")  # 农网


class BusinessFormat(models.TextChoices):
    CONVENIENCE = "convenience", _("Convenience store")  # 便利店
    TOBACCO_LIQUOR = "tobacco_liquor", _("Tobacco and liquor shop")  # 烟酒店
    SUPERMARKET = "supermarket", _("Supermarket")  # 超市
    GROCERY = "grocery", _("Grocery kiosk")  # 食杂店
    ENTERTAINMENT = "entertainment", _("Entertainment venue")  # 娱乐服务类
    OTHER = "other", _("Other")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class OrderChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")
    VISIT = "visit", _("At visit")


class SettlementMethod(models.TextChoices):
    CASH = "cash", _("Cash on delivery")
    BANK = "bank", _("Bank transfer")
    ELECTRONIC = "electronic", _("Electronic settlement")


class DeliveryMethod(models.TextChoices):
    DOOR = "door", _("Delivered to the store")
    PICKUP = "pickup", _("Picked up")


class Temperament(models.TextChoices):
    STABLE = "stable", _("Stable")  # 稳定型
    FLEXIBLE = "flexible", _("Flexible")  # 灵活型
    RIGID = "rigid", _("Rigid")  # 呆板型
    HESITANT = "hesitant", _("Hesitant")  # 犹豫型
    IRRITABLE = "irritable", _("Irritable")  # 暴躁型


class Rating(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


WEEKDAYS = [
    (1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")),
    (5, _("Friday")), (6, _("Saturday")), (7, _("Sunday")),
]


# A store's grade as the customer queryset reads it (name on Customer -> CustomerGrade
# field). The grading run rewrites these for every store each month; they live in the
# narrow CustomerGrade table so that the run does not rewrite a million wide customer rows.
GRADE_ATTRIBUTES = {"grade": "grade", "tier": "tier", "monthly_average": "monthly_average",
                    "grade_as_of": "as_of"}


def grade_annotations() -> dict:
    """The grade attributes as annotations over a customer queryset (a store never graded
    has grade "" and the rest None, as the columns on the customer record had)."""
    return {name: (Coalesce(F("grading__" + column), Value(""),
                            output_field=models.CharField())
                   if name == "grade" else F("grading__" + column))
            for name, column in GRADE_ATTRIBUTES.items()}


class CustomerQuerySet(models.QuerySet):
    def select_for_update(self, nowait=False, skip_locked=False, of=(), no_key=False):
        """Locks the customer rows only: the grade comes by an outer join, and PostgreSQL
        refuses FOR UPDATE on the nullable side of one."""
        return super().select_for_update(nowait=nowait, skip_locked=skip_locked,
                                         of=of or ("self",), no_key=no_key)


class CustomerManager(models.Manager.from_queryset(CustomerQuerySet)):
    def get_queryset(self):
        # Unused, the outer join costs nothing: PostgreSQL drops a left join to a unique
        # key when no column of it is read (counts, exists, values of other columns).
        return super().get_queryset().annotate(**grade_annotations())


def _grade_property(name: str, label) -> property:
    key = "_" + name

    def read(self):
        if key not in self.__dict__:
            row = None
            if self.pk is not None:
                try:
                    row = self.grading
                except CustomerGrade.DoesNotExist:
                    row = None
            self.grade_load(row)
        return self.__dict__[key]

    def write(self, value):
        self.__dict__[key] = value

    read.short_description = label  # the admin's column and field label
    return property(read, write, doc=f"The store's {name} (CustomerGrade; read-only in "
                                     "the database through the customer).")


class Customer(models.Model):
    # Basic information (基本信息)
    code = models.CharField(
        _("customer code"), max_length=20, unique=True, validators=[validate_customer_code]
    )  # 客户编码
    name = models.CharField(_("store name"), max_length=100)  # 店名
    # Pinyin initials of the store name, so "bld" finds 百利达便利店.
    name_initials = models.CharField(_("name initials"), max_length=100, blank=True,
                                     editable=False)
    license_no = models.CharField(
        _("licence number"), max_length=30, unique=True, validators=[validate_license_no]
    )  # 许可证号
    owner = models.CharField(_("operator"), max_length=50)  # 经营者
    # Pinyin initials of the operator's name, so "zs" finds 张三's stores.
    owner_initials = models.CharField(_("operator initials"), max_length=50, blank=True,
                                      editable=False)
    legal_representative = models.CharField(_("legal representative"), max_length=50,
                                            blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True,
                             validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200)
    business_hours = models.CharField(_("business hours"), max_length=50, blank=True)
    shop_sign = models.CharField(_("shop sign"), max_length=100, blank=True)  # 门头
    facility_type = models.CharField(_("facility type"), max_length=50, blank=True)
    business_format = models.CharField(_("business format"), max_length=20,
                                       choices=BusinessFormat.choices,
                                       default=BusinessFormat.CONVENIENCE)  # 业态
    network = models.CharField(_("network"), max_length=10, choices=Network.choices,
                               default=Network.URBAN)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    # No single-column indexes on the foreign keys: the composite indexes below lead with
    # them and serve the same lookups.
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="customers",
                                  verbose_name=_("territory"), db_index=False)
    manager = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="customers",
        verbose_name=_("customer manager"), limit_choices_to={"role": Role.MANAGER},
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=10, choices=CustomerStatus.choices,
                              default=CustomerStatus.ACTIVE)

    # Business handling (业务处理)
    standard_class = models.CharField(_("standard class"), max_length=20, blank=True)
    order_weekday = models.PositiveSmallIntegerField(
        _("order weekday"), choices=WEEKDAYS, default=2,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    delivery_weekday = models.PositiveSmallIntegerField(
        _("delivery weekday"), choices=WEEKDAYS, null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    order_channel = models.CharField(_("order channel"), max_length=10,
                                     choices=OrderChannel.choices, default=OrderChannel.PHONE)
    settlement_method = models.CharField(_("settlement method"), max_length=12,
                                         choices=SettlementMethod.choices,
                                         default=SettlementMethod.ELECTRONIC)
    delivery_method = models.CharField(_("delivery method"), max_length=10,
                                       choices=DeliveryMethod.choices,
                                       default=DeliveryMethod.DOOR)
    delivery_time = models.CharField(_("delivery time"), max_length=50, blank=True)

    # Operating information (经营信息)
    operator_background = models.TextField(_("operator background"), blank=True)
    education = models.CharField(_("education"), max_length=50, blank=True)
    family = models.CharField(_("family"), max_length=100, blank=True)
    personality = models.CharField(_("personality"), max_length=100, blank=True)
    temperament = models.CharField(_("temperament"), max_length=10,
                                   choices=Temperament.choices, blank=True)
    needs = models.TextField(_("needs"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    gross_margin_percent = models.DecimalField(
        _("gross margin %"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    brands_stocked = models.PositiveSmallIntegerField(_("brands on shelf"), null=True,
                                                      blank=True)  # 品牌上柜数
    sales_structure = models.CharField(_("sales structure"), max_length=200, blank=True)
    lawful_operation = models.CharField(_("lawful operation"), max_length=10,
                                        choices=Rating.choices, blank=True)  # 守法经营
    price_compliance = models.CharField(_("price compliance"), max_length=10,
                                        choices=Rating.choices, blank=True)  # 价格执行
    new_product_listing = models.CharField(_("new product listing"), max_length=10,
                                           choices=Rating.choices, blank=True)
    birthday = models.DateField(_("operator's birthday"), null=True, blank=True)
    anniversary = models.DateField(_("store anniversary"), null=True, blank=True)

    # Credit (信誉)
    registered_capital = models.DecimalField(_("registered capital (yuan)"), max_digits=14,
                                             decimal_places=2, null=True, blank=True,
                                             validators=[MinValueValidator(Decimal("0"))])
    credit_limit = models.DecimalField(_("credit limit (yuan)"), max_digits=14,
                                       decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(Decimal("0"))])
    credit_term_days = models.PositiveSmallIntegerField(_("credit term (days)"), null=True,
                                                        blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=100, blank=True)

    # Derived, written by the ordering services (never edited by hand). The grade lives
    # in CustomerGrade (below); the queryset reads it back as grade, tier, monthly_average
    # and grade_as_of.
    last_order_date = models.DateField(_("last order date"), null=True, blank=True,
                                       editable=False)
    open_complaint_count = models.PositiveIntegerField(_("open complaints"), default=0,
                                                       editable=False)
    # Written nightly by the churn scan with the churn model in service (customers.grading).
    churn_risk = models.PositiveSmallIntegerField(
        _("churn risk (%)"), null=True, blank=True, editable=False,
        help_text=_("Probability that the store places no order within the horizon."))
    churn_risk_as_of = models.DateField(_("churn risk as of"), null=True, blank=True,
                                        editable=False)
    # What drives the risk of a store at or above the warning threshold, as codes and
    # numbers (customers.grading.reasons renders them in the reader's language).
    churn_reasons = models.JSONField(_("churn risk reasons"), default=list, blank=True,
                                     editable=False)
    # Written by customers.keyaccounts when a supervisor confirms or drops a proposal.
    is_key_account = models.BooleanField(_("key account"), default=False, editable=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["name_initials", "owner_initials", "updated_at", "last_order_date",
                         "open_complaint_count", "churn_risk", "churn_risk_as_of",
                         "churn_reasons"],
        verbose_name=_("historical customer"),
    )

    objects = CustomerManager()

    grade = _grade_property("grade", _("grade"))
    tier = _grade_property("tier", _("tier"))
    monthly_average = _grade_property("monthly_average", _("monthly average purchase (yuan)"))
    grade_as_of = _grade_property("grade_as_of", _("graded as of"))

    class Meta:
        verbose_name = _("retail customer")  # 零售客户
        verbose_name_plural = _("retail customers")
        ordering = ["code"]
        # A grade has three values: scoped lists reach the stores by manager or territory
        # first.
        indexes = [
            models.Index(fields=["manager", "status"]),
            models.Index(fields=["territory", "status", "order_weekday"]),
            models.Index(fields=["status", "last_order_date"]),
            models.Index(fields=["name_initials"], name="customer_initials_prefix",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["owner_initials"], name="customer_owner_initials",
                         opclasses=["varchar_pattern_ops"]),
            # Substring search (icontains) on name, owner and phone: trigram indexes.
            *(GinIndex(fields=[column], opclasses=["gin_trgm_ops"],
                       name=f"customers_customer_{column}_trgm")
              for column in ("name", "owner", "phone")),
            GinIndex(fields=["address"], opclasses=["gin_trgm_ops"],
                     name="customer_address_trgm"),
            # The few key accounts, found without reading the million stores (the
            # morning view's key-account share).
            models.Index(fields=["territory", "id"], condition=Q(is_key_account=True),
                         name="customer_key_accounts"),
            # The care reminders' window of birthdays and anniversaries (month and day),
            # looked up instead of read off every store of the scope on each home page.
            models.Index(ExtractMonth("birthday"), ExtractDay("birthday"),
                         name="customer_birthday_month_day"),
            models.Index(ExtractMonth("anniversary"), ExtractDay("anniversary"),
                         name="customer_anniversary_month_day"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def refresh_initials(self) -> None:
        """The pinyin initials searched for the store's and the operator's names."""
        from .pinyin import name_initials

        self.name_initials = name_initials(self.name)
        self.owner_initials = name_initials(self.owner)[:50]

    @property
    def is_active(self) -> bool:
        return self.status == CustomerStatus.ACTIVE

    def get_grade_display(self) -> str:
        return Grade(self.grade).label if self.grade else ""

    def grade_load(self, row: "CustomerGrade | None") -> None:
        """Sets the grade attributes from a CustomerGrade row (None: never graded)."""
        for name, column in GRADE_ATTRIBUTES.items():
            value = getattr(row, column) if row is not None else None
            self.__dict__["_" + name] = "" if name == "grade" and value is None else value

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        for name in GRADE_ATTRIBUTES:
            self.__dict__.pop("_" + name, None)
        self._state.fields_cache.pop("grading", None)
        if fields is not None:
            fields = [field for field in fields if field not in GRADE_ATTRIBUTES]
            if not fields:
                return
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class CustomerGrade(models.Model):
    """A store's current grade (客户等级), one row per graded store, written whole by the
    grading run. Narrow on purpose: rewriting a million of these costs a fraction of
    rewriting the wide customer rows. Read through the customer queryset (grade, tier,
    monthly_average, grade_as_of); each month's figures behind it are in GradeSnapshot."""

    # No database constraint, as for GradeSnapshot: the rows are written by the grading job
    # for stores it has just read, and validating a new table's million references took a
    # second; a store deleted through Django still takes its row with it.
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True,
                                    db_constraint=False, related_name="grading",
                                    verbose_name=_("customer"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    monthly_average = models.DecimalField(_("monthly average purchase (yuan)"),
                                          max_digits=14, decimal_places=2, null=True,
                                          blank=True)
    as_of = models.DateField(_("graded as of"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer grade")
        verbose_name_plural = _("customer grades")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.grade}"


class MonthlyPurchase(models.Model):
    """Purchases of one store in one calendar month, kept current by the order services.

    Grading reads these rows instead of re-summing order lines.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE,
                                 related_name="monthly_purchases",
                                 verbose_name=_("customer"))
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2,
                                 default=Decimal("0"))
    cartons = models.IntegerField(_("cartons"), default=0)
    orders = models.IntegerField(_("orders"), default=0)

    class Meta:
        verbose_name = _("monthly purchase")
        verbose_name_plural = _("monthly purchases")
        ordering = ["customer", "month"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"],
                                    name="uniq_monthly_purchase"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_purchase_first_day"),
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.amount}"


class ChurnReason(models.TextChoices):
    NO_ORDER = "no_order", _("No order for several cycles")  # 断订
    PURCHASE_DROP = "purchase_drop", _("Purchases falling")
    GRADE_DROP = "grade_drop", _("Grade dropped")
    COMPLAINT_OPEN = "complaint_open", _("Complaint open too long")
    # The churn model's risk passed the threshold while no rule holds: its reasons are the
    # store's own explanations (customers.grading.reasons).
    HIGH_RISK = "high_risk", _("High churn risk")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed as false alarm")


OPEN_WARNING_STATUSES = [WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED]


class ChurnWarning(models.Model):
    """A warning that a store may be lost (客户流失预警), worked by its manager."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE,
                                 related_name="churn_warnings", verbose_name=_("customer"))
    reason = models.CharField(_("reason"), max_length=20, choices=ChurnReason.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    owner = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="churn_warnings", verbose_name=_("owner"))
    status = models.CharField(_("status"), max_length=15, choices=WarningStatus.choices,
                              default=WarningStatus.OPEN)
    as_of = models.DateField(_("as of"))
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    handled_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))
    resolved_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("churn warning")
        verbose_name_plural = _("churn warnings")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="one_open_warning_per_store_and_reason",
            ),
            # The churn scan's reasons share one warning per store (customers.grading).
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=["open", "acknowledged"],
                            reason__in=["no_order", "purchase_drop", "grade_drop",
                                        "high_risk"]),
                name="one_open_scan_warning_per_store",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"]),
                   models.Index(fields=["status", "reason"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.reason} {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WARNING_STATUSES


# --- Grading (客户分类分级) and churn rules, written by the customers.grading package ---


class GradingMethod(models.TextChoices):
    CUMULATIVE_SHARE = "cumulative_share", _("Cumulative share of purchases")
    STANDARD_AMOUNTS = "standard_amounts", _("Standard amounts")  # 等级标准额


class GradingSettings(models.Model):
    """The one row of grading settings (pk=1), edited by admins; every edit is kept."""

    window_months = models.PositiveSmallIntegerField(
        _("window (months)"), default=3,
        validators=[MinValueValidator(3), MaxValueValidator(6)],
    )
    method = models.CharField(_("method"), max_length=20, choices=GradingMethod.choices,
                              default=GradingMethod.CUMULATIVE_SHARE)
    a_share_percent = models.DecimalField(
        _("A share (%)"), max_digits=5, decimal_places=2, default=Decimal("80"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    b_share_percent = models.DecimalField(
        _("B share (%)"), max_digits=5, decimal_places=2, default=Decimal("15"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    c_share_percent = models.DecimalField(
        _("C share (%)"), max_digits=5, decimal_places=2, default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    a_amount = models.DecimalField(_("A standard amount (yuan/month)"), max_digits=14,
                                   decimal_places=2, default=Decimal("30000"),
                                   validators=[MinValueValidator(Decimal("0.01"))])
    b_amount = models.DecimalField(_("B standard amount (yuan/month)"), max_digits=14,
                                   decimal_places=2, default=Decimal("10000"),
                                   validators=[MinValueValidator(Decimal("0.01"))])
    tier_count = models.PositiveSmallIntegerField(
        _("number of tiers"), default=30, help_text=_("0 turns the finer tiers off."),
        validators=[MaxValueValidator(100)],
    )  # 档位
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical grading settings"))

    class Meta:
        verbose_name = _("grading settings")
        verbose_name_plural = _("grading settings")

    def __str__(self) -> str:
        return str(_("grading settings"))


class GradeSnapshot(models.Model):
    """A store's grade for one month, with the numbers that explain it."""

    # No index of its own: the unique (customer, month) index serves lookups by store, and
    # one index fewer matters when a million rows are written each month. No database
    # constraint either: its deferred check of every new row against its store (a lookup
    # and a row lock per snapshot at commit) was the slowest part of a monthly grading run.
    # Snapshots are written only by the grading job, for stores it has just read in the
    # same transaction; stores are closed, never deleted, and a deletion through Django
    # still cascades (on_delete runs in Python).
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False,
                                 db_constraint=False, related_name="grade_snapshots",
                                 verbose_name=_("customer"))
    month = models.DateField(_("month"), help_text=_("First day of the graded month."))
    as_of = models.DateField(_("as of"))
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    monthly_average = models.DecimalField(_("monthly average purchase (yuan)"),
                                          max_digits=14, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))
    cumulative_share = models.DecimalField(_("cumulative share before the store (%)"),
                                           max_digits=7, decimal_places=4)
    window_months = models.PositiveSmallIntegerField(_("window (months)"))
    counted_months = models.PositiveSmallIntegerField(_("months counted"))
    method = models.CharField(_("method"), max_length=20, choices=GradingMethod.choices)

    class Meta:
        verbose_name = _("grade snapshot")
        verbose_name_plural = _("grade snapshots")
        ordering = ["customer", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"],
                                    name="uniq_grade_snapshot_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="grade_snapshot_first_day"),
        ]
        indexes = [models.Index(fields=["month", "grade"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.grade}"


class GradeChange(models.Model):
    """An upgrade or a downgrade of a store, found by a grading run."""

    # No database constraint, as for GradeSnapshot: a new month's run records tens of
    # thousands of changes, each checked and its store row locked at commit (1.6 s at a
    # million stores), for stores the job has just read in the same transaction.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_constraint=False,
                                 related_name="grade_changes", verbose_name=_("customer"))
    month = models.DateField(_("month"))
    as_of = models.DateField(_("as of"))
    old_grade = models.CharField(_("old grade"), max_length=1, choices=Grade.choices)
    new_grade = models.CharField(_("new grade"), max_length=1, choices=Grade.choices)
    old_monthly_average = models.DecimalField(_("old monthly average (yuan)"), max_digits=14,
                                              decimal_places=2, null=True, blank=True)
    new_monthly_average = models.DecimalField(_("new monthly average (yuan)"), max_digits=14,
                                              decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["-as_of", "-id"]
        indexes = [models.Index(fields=["customer", "-as_of"]),
                   models.Index(fields=["as_of"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.old_grade}->{self.new_grade}"

    @property
    def is_downgrade(self) -> bool:
        return self.new_grade > self.old_grade


MIN_HORIZON_WEEKS, MAX_HORIZON_WEEKS = 2, 26
MIN_RISK_THRESHOLD, MAX_RISK_THRESHOLD = 5, 95


class ChurnRuleSettings(models.Model):
    """The one row (pk=1) of churn rule parameters, edited by admins; every edit is kept."""

    no_order_cycles = models.PositiveSmallIntegerField(
        _("cycles without order"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    drop_percent = models.PositiveSmallIntegerField(
        _("purchase drop (%)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    grade_drop_days = models.PositiveSmallIntegerField(
        _("grade drop looked back (days)"), default=31,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )
    horizon_weeks = models.PositiveSmallIntegerField(
        _("churn horizon (weeks)"), default=8,
        validators=[MinValueValidator(MIN_HORIZON_WEEKS), MaxValueValidator(MAX_HORIZON_WEEKS)],
        help_text=_("The churn risk is the probability of no order within this many weeks."),
    )
    risk_threshold_percent = models.PositiveSmallIntegerField(
        _("warn from churn risk (%)"), default=50,
        validators=[MinValueValidator(MIN_RISK_THRESHOLD), MaxValueValidator(MAX_RISK_THRESHOLD)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical churn rule settings"))

    class Meta:
        verbose_name = _("churn rule settings")
        verbose_name_plural = _("churn rule settings")

    def __str__(self) -> str:
        return str(_("churn rule settings"))


class JobKind(models.TextChoices):
    GRADES = "grades", _("Grade recompute")
    CHURN = "churn", _("Churn scan")
    TRAIN = "train", _("Churn model training")


class ChurnModelStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", _("Rejected: not better than the baseline")


class ChurnModel(models.Model):
    """One training of the churn model: the fitted model, its back-test against the
    baseline "days since last order", and whether it is the one in service."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    as_of = models.DateField(_("trained as of"))
    horizon_weeks = models.PositiveSmallIntegerField(_("horizon (weeks)"))
    threshold_percent = models.PositiveSmallIntegerField(_("warning threshold (%)"))
    status = models.CharField(_("status"), max_length=12, choices=ChurnModelStatus.choices)
    model = models.BinaryField(_("model"), editable=False)
    metrics = models.JSONField(_("back-test figures"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    job_run = models.ForeignKey("JobRun", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("job run"))

    class Meta:
        verbose_name = _("churn model")
        verbose_name_plural = _("churn models")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="in_service"),
                                    name="one_churn_model_in_service"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.status}"


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    # The worker died mid-run (found by the reaper); the run can be restarted.
    INTERRUPTED = "interrupted", _("Interrupted")


class JobRun(models.Model):
    """One run of an overnight job, kept whether it succeeded or not."""

    kind = models.CharField(_("job"), max_length=10, choices=JobKind.choices)
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices,
                              default=JobStatus.RUNNING)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    stores_processed = models.PositiveIntegerField(_("stores processed"), default=0)
    changes = models.PositiveIntegerField(_("changes"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("started by"))
    # The Celery task that runs it: a redelivered message finds its run by this id.
    task_id = models.CharField(_("task id"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.as_of} {self.status}"


class GrowthBasis(models.TextChoices):
    YEAR_ON_YEAR = "year_on_year", _("The same three months a year before")
    PREVIOUS = "previous", _("The three months before")


class CooperationLevel(models.TextChoices):
    FAIR = "fair", _("Fair or good (none poor)")
    GOOD = "good", _("Good on all three")


# The Customer ratings that say how well a store cooperates (配合度).
COOPERATION_FIELDS = ("lawful_operation", "price_compliance", "new_product_listing")


class KeyAccountSettings(models.Model):
    """The one row of key-account criteria (大客户评定标准, pk=1), edited by admins; every
    edit is kept. A store is proposed when it meets every criterion that is set, or when
    it carries a manual flag (KeyAccountFlag)."""

    grades = models.CharField(_("grades"), max_length=3, default="A",
                              help_text=_("Letters of the grades that qualify, e.g. A or AB."))
    min_tier = models.PositiveSmallIntegerField(_("minimum tier"), null=True, blank=True)
    min_monthly_average = models.DecimalField(
        _("minimum monthly average purchase (yuan)"), max_digits=14, decimal_places=2,
        null=True, blank=True, validators=[MinValueValidator(Decimal("0"))],
    )
    # Growth of the purchases of the last three complete months (MonthlyPurchase), either
    # against the same three months a year before or against the three months before them.
    min_growth_percent = models.DecimalField(
        _("minimum purchase growth (%)"), max_digits=6, decimal_places=2, null=True,
        blank=True, validators=[MinValueValidator(Decimal("-100"))],
        help_text=_("Growth of the last three complete months' purchases; empty: not a "
                    "criterion."),
    )
    growth_basis = models.CharField(_("growth compared with"), max_length=12,
                                     choices=GrowthBasis.choices,
                                     default=GrowthBasis.YEAR_ON_YEAR)
    # Cooperation (配合度): the three ratings a manager keeps on the store's record
    # (lawful operation, price compliance, new-product listing). Each must reach this.
    min_cooperation = models.CharField(
        _("minimum cooperation rating"), max_length=10, choices=CooperationLevel.choices,
        blank=True,
        help_text=_("Lawful operation, price compliance and new-product listing must each "
                    "reach this rating; an unrated store does not qualify."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical key-account settings"))

    class Meta:
        verbose_name = _("key-account settings")
        verbose_name_plural = _("key-account settings")

    def __str__(self) -> str:
        return str(_("key-account settings"))


class KeyAccountFlag(models.Model):
    """An admin's manual flag: the store is proposed whatever the criteria say."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE,
                                    related_name="key_account_flag",
                                    verbose_name=_("customer"))
    reason = models.CharField(_("reason"), max_length=200)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("flagged by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("historical key-account flags"))

    class Meta:
        verbose_name = _("key-account flag")
        verbose_name_plural = _("key-account flags")
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""),
                                              name="key_account_flag_has_reason")]

    def __str__(self) -> str:
        return f"{self.customer} ({self.reason})"


class KeyAccountStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DROPPED = "dropped", _("Dropped")


class KeyAccount(models.Model):
    """A store proposed as a key account (大客户) for a month, then confirmed or dropped by
    a supervisor of its department or an admin."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE,
                                 related_name="key_accounts", verbose_name=_("customer"))
    month = models.DateField(_("month"))  # the first day
    status = models.CharField(_("status"), max_length=10, choices=KeyAccountStatus.choices,
                              default=KeyAccountStatus.PROPOSED)
    manual = models.BooleanField(_("flagged by hand"), default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        ordering = ["-month", "customer_id"]
        constraints = [models.UniqueConstraint(fields=["customer", "month"],
                                               name="key_account_once_a_month")]
        indexes = [models.Index(fields=["month", "status"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.month:%Y-%m} {self.status}"
