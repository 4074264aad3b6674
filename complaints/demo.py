"""Demo complaints: a few dozen in every state, some overdue, one reopened."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.access import Ability, roles_with
from customers.models import Customer, User
from phone_orders.models import Product

from . import deadlines, services
from .models import Channel, Complaint, Kind, Responsibility, Severity

DESCRIPTIONS = {
    Kind.PRODUCT_QUALITY: ["整条烟有霉味，客户要求换货", "软包烟盒破损，影响销售", "烟支空头较多"],
    Kind.AGREEMENT: ["协议约定的陈列奖励没有兑现", "紧俏品牌分配量与约定不符"],
    Kind.DELIVERY: ["送货晚了两天", "少送了两条", "送货员未按时到店"],
    Kind.SERVICE: ["电话订货员态度不好", "客户经理很久没来拜访", "12313 反映服务不及时"],
}
STAGES = ["received", "acknowledged", "investigated", "proposed", "agreed", "carried_out",
          "called_back", "closed", "reopened"]


def _advance(complaint, user, stage: str, rng, supervisor) -> None:
    tomorrow = timezone.localdate() + timedelta(days=2)
    order = STAGES.index(stage if stage != "reopened" else "carried_out")
    if order >= 1:
        services.complaint_acknowledge(complaint=complaint, user=user,
                                       note="已向客户致歉，承诺尽快处理",
                                       expected_resolution=tomorrow)
    if order >= 2:
        services.complaint_investigate(complaint=complaint, user=user, cause="核实属实",
                                       responsibility=rng.choice(Responsibility.values))
    if order >= 3:
        compensation = Decimal(rng.choice(["0", "50", "200", "800"]))
        services.complaint_propose(complaint=complaint, user=user, solution="换货并致歉",
                                   compensation=compensation)
    if order >= 4:
        complaint.refresh_from_db()
        if complaint.needs_approval:
            if supervisor is None:
                return
            services.complaint_approve(complaint=complaint, user=supervisor)
        services.complaint_agree(complaint=complaint, user=user)
    if order >= 5:
        services.complaint_carry_out(complaint=complaint, user=user)
    if stage == "reopened":
        services.complaint_call_back(complaint=complaint, user=user, satisfaction=2,
                                     store_feedback="问题没有解决")
        return
    if order >= 6:
        services.complaint_call_back(complaint=complaint, user=user,
                                     satisfaction=rng.choice([3, 4, 5, 5]),
                                     store_feedback="满意")
    if order >= 7:
        services.complaint_close(complaint=complaint, user=user, review_note="已复盘")


STEP_FIELDS = {"acknowledged": "acknowledged_at", "approved": "approved_at",
               "carried_out": "resolved_at", "closed": "closed_at"}


def _backdate(complaint, rng) -> None:
    """Spread intake over the last weeks and the steps over the hours after it, so ages,
    overdue flags and reply times look like a real desk."""
    now = timezone.now()
    received = now - timedelta(days=rng.randint(0, 16), hours=rng.randint(1, 10))
    steps = list(complaint.steps.order_by("at", "pk"))
    available_hours = (now - received).total_seconds() / 3600
    gap = timedelta(hours=min(rng.randint(3, 30), available_hours / (len(steps) + 1)))
    updates = {"received_at": received,
               "first_reply_due": deadlines.first_reply_due(received),
               "resolution_due": deadlines.resolution_due(received, complaint.severity)}
    for index, step in enumerate(steps):
        step.at = received + gap * index
        step.save(update_fields=["at"])
        if step.kind in STEP_FIELDS:
            updates[STEP_FIELDS[step.kind]] = step.at
    Complaint.objects.filter(pk=complaint.pk).update(**updates)


def seed_demo(*, rng, stdout) -> None:
    stores = list(Customer.objects.filter(manager__isnull=False)
                  .select_related("manager", "territory").order_by("code")[:400])
    if not stores:
        return
    products = list(Product.objects.order_by("code")[:50])
    supervisors = {u.department_id: u for u in User.objects.filter(
        role__in=roles_with(Ability.LEAD_DEPARTMENT))}
    created = 0
    with transaction.atomic():
        for index in range(36):
            store = rng.choice(stores)
            kind = rng.choice(Kind.values)
            complaint = services.complaint_create(
                user=store.manager, customer=store, channel=rng.choice(Channel.values),
                kind=kind, severity=rng.choice(Severity.values),
                description=rng.choice(DESCRIPTIONS[kind]),
                product=rng.choice(products) if products and kind == Kind.PRODUCT_QUALITY
                else None,
            )
            stage = STAGES[index % len(STAGES)]
            _advance(complaint, store.manager, stage, rng,
                     supervisors.get(store.territory.department_id))
            _backdate(complaint, rng)
            created += 1
    raised = services.complaint_churn_scan()
    stdout.write(f"Complaints: {created} complaints; {raised} churn warnings for long-open "
                 f"complaints.")
