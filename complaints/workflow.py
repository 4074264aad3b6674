"""The complaint lifecycle, written once: which step may follow which status, who may take
it and where it leads. The services enforce this table (`check`, `advance`); the pages and
the API read it (`actions_for`) to offer exactly the steps the services would accept."""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm_project.errors import BusinessError
from customers.access import Ability, can, oversees_department

from . import conf
from .models import OPEN_STATUSES, Complaint, Status


class Actor(StrEnum):
    # Whoever may see the complaint works it (the handler, the store's manager or clerk,
    # their supervisor, an admin): the selectors decide which complaints that is.
    IN_SCOPE = "in_scope"
    # A supervisor of the store's department, or an admin: approvals above the handler's
    # authority.
    APPROVER = "approver"


@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise
    sources: tuple[str, ...]
    # Where the step leads; the first is the usual outcome. Empty: the status stays.
    targets: tuple[str, ...]
    refusal: Promise  # shown when the complaint is in another status
    actor: Actor = Actor.IN_SCOPE
    # Offered even while a rule blocks it, so taking it explains what is missing.
    offered_while_blocked: bool = False


_ALL = tuple(Status.values)
_OPEN = tuple(OPEN_STATUSES)

TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("acknowledge", _("Acknowledge to the store"), (Status.RECEIVED,),
               (Status.ACKNOWLEDGED,), _("This complaint has already been acknowledged.")),
    Transition("investigate", _("Record investigation"),
               (Status.ACKNOWLEDGED, Status.INVESTIGATED, Status.PROPOSED),
               (Status.INVESTIGATED,),
               _("Acknowledge the complaint to the store before investigating.")),
    Transition("propose", _("Propose a solution"), (Status.INVESTIGATED, Status.PROPOSED),
               (Status.PROPOSED,), _("Investigate the complaint before proposing a solution.")),
    Transition("approve", _("Approve the solution"), (Status.PROPOSED,), (),
               _("There is no proposed solution to approve."), actor=Actor.APPROVER),
    Transition("agree", _("Store agreed"), (Status.PROPOSED,), (Status.AGREED,),
               _("Propose a solution before agreeing it."), offered_while_blocked=True),
    Transition("carry_out", _("Carried out"), (Status.AGREED,), (Status.CARRIED_OUT,),
               _("The store must agree the solution before it is carried out.")),
    # A satisfied store: called back; an unsatisfied one reopens it to investigation.
    Transition("call_back", _("Call-back"), (Status.CARRIED_OUT,),
               (Status.CALLED_BACK, Status.ACKNOWLEDGED),
               _("Call the store back only after the solution has been carried out.")),
    Transition("close", _("Close"), (Status.CALLED_BACK,), (Status.CLOSED,),
               _("Only a complaint called back with a satisfied store can be closed.")),
    Transition("reopen", _("Reopen"), (Status.CLOSED,), (Status.ACKNOWLEDGED,),
               _("Only a closed complaint can be reopened.")),
    Transition("assign", _("Change handler"), _OPEN, (),
               _("A closed complaint cannot be reassigned.")),
    Transition("attach", _("Add photos or files"), _ALL, (), _("This step is not possible now.")),
]}


def may_approve(user, complaint: Complaint) -> bool:
    return can(user, Ability.OVERSEE_COMPLAINTS) and oversees_department(
        user, complaint.customer.territory.department_id)


def _blocker(complaint: Complaint, action: str) -> str | None:
    """Why a step offered in this status cannot be taken yet (the approval rule)."""
    if action == "approve":
        if not complaint.approval_required:
            return gettext("This solution is within the handler's authority.")
        if complaint.approved_at is not None:
            return gettext("This solution is already approved.")
    if action == "agree" and complaint.needs_approval:
        return gettext(
            "Compensation of %(amount)s yuan is above the handler's limit of %(limit)s "
            "yuan: a supervisor must approve it first."
        ) % {"amount": complaint.compensation, "limit": conf.handler_compensation_limit()}
    return None


def check(complaint: Complaint, action: str, user) -> Transition:
    """Refuse a step the table does not allow now: PermissionDenied for the wrong person,
    BusinessError for the wrong status or a missing approval."""
    transition = TRANSITIONS[action]
    if transition.actor == Actor.APPROVER and not may_approve(user, complaint):
        raise PermissionDenied(gettext("Only a supervisor of the store's department may "
                                       "approve."))
    if complaint.status not in transition.sources:
        raise BusinessError(str(transition.refusal), field="status")
    blocker = _blocker(complaint, action)
    if blocker:
        raise BusinessError(blocker, field="status")
    return transition


def advance(complaint: Complaint, action: str, to: str | None = None) -> None:
    """Set the status a checked step leads to (`to` picks among its outcomes)."""
    targets = TRANSITIONS[action].targets
    if not targets:
        return
    target = to or targets[0]
    if target not in targets:
        raise ValueError(f"{action} cannot lead to {target}")
    complaint.status = target


def actions_for(complaint: Complaint, user) -> list[str]:
    """The steps this user may take on this complaint now, in table order."""
    offered = []
    for action, transition in TRANSITIONS.items():
        if complaint.status not in transition.sources:
            continue
        if not transition.offered_while_blocked and _blocker(complaint, action):
            continue
        if transition.actor == Actor.APPROVER and not may_approve(user, complaint):
            continue
        offered.append(action)
    return offered
