"""Visit plans (拜访计划) and the visits logged at the counter (拜访记录)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_project.storage import private_storage


class KeyAim(models.TextChoices):
    """Why a stop is a key visit (重点拜访)."""

    CHURN_WARNING = "churn_warning", _("Churn warning open")
    COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("Complaint follow-up")
    GRADE_DROP = "grade_drop", _("Grade drop")
    NEW_PRODUCT = "new_product", _("New-product push")
    MISSED_VISIT = "missed_visit", _("Missed visit carried forward")
    # A key account (大客户) a supervisor has not visited this quarter.
    SUPERVISOR_VISIT = "supervisor_visit", _("Supervisor visit (key account)")
    # Care (客户关怀): an occasion in the days from the plan's first day.
    CARE_BIRTHDAY = "care_birthday", _("Care: operator's birthday")
    CARE_ANNIVERSARY = "care_anniversary", _("Care: store anniversary")
    CARE_FESTIVAL = "care_festival", _("Care: festival greetings")


CARE_AIMS = {"birthday": KeyAim.CARE_BIRTHDAY, "anniversary": KeyAim.CARE_ANNIVERSARY,
             "festival": KeyAim.CARE_FESTIVAL}


class StopStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")


class VisitStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class PlannedVisit(models.Model):
    """One stop of a manager's day, in route order (路序)."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="planned_visits", verbose_name=_("manager"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="planned_visits", verbose_name=_("customer"))
    date = models.DateField(_("date"))
    sequence = models.PositiveSmallIntegerField(_("route order"))
    planned_start = models.TimeField(_("planned arrival"))
    travel_minutes = models.PositiveIntegerField(_("travel minutes"), default=0)
    service_minutes = models.PositiveIntegerField(_("minutes in store"))
    aims = models.JSONField(_("key-visit aims"), default=list, blank=True)
    added_by_manager = models.BooleanField(_("added by the manager"), default=False)
    # The manager put the day in their own order: regenerating the plan keeps that day.
    order_locked = models.BooleanField(_("order set by hand"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=StopStatus.choices,
                              default=StopStatus.PLANNED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["manager", "date", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["manager", "date", "customer"],
                                    name="one_stop_per_store_and_day"),
        ]
        indexes = [models.Index(fields=["manager", "date", "status"])]

    def __str__(self) -> str:
        return f"{self.date} #{self.sequence} {self.customer_id}"

    @property
    def is_key(self) -> bool:
        return bool(self.aims)

    @property
    def progress(self) -> str:
        """What the day page says of the stop: in progress once its visit has started."""
        visit = getattr(self, "visit", None)
        if self.status == StopStatus.PLANNED and visit is not None \
                and visit.status == VisitStatus.IN_PROGRESS:
            return VisitStatus.IN_PROGRESS
        return self.status

    def get_progress_display(self) -> str:
        return str({**dict(StopStatus.choices), **dict(VisitStatus.choices)}[self.progress])

    def get_aims_display(self) -> list[str]:
        labels = dict(KeyAim.choices)
        return [str(labels.get(aim, aim)) for aim in self.aims]


class Visit(models.Model):
    """A visit to a store, planned or not, from arrival to leaving."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="visits", verbose_name=_("customer"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="visits", verbose_name=_("manager"))
    planned_visit = models.OneToOneField(PlannedVisit, on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="visit",
                                         verbose_name=_("planned visit"))
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=VisitStatus.choices,
                              default=VisitStatus.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    start_latitude = models.DecimalField(_("start latitude"), max_digits=9, decimal_places=6,
                                         null=True, blank=True)
    start_longitude = models.DecimalField(_("start longitude"), max_digits=9,
                                          decimal_places=6, null=True, blank=True)
    finish_latitude = models.DecimalField(_("finish latitude"), max_digits=9,
                                          decimal_places=6, null=True, blank=True)
    finish_longitude = models.DecimalField(_("finish longitude"), max_digits=9,
                                           decimal_places=6, null=True, blank=True)
    # Check-in: metres between where the visit started and the store's coordinates.
    start_distance_m = models.PositiveIntegerField(_("distance from the store at start (m)"),
                                                   null=True, blank=True)
    far_from_store = models.BooleanField(_("started far from the store"), default=False)
    location_note = models.TextField(_("why the start was far from the store"), blank=True)
    short_reason = models.TextField(_("why the visit was short"), blank=True)
    # Sent with a visit log queued on the phone without a connection: a second delivery of
    # the same log finds it here and changes nothing.
    submission_token = models.CharField(_("submission token"), max_length=64, blank=True,
                                        editable=False)
    actions = models.JSONField(_("actions done"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    next_actions = models.TextField(_("next actions"), blank=True)
    # What the manager has typed so far, saved on each change so a reload loses nothing.
    draft = models.JSONField(_("draft"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=models.F("started_at")),
                name="visit_finish_after_start",
            ),
        ]
        indexes = [models.Index(fields=["manager", "date"]),
                   models.Index(fields=["customer", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.customer_id}"

    @property
    def minutes(self) -> int | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds() / 60)


class PriceStockRecord(models.Model):
    """Observed retail price and cartons in stock of one SKU at one visit (价存采集)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="price_stock",
                              verbose_name=_("visit"))
    product = models.ForeignKey("phone_orders.Product", on_delete=models.PROTECT,
                                related_name="price_stock_records", verbose_name=_("SKU"))
    retail_price = models.DecimalField(_("observed retail price per carton"), max_digits=10,
                                       decimal_places=2,
                                       validators=[MinValueValidator(Decimal("0.01"))])
    stock_cartons = models.PositiveIntegerField(_("cartons in stock"))
    outside_guidance = models.BooleanField(_("price outside guidance"), default=False)

    class Meta:
        verbose_name = _("price and stock record")
        verbose_name_plural = _("price and stock records")
        ordering = ["visit", "product"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "product"], name="one_record_per_sku"),
            models.CheckConstraint(condition=Q(retail_price__gt=0),
                                   name="price_stock_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.product_id}"


def photo_path(instance, filename: str) -> str:
    # The stored name never comes from the user: only the checked type decides the suffix.
    return f"visits/{instance.visit_id}/{instance.token}.{instance.extension}"


class VisitPhoto(models.Model):
    """A photo of the store's display (陈列) taken at a visit. Stored privately, served only
    through a view that checks the visit is in the user's scope."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos",
                              verbose_name=_("visit"))
    file = models.FileField(_("file"), upload_to=photo_path, storage=private_storage,
                            max_length=200)
    token = models.CharField(max_length=32, editable=False)
    extension = models.CharField(max_length=5, editable=False)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("display photo")
        verbose_name_plural = _("display photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.token}"


class SampleStore(models.Model):
    """A sample store (样本点): its manager collects price and stock on every visit, and the
    sample report follows prices and shortages across the territory from them."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE,
                                    related_name="sample_store", verbose_name=_("customer"))
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("marked by"))
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sample store")
        verbose_name_plural = _("sample stores")
        ordering = ["customer"]

    def __str__(self) -> str:
        return str(self.customer_id)


class SupervisorVisit(models.Model):
    """A visit of a key account by a supervisor (or an admin): senior staff see every key
    account once a quarter (大客户由上级走访). Until then the store's next planned visit
    carries the aim "supervisor visit (key account)"."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="supervisor_visits", verbose_name=_("customer"))
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("supervisor"))
    date = models.DateField(_("date"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supervisor visit")
        verbose_name_plural = _("supervisor visits")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["customer", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.customer_id}"
