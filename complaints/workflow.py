"""Which step forms a complaint offers in its current status, shared by the page and the
API so both expose the same actions."""

from . import forms, services
from .models import Status

# action name -> (form class, service, statuses where it is offered)
ACTIONS = {
    "acknowledge": (forms.AcknowledgeForm, services.complaint_acknowledge, [Status.RECEIVED]),
    "investigate": (forms.InvestigateForm, services.complaint_investigate,
                    [Status.ACKNOWLEDGED, Status.INVESTIGATED, Status.PROPOSED]),
    "propose": (forms.ProposeForm, services.complaint_propose,
                [Status.INVESTIGATED, Status.PROPOSED]),
    "approve": (forms.NoteForm, services.complaint_approve, [Status.PROPOSED]),
    "agree": (forms.NoteForm, services.complaint_agree, [Status.PROPOSED]),
    "carry_out": (forms.NoteForm, services.complaint_carry_out, [Status.AGREED]),
    "call_back": (forms.CallBackForm, services.complaint_call_back, [Status.CARRIED_OUT]),
    "close": (forms.CloseForm, services.complaint_close, [Status.CALLED_BACK]),
    "reopen": (forms.ReopenForm, services.complaint_reopen, [Status.CLOSED]),
    "assign": (forms.AssignForm, services.complaint_assign,
               [s for s in Status.values if s != Status.CLOSED]),
    "attach": (forms.AttachForm, services.complaint_attach, list(Status.values)),
}

# Forms that need the acting user to build their choices.
USER_FORMS = {"assign"}


def actions_for(complaint, user) -> list[str]:
    offered = []
    for name, (_form, _service, statuses) in ACTIONS.items():
        if complaint.status not in statuses:
            continue
        if name == "approve" and not (complaint.needs_approval
                                      and services.user_can_approve(user, complaint)):
            continue
        offered.append(name)
    return offered


def make_form(name: str, user, data=None, files=None):
    form_class = ACTIONS[name][0]
    kwargs = {"user": user} if name in USER_FORMS else {}
    return form_class(data, files, prefix=name, **kwargs)
