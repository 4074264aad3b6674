"""Every write of the complaint desk: intake, the handling workflow, attachments, the
overdue notices and the churn rule. Each step records who did it and when."""

import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError
from crm_project.uploads import sniff_content_type
from customers.access import Ability, roles_with
from customers.models import ChurnReason, Customer, User
from customers.selectors import customers_visible_to
from customers.services import (
    churn_warning_raise,
    churn_warning_resolve_open,
    customer_set_open_complaints,
)
from phone_orders.models import Order
from visits.models import Visit

from . import conf, deadlines, workflow
from .models import (
    OPEN_STATUSES,
    Attachment,
    Complaint,
    ComplaintStep,
    Nature,
    Responsibility,
    Severity,
    Status,
    StepKind,
)
from .selectors import OVERDUE, complaints_visible_to, handlers_visible_to
from .surveys import store_satisfaction_refresh


def attachment_check(upload) -> tuple[str, str]:
    """Refuse a file that is too big or is not an image (JPEG/PNG/GIF/WebP) or a PDF."""
    limit = conf.attachment_max_bytes()
    if upload.size > limit:
        raise BusinessError(
            _("%(name)s is larger than %(mb)s MB.")
            % {"name": upload.name, "mb": round(limit / (1024 * 1024), 1)},
            field="files",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff_content_type(head)
    if kind is None:
        raise BusinessError(
            _("%(name)s is not an image (JPEG, PNG, GIF, WebP) or a PDF.") % {"name": upload.name},
            field="files",
        )
    return kind


def _step(complaint: Complaint, kind: str, user, note: str = "", **data) -> ComplaintStep:
    return ComplaintStep.objects.create(complaint=complaint, kind=kind, user=user, note=note,
                                        data=data)


def _refresh_open_count(customer_id: int) -> None:
    count = Complaint.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES).count()
    customer_set_open_complaints(customer_id=customer_id, count=count)


def _locked(complaint: Complaint, user) -> Complaint:
    """Re-read under lock, within the user's scope, so two people cannot race a step."""
    locked = (complaints_visible_to(user).select_for_update(of=("self",))
              .filter(pk=complaint.pk).first())
    if locked is None:
        raise PermissionDenied(_("You may not handle this complaint."))
    return locked


def _text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise BusinessError(message, field=field)
    return value


def _attach(complaint: Complaint, upload, kind: tuple[str, str], user) -> Attachment:
    content_type, extension = kind
    attachment = Attachment(complaint=complaint, token=secrets.token_hex(16),
                            extension=extension, content_type=content_type, size=upload.size,
                            original_name=(upload.name or "")[:200], uploaded_by=user)
    attachment.file.save(upload.name or "upload", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def complaint_create(*, user, customer: Customer, channel: str, kind: str, description: str,
                     nature: str = Nature.GOOD_FAITH, severity: str = Severity.MEDIUM,
                     product=None, order_ref: str = "", visit_id: int | None = None,
                     order_id: int | None = None,
                     handler: User | None = None, files=()) -> Complaint:
    """Take a complaint from any channel. The store must be in the user's scope."""
    if customer is None or not customers_visible_to(user).filter(pk=customer.pk).exists():
        raise BusinessError(_("You cannot take a complaint for this store."), field="customer")
    if handler is not None and not handlers_visible_to(user).filter(pk=handler.pk).exists():
        raise BusinessError(_("This person cannot handle complaints in your scope."),
                            field="handler")
    if visit_id is not None and not Visit.objects.filter(pk=visit_id,
                                                         customer=customer).exists():
        raise BusinessError(_("That visit was not made to this store."), field="visit_id")
    if order_id is not None and not Order.objects.filter(pk=order_id,
                                                         customer=customer).exists():
        raise BusinessError(_("That order belongs to another store."), field="order_id")
    checked = [(upload, attachment_check(upload)) for upload in files]
    now = timezone.now()
    complaint = Complaint(
        customer=customer, channel=channel, kind=kind, nature=nature, severity=severity,
        description=(description or "").strip(), product=product,
        order_ref=(order_ref or "").strip(), order_id=order_id, visit_id=visit_id,
        taken_by=user,
        handler=handler or customer.manager or user, received_at=now,
        first_reply_due=deadlines.first_reply_due(now),
        resolution_due=deadlines.resolution_due(now, severity),
    )
    complaint.full_clean()
    complaint.save()
    _step(complaint, StepKind.RECEIVED, user, complaint.description, channel=channel)
    for upload, kind_of_file in checked:
        _attach(complaint, upload, kind_of_file, user)
    _refresh_open_count(customer.pk)
    return complaint


@transaction.atomic
def complaint_assign(*, complaint: Complaint, user, handler: User) -> Complaint:
    complaint = _locked(complaint, user)
    workflow.check(complaint, "assign", user)
    if not handlers_visible_to(user).filter(pk=handler.pk).exists():
        raise BusinessError(_("This person cannot handle complaints in your scope."),
                            field="handler")
    complaint.handler = handler
    complaint.save(update_fields=["handler", "updated_at"])
    _step(complaint, StepKind.ASSIGNED, user, handler=handler.username)
    return complaint


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, user, note: str,
                          expected_resolution: date | None) -> Complaint:
    """The store has been answered: apology given and an expected handling date."""
    complaint = _locked(complaint, user)
    workflow.check(complaint, "acknowledge", user)
    note = _text(note, "note", _("Write what the store was told (apology and next steps)."))
    if expected_resolution is None:
        raise BusinessError(_("Give the store an expected handling date."),
                            field="expected_resolution")
    if expected_resolution < timezone.localdate():
        raise BusinessError(_("The expected handling date cannot be in the past."),
                            field="expected_resolution")
    workflow.advance(complaint, "acknowledge")
    complaint.acknowledged_at = timezone.now()
    complaint.expected_resolution = expected_resolution
    complaint.save(update_fields=["status", "acknowledged_at", "expected_resolution",
                                  "updated_at"])
    _step(complaint, StepKind.ACKNOWLEDGED, user, note,
          expected_resolution=expected_resolution.isoformat())
    return complaint


@transaction.atomic
def complaint_investigate(*, complaint: Complaint, user, cause: str,
                          responsibility: str) -> Complaint:
    complaint = _locked(complaint, user)
    workflow.check(complaint, "investigate", user)
    cause = _text(cause, "cause", _("Describe the cause found."))
    if responsibility not in Responsibility.values:
        raise BusinessError(_("Choose who is responsible."), field="responsibility")
    workflow.advance(complaint, "investigate")
    complaint.cause = cause
    complaint.responsibility = responsibility
    complaint.save(update_fields=["status", "cause", "responsibility", "updated_at"])
    _step(complaint, StepKind.INVESTIGATED, user, cause, responsibility=responsibility)
    return complaint


@transaction.atomic
def complaint_propose(*, complaint: Complaint, user, solution: str,
                      compensation: Decimal | None = None) -> Complaint:
    """Propose a solution. Compensation above the handler's limit needs approval."""
    complaint = _locked(complaint, user)
    workflow.check(complaint, "propose", user)
    solution = _text(solution, "solution", _("Describe the solution."))
    try:
        compensation = Decimal(str(compensation if compensation not in (None, "") else "0"))
    except InvalidOperation:
        raise BusinessError(_("Enter the compensation as an amount in yuan."),
                            field="compensation") from None
    if compensation < 0 or compensation != compensation.quantize(Decimal("0.01")):
        raise BusinessError(_("Enter the compensation as an amount in yuan."),
                            field="compensation")
    workflow.advance(complaint, "propose")
    complaint.solution = solution
    complaint.compensation = compensation
    complaint.approval_required = compensation > conf.handler_compensation_limit()
    complaint.approved_by = None
    complaint.approved_at = None
    complaint.save(update_fields=["status", "solution", "compensation", "approval_required",
                                  "approved_by", "approved_at", "updated_at"])
    _step(complaint, StepKind.PROPOSED, user, solution, compensation=str(compensation),
          approval_required=complaint.approval_required)
    return complaint


@transaction.atomic
def complaint_approve(*, complaint: Complaint, user, note: str = "") -> Complaint:
    """A supervisor of the store's department (or an admin) approves a solution."""
    complaint = _locked(complaint, user)
    workflow.check(complaint, "approve", user)
    complaint.approved_by = user
    complaint.approved_at = timezone.now()
    complaint.save(update_fields=["approved_by", "approved_at", "updated_at"])
    _step(complaint, StepKind.APPROVED, user, note, compensation=str(complaint.compensation))
    return complaint


@transaction.atomic
def complaint_agree(*, complaint: Complaint, user, note: str = "") -> Complaint:
    """The store agreed to the solution."""
    complaint = _locked(complaint, user)
    workflow.check(complaint, "agree", user)
    workflow.advance(complaint, "agree")
    complaint.save(update_fields=["status", "updated_at"])
    _step(complaint, StepKind.AGREED, user, (note or "").strip())
    return complaint


@transaction.atomic
def complaint_carry_out(*, complaint: Complaint, user, note: str = "") -> Complaint:
    complaint = _locked(complaint, user)
    workflow.check(complaint, "carry_out", user)
    workflow.advance(complaint, "carry_out")
    complaint.resolved_at = timezone.now()
    complaint.save(update_fields=["status", "resolved_at", "updated_at"])
    _step(complaint, StepKind.CARRIED_OUT, user, (note or "").strip())
    return complaint


@transaction.atomic
def complaint_call_back(*, complaint: Complaint, user, satisfaction,
                        store_feedback: str = "") -> Complaint:
    """Call the store after the fix. An unsatisfied store reopens the complaint: it goes
    back to investigation and is followed up until satisfied."""
    complaint = _locked(complaint, user)
    workflow.check(complaint, "call_back", user)
    try:
        satisfaction = int(satisfaction)
    except (TypeError, ValueError):
        satisfaction = None
    if satisfaction is None or not 1 <= satisfaction <= 5:
        raise BusinessError(_("Satisfaction must be a whole number from 1 to 5."),
                            field="satisfaction")
    complaint.satisfaction = satisfaction
    complaint.store_feedback = (store_feedback or "").strip()
    _step(complaint, StepKind.CALLED_BACK, user, complaint.store_feedback,
          satisfaction=satisfaction)
    if satisfaction >= conf.satisfied_from():
        workflow.advance(complaint, "call_back", to=Status.CALLED_BACK)
    else:
        workflow.advance(complaint, "call_back", to=Status.ACKNOWLEDGED)
        complaint.reopen_count += 1
        complaint.approved_by = None
        complaint.approved_at = None
        complaint.overdue_notified_at = None
        _step(complaint, StepKind.REOPENED, user, _("The store is not satisfied."),
              satisfaction=satisfaction)
    complaint.save(update_fields=["status", "satisfaction", "store_feedback", "reopen_count",
                                  "approved_by", "approved_at", "overdue_notified_at",
                                  "updated_at"])
    store_satisfaction_refresh(customer=complaint.customer)
    return complaint


@transaction.atomic
def complaint_close(*, complaint: Complaint, user, review_note: str) -> Complaint:
    """Close after a satisfied call-back, with a review note. Resolves the store's
    open-complaint churn warning when no other long-open complaint remains."""
    complaint = _locked(complaint, user)
    workflow.check(complaint, "close", user)
    review_note = _text(review_note, "review_note", _("Write a short review note."))
    workflow.advance(complaint, "close")
    complaint.closed_at = timezone.now()
    complaint.review_note = review_note
    complaint.save(update_fields=["status", "closed_at", "review_note", "updated_at"])
    _step(complaint, StepKind.CLOSED, user, review_note)
    _refresh_open_count(complaint.customer_id)
    if not _long_open(Complaint.objects.filter(customer_id=complaint.customer_id)).exists():
        churn_warning_resolve_open(customer=complaint.customer,
                                   reason=ChurnReason.COMPLAINT_OPEN,
                                   resolution=_("Complaint #%(id)s closed.") % {"id": complaint.pk},
                                   user=user)
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, user, reason: str) -> Complaint:
    """The store raises a closed complaint again: back to investigation."""
    complaint = _locked(complaint, user)
    workflow.check(complaint, "reopen", user)
    reason = _text(reason, "reason", _("Say why the complaint is reopened."))
    workflow.advance(complaint, "reopen")
    complaint.closed_at = None
    complaint.reopen_count += 1
    complaint.approved_by = None
    complaint.approved_at = None
    complaint.overdue_notified_at = None
    complaint.save(update_fields=["status", "closed_at", "reopen_count", "approved_by",
                                  "approved_at", "overdue_notified_at", "updated_at"])
    _step(complaint, StepKind.REOPENED, user, reason)
    _refresh_open_count(complaint.customer_id)
    return complaint


@transaction.atomic
def complaint_attach(*, complaint: Complaint, user, files) -> list[Attachment]:
    complaint = _locked(complaint, user)
    workflow.check(complaint, "attach", user)
    if not files:
        raise BusinessError(_("Choose a file."), field="files")
    checked = [(upload, attachment_check(upload)) for upload in files]
    attachments = [_attach(complaint, upload, kind, user) for upload, kind in checked]
    _step(complaint, StepKind.ATTACHMENT, user, ", ".join(a.original_name for a in attachments))
    return attachments


STEP_SERVICES = {
    "acknowledge": complaint_acknowledge,
    "investigate": complaint_investigate,
    "propose": complaint_propose,
    "approve": complaint_approve,
    "agree": complaint_agree,
    "carry_out": complaint_carry_out,
    "call_back": complaint_call_back,
    "close": complaint_close,
    "reopen": complaint_reopen,
    "assign": complaint_assign,
    "attach": complaint_attach,
}
assert set(STEP_SERVICES) == set(workflow.TRANSITIONS), "one service per workflow step"


def complaint_step(*, complaint: Complaint, user, action: str, **data):
    """Take one workflow step by its name, as the pages and the API post it."""
    return STEP_SERVICES[action](complaint=complaint, user=user, **data)


def _long_open(complaints, *, today: date | None = None):
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(today, time.min)) - timedelta(
        days=conf.open_days_for_churn())
    return complaints.filter(status__in=OPEN_STATUSES, received_at__lt=cutoff)


def complaint_churn_scan(*, today: date | None = None) -> int:
    """Raise (or refresh) a COMPLAINT_OPEN churn warning for every store with a complaint
    open longer than the configured days. Rerunning gives the same warnings."""
    today = today or timezone.localdate()
    stores = (_long_open(Complaint.objects.all(), today=today).values("customer_id")
              .annotate(oldest=Min("received_at")).order_by("customer_id"))
    raised = 0
    for row in stores:
        customer = Customer.objects.get(pk=row["customer_id"])
        ids = list(_long_open(Complaint.objects.filter(customer=customer), today=today)
                   .order_by("received_at").values_list("pk", flat=True))
        days_open = (today - timezone.localtime(row["oldest"]).date()).days
        score = min(100, 50 + 5 * (days_open - conf.open_days_for_churn()))
        _warning, created = churn_warning_raise(
            customer=customer, reason=ChurnReason.COMPLAINT_OPEN, score=max(score, 0),
            evidence={"complaints": ids, "days_open": days_open}, as_of=today,
        )
        raised += int(created)
    return raised


def complaint_overdue_notify() -> int:
    """Tell the handler and the supervisors of the store's department, once per complaint
    (again after a reopen), that a complaint is overdue."""
    sent = 0
    overdue = (Complaint.objects.filter(OVERDUE, overdue_notified_at__isnull=True)
               .select_related("customer__territory", "handler"))
    for complaint in overdue:
        with transaction.atomic():
            claimed = Complaint.objects.filter(pk=complaint.pk,
                                               overdue_notified_at__isnull=True
                                               ).update(overdue_notified_at=timezone.now())
            if claimed != 1:
                continue
            supervisors = User.objects.filter(
                role__in=roles_with(Ability.LEAD_DEPARTMENT), is_active=True,
                department_id=complaint.customer.territory.department_id,
            ).exclude(email="").values_list("email", flat=True)
            recipients = sorted({*supervisors,
                                 *([complaint.handler.email] if complaint.handler
                                   and complaint.handler.email else [])})
            if recipients:
                send_mail(
                    _("Overdue complaint #%(id)s: %(store)s")
                    % {"id": complaint.pk, "store": complaint.customer.name},
                    _("Complaint #%(id)s of %(store)s is overdue (status: %(status)s).")
                    % {"id": complaint.pk, "store": complaint.customer.name,
                       "status": complaint.get_status_display()},
                    None, recipients, fail_silently=False,
                )
                sent += 1
    return sent

