"""The one transitions table: the services refuse exactly what the pages and the API do
not offer, and malformed ids or filters answer 4xx, never 500."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from complaints import services, workflow
from complaints.models import Complaint, Responsibility, Status
from conftest import api_as
from crm_project.errors import BusinessError

TOMORROW = timezone.localdate() + timedelta(days=1)


def proposed(complaint, user, compensation):
    services.complaint_acknowledge(complaint=complaint, user=user, note="抱歉",
                                   expected_resolution=TOMORROW)
    services.complaint_investigate(complaint=complaint, user=user, cause="质量问题",
                                   responsibility=Responsibility.COMPANY)
    return services.complaint_propose(complaint=complaint, user=user, solution="赔偿",
                                      compensation=Decimal(compensation))


def refused(complaint, action, user) -> bool:
    try:
        workflow.check(complaint, action, user)
    except (BusinessError, PermissionDenied):
        return True
    return False


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("persona", ["manager", "supervisor", "admin_user"])
def test_offered_steps_are_exactly_those_the_services_accept(request, make_complaint, status,
                                                             persona):
    user = request.getfixturevalue(persona)
    complaint = make_complaint()
    complaint.status = status
    complaint.approval_required = status == Status.PROPOSED
    offered = workflow.actions_for(complaint, user)
    accepted = [a for a in workflow.TRANSITIONS if not refused(complaint, a, user)]
    # agree stays on offer while the approval is missing, so taking it says why not
    explained = ["agree"] if status == Status.PROPOSED else []
    assert offered == [a for a in workflow.TRANSITIONS if a in accepted or a in explained]


def test_every_step_has_a_form_a_serializer_and_a_service():
    from complaints.forms import STEP_FORMS
    from complaints.serializers import STEP_SERIALIZERS

    assert set(STEP_FORMS) == set(STEP_SERIALIZERS) == set(services.STEP_SERVICES) == set(
        workflow.TRANSITIONS)


@override_settings(CRM_COMPLAINT_HANDLER_LIMIT="500")
@pytest.mark.parametrize(("persona", "offered_approve"), [
    ("manager", False), ("clerk", False), ("supervisor", True), ("admin_user", True)])
def test_approval_above_the_handlers_limit_is_offered_to_supervisor_and_admin_only(
        request, make_complaint, manager, persona, offered_approve):
    complaint = proposed(make_complaint(), manager, "800.00")
    user = request.getfixturevalue(persona)
    client = api_as(user)

    body = client.get(f"/api/complaints/{complaint.pk}/").json()

    assert ("approve" in body["actions"]) is offered_approve
    refused_agree = client.post(f"/api/complaints/{complaint.pk}/agree/", {}, format="json")
    assert refused_agree.status_code == 400  # not before the approval
    response = client.post(f"/api/complaints/{complaint.pk}/approve/", {}, format="json")
    assert response.status_code == (200 if offered_approve else 403)
    complaint.refresh_from_db()
    assert (complaint.approved_at is not None) is offered_approve


def test_page_offers_the_same_steps_as_the_api(client, make_complaint, manager):
    complaint = make_complaint()
    client.force_login(manager)

    page = client.get(reverse("complaints:detail", args=[complaint.pk]))
    api = api_as(manager).get(f"/api/complaints/{complaint.pk}/").json()

    assert [f["name"] for f in page.context["step_forms"]] == api["actions"] == [
        "acknowledge", "assign", "attach"]


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_step_on_a_non_numeric_id_is_404(manager, action):
    response = api_as(manager).post(f"/api/complaints/abc/{action.replace('_', '-')}/", {},
                                    format="json")
    assert response.status_code == 404


def test_detail_on_a_non_numeric_id_is_404(client, manager):
    assert api_as(manager).get("/api/complaints/abc/").status_code == 404
    client.force_login(manager)
    assert client.post("/complaints/abc/step/acknowledge/").status_code == 404


@pytest.mark.parametrize("query", ["min_age=999999999", "min_age=-1", "min_age=abc",
                                   "customer=99999999999999999999", "min_age=NaN"])
def test_malformed_filter_is_a_400_in_the_api_and_ignored_on_pages(client, make_complaint,
                                                                  manager, query):
    make_complaint()
    api = api_as(manager)
    assert api.get(f"/api/complaints/?{query}").status_code == 400
    assert api.get(f"/api/complaints/figures/?{query}").status_code == 400
    client.force_login(manager)
    page = client.get(f"{reverse('complaints:list')}?{query}")
    assert page.status_code == 200
    assert len(page.context["page_obj"]) == Complaint.objects.count() == 1
    assert client.get(f"{reverse('complaints:figures')}?{query}").status_code == 200
    assert client.get(f"{reverse('complaints:export')}?{query}").status_code == 200


def test_min_age_within_bounds_still_filters(make_complaint, manager):
    make_complaint()
    api = api_as(manager)
    assert api.get("/api/complaints/?min_age=0").json()["count"] == 1
    assert api.get("/api/complaints/?min_age=36500").json()["count"] == 0
