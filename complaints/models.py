"""Complaints (投诉处理): what a store complained about, who handles it, each handling step,
the deadlines and the call-back. Orders and visits are referenced by plain values until
those apps land on main (the lead wires foreign keys after merging)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm_project.storage import private_storage


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("At a visit")
    HOTLINE = "hotline", _("12313 hotline")
    WALK_IN = "walk_in", _("Walk-in")
    ONLINE = "online", _("Online")


class Kind(models.TextChoices):
    PRODUCT_QUALITY = "product_quality", _("Product quality")
    AGREEMENT = "agreement", _("Agreement")
    DELIVERY = "delivery", _("Delivery")
    SERVICE = "service", _("Service")


class Nature(models.TextChoices):
    GOOD_FAITH = "good_faith", _("In good faith")
    MALICIOUS = "malicious", _("Malicious")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Responsibility(models.TextChoices):
    COMPANY = "company", _("Company")
    CARRIER = "carrier", _("Carrier")
    STORE = "store", _("Store")
    THIRD_PARTY = "third_party", _("Third party")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Store acknowledged")
    INVESTIGATED = "investigated", _("Investigated")
    PROPOSED = "proposed", _("Solution proposed")
    AGREED = "agreed", _("Solution agreed")
    CARRIED_OUT = "carried_out", _("Carried out")
    CALLED_BACK = "called_back", _("Called back")
    CLOSED = "closed", pgettext_lazy("complaint", "Closed")


OPEN_STATUSES = [s for s in Status.values if s != Status.CLOSED]


class ResolutionTarget(models.Model):
    """How many days a complaint of a severity may take to resolve; set by admins."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                unique=True)
    days = models.PositiveSmallIntegerField(_("days to resolve"),
                                            validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("resolution target")
        verbose_name_plural = _("resolution targets")
        ordering = ["days"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.days}"


class Complaint(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="complaints", verbose_name=_("store"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    nature = models.CharField(_("nature"), max_length=12, choices=Nature.choices,
                              default=Nature.GOOD_FAITH)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                default=Severity.MEDIUM)
    description = models.TextField(_("description"))
    product = models.ForeignKey("phone_orders.Product", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="complaints", verbose_name=_("SKU"))
    order = models.ForeignKey("phone_orders.Order", on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="complaints", verbose_name=_("order"))
    # A reference the store quotes that is not an order of this system (delivery note...).
    order_ref = models.CharField(_("order reference"), max_length=40, blank=True,
                                 db_index=True)
    visit = models.ForeignKey("visits.Visit", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="complaints", verbose_name=_("visit"))
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="complaints_taken", verbose_name=_("taken by"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="complaints_handled",
                                verbose_name=_("handler"))
    status = models.CharField(_("status"), max_length=15, choices=Status.choices,
                              default=Status.RECEIVED)

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    first_reply_due = models.DateTimeField(_("first reply due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    expected_resolution = models.DateField(_("expected handling date"), null=True, blank=True)

    cause = models.TextField(_("cause"), blank=True)
    responsibility = models.CharField(_("responsibility"), max_length=12,
                                      choices=Responsibility.choices, blank=True)
    solution = models.TextField(_("solution"), blank=True)
    compensation = models.DecimalField(_("compensation (yuan)"), max_digits=12,
                                       decimal_places=2, default=0,
                                       validators=[MinValueValidator(0)])
    approval_required = models.BooleanField(_("needs supervisor approval"), default=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("carried out at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1-5)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    store_feedback = models.TextField(_("store's words"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True,
                                               blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")  # 投诉
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1,
                                                           satisfaction__lte=5),
                name="complaint_satisfaction_1_5",
            ),
            models.CheckConstraint(condition=Q(compensation__gte=0),
                                   name="complaint_compensation_not_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["handler", "status"]),
            models.Index(fields=["status", "resolution_due"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer_id} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def first_reply_overdue(self) -> bool:
        reply_at = self.acknowledged_at or timezone.now()
        return reply_at > self.first_reply_due

    @property
    def resolution_overdue(self) -> bool:
        if self.is_open:
            return timezone.now() > self.resolution_due
        return bool(self.closed_at and self.closed_at > self.resolution_due)

    @property
    def is_overdue(self) -> bool:
        """Overdue now: an open complaint past either deadline."""
        if not self.is_open:
            return False
        now = timezone.now()
        return now > self.resolution_due or (self.acknowledged_at is None
                                             and now > self.first_reply_due)

    @property
    def needs_approval(self) -> bool:
        return self.approval_required and self.approved_at is None


class StepKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Handler assigned")
    ACKNOWLEDGED = "acknowledged", _("Store acknowledged")
    INVESTIGATED = "investigated", _("Investigated")
    PROPOSED = "proposed", _("Solution proposed")
    APPROVED = "approved", _("Solution approved")
    AGREED = "agreed", _("Solution agreed")
    CARRIED_OUT = "carried_out", _("Carried out")
    CALLED_BACK = "called_back", _("Called back")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", pgettext_lazy("complaint", "Closed")
    ATTACHMENT = "attachment", _("File attached")


class ComplaintStep(models.Model):
    """One handling step: who did what and when (the complaint's audit trail)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps",
                                  verbose_name=_("complaint"))
    kind = models.CharField(_("step"), max_length=15, choices=StepKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("handling step")
        verbose_name_plural = _("handling steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


def attachment_path(instance, filename: str) -> str:
    # The stored name never comes from the user: only the checked type decides the suffix.
    return f"complaints/{instance.complaint_id}/{instance.token}.{instance.extension}"


class Attachment(models.Model):
    """A photo or PDF. Stored under MEDIA_ROOT, served only through a scoped view."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE,
                                  related_name="attachments", verbose_name=_("complaint"))
    file = models.FileField(_("file"), upload_to=attachment_path, storage=private_storage,
                            max_length=200)
    token = models.CharField(max_length=32, editable=False)
    extension = models.CharField(max_length=5, editable=False)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# ---------------------------------------------------------------------------------------
# Satisfaction surveys (满意度调查) and service call-backs (服务回访)

SCORE_1_5 = [MinValueValidator(1), MaxValueValidator(5)]


class Dimension(models.TextChoices):
    """The five service dimensions a survey asks about, each scored 1-5."""

    RELIABILITY = "reliability", _("Reliability")  # 可靠性
    RESPONSIVENESS = "responsiveness", _("Responsiveness")  # 响应性
    ASSURANCE = "assurance", _("Assurance")  # 保证性
    EMPATHY = "empathy", _("Empathy")  # 移情性
    TANGIBLES = "tangibles", _("Tangibles")  # 有形性


class SampleMethod(models.TextChoices):
    RANDOM = "random", _("Random")
    STRATIFIED = "stratified", _("Stratified by territory and grade")


class Survey(models.Model):
    title = models.CharField(_("title"), max_length=200)
    # The question asked for each dimension, keyed by Dimension value.
    questions = models.JSONField(_("questions"), default=dict, blank=True)
    sample_method = models.CharField(_("sample method"), max_length=12,
                                     choices=SampleMethod.choices, blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    population_size = models.PositiveIntegerField(_("population size"), null=True, blank=True)
    sampled_at = models.DateTimeField(_("sampled at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self):
        return self.title


class SurveySample(models.Model):
    """A store drawn into a survey's sample."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sample")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="survey_samples")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "customer"],
                                               name="survey_sample_once")]

    def __str__(self):
        return f"{self.survey} · {self.customer_id}"


class SurveyAnswer(models.Model):
    """One store's answer to a survey: a score 1-5 per dimension and free text."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="survey_answers")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    reliability = models.PositiveSmallIntegerField(_("reliability"), validators=SCORE_1_5)
    responsiveness = models.PositiveSmallIntegerField(_("responsiveness"), validators=SCORE_1_5)
    assurance = models.PositiveSmallIntegerField(_("assurance"), validators=SCORE_1_5)
    empathy = models.PositiveSmallIntegerField(_("empathy"), validators=SCORE_1_5)
    tangibles = models.PositiveSmallIntegerField(_("tangibles"), validators=SCORE_1_5)
    comment = models.TextField(_("comment"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "customer"], name="survey_answer_once"),
            *[models.CheckConstraint(condition=Q(**{f"{d}__gte": 1, f"{d}__lte": 5}),
                                     name=f"survey_answer_{d}_1_5") for d in Dimension.values],
        ]

    def __str__(self):
        return f"{self.survey} · {self.customer_id}"

    @property
    def average(self) -> float:
        return sum(getattr(self, d) for d in Dimension.values) / len(Dimension.values)


class CallbackSubject(models.TextChoices):
    VISIT = "visit", _("Finished visit")
    ORDER = "order", _("Confirmed order")


class Callback(models.Model):
    """A service call-back (回访) on a finished visit or a confirmed order, picked by
    `surveys.callbacks_pick`; answered by a clerk."""

    subject = models.CharField(_("subject"), max_length=10, choices=CallbackSubject.choices)
    visit = models.OneToOneField("visits.Visit", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="+")
    order = models.OneToOneField("phone_orders.Order", on_delete=models.CASCADE, null=True,
                                 blank=True, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="callbacks")
    # The manager (visit) or clerk (order) whose service is checked.
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    as_agreed = models.BooleanField(_("done as agreed"), null=True, blank=True)
    attitude = models.PositiveSmallIntegerField(_("attitude (1-5)"), null=True, blank=True,
                                                validators=SCORE_1_5)
    remarks = models.TextField(_("remarks"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attitude__isnull=True) | Q(attitude__gte=1, attitude__lte=5),
                name="callback_attitude_1_5"),
            models.CheckConstraint(
                condition=(Q(subject="visit", visit__isnull=False, order__isnull=True)
                           | Q(subject="order", order__isnull=False, visit__isnull=True)),
                name="callback_one_subject"),
        ]

    def __str__(self):
        return f"{self.get_subject_display()} #{self.visit_id or self.order_id}"
