from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Attachment, Complaint, Status
from complaints.tests.factories import PNG
from conftest import api_as

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


def create(client, store, **extra):
    data = {"customer": store.pk, "channel": "hotline", "kind": "service",
            "description": "送货员态度差"}
    data.update(extra)
    return client.post("/api/complaints/", data, format="json")


def test_api_whole_path_with_reopen_then_closed(manager, store):
    client = api_as(manager)
    response = create(client, store)
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    steps = [
        ("acknowledge", {"note": "抱歉", "expected_resolution": TOMORROW}),
        ("investigate", {"cause": "培训不足", "responsibility": "company"}),
        ("propose", {"solution": "道歉", "compensation": "0"}),
        ("agree", {}), ("carry-out", {}),
        ("call-back", {"satisfaction": 2, "store_feedback": "不满意"}),
        ("investigate", {"cause": "再查", "responsibility": "company"}),
        ("propose", {"solution": "换人"}), ("agree", {}), ("carry-out", {}),
        ("call-back", {"satisfaction": 5}),
        ("close", {"review_note": "培训"}),
    ]
    for name, data in steps:
        response = client.post(f"/api/complaints/{pk}/{name}/", data, format="json")
        assert response.status_code == 200, (name, response.json())
    body = response.json()
    assert body["status"] == "closed"
    assert body["reopen_count"] == 1
    assert [s["kind"] for s in body["steps"]].count("reopened") == 1
    store.refresh_from_db()
    assert store.open_complaint_count == 0


def test_api_refuses_call_back_before_carried_out(manager, store):
    client = api_as(manager)
    pk = create(client, store).json()["id"]
    response = client.post(f"/api/complaints/{pk}/call-back/", {"satisfaction": 5},
                           format="json")
    assert response.status_code == 400
    assert response.json()["status"] == [
        _("Call the store back only after the solution has been carried out.")]
    assert Complaint.objects.get(pk=pk).satisfaction is None


@pytest.mark.parametrize("satisfaction", [0, 6])
def test_api_refuses_satisfaction_outside_range(manager, store, make_complaint, satisfaction):
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(status=Status.CARRIED_OUT)
    response = api_as(manager).post(f"/api/complaints/{complaint.pk}/call-back/",
                                    {"satisfaction": satisfaction}, format="json")
    assert response.status_code == 400
    assert response.json()["satisfaction"] == [
        _("Satisfaction must be a whole number from 1 to 5.")]
    complaint.refresh_from_db()
    assert complaint.status == Status.CARRIED_OUT


@override_settings(CRM_COMPLAINT_HANDLER_LIMIT="100")
def test_api_refuses_agreeing_over_authority_without_approval(manager, supervisor, store,
                                                              make_complaint):
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(status=Status.INVESTIGATED)
    client = api_as(manager)
    client.post(f"/api/complaints/{complaint.pk}/propose/",
                {"solution": "赔偿", "compensation": "300.00"}, format="json")
    response = client.post(f"/api/complaints/{complaint.pk}/agree/", {}, format="json")
    assert response.status_code == 400
    assert Complaint.objects.get(pk=complaint.pk).status == Status.PROPOSED
    assert api_as(manager).post(f"/api/complaints/{complaint.pk}/approve/", {},
                                format="json").status_code == 403
    assert api_as(supervisor).post(f"/api/complaints/{complaint.pk}/approve/", {},
                                   format="json").status_code == 200
    response = client.post(f"/api/complaints/{complaint.pk}/agree/", {}, format="json")
    assert response.json()["status"] == "agreed"


@pytest.mark.parametrize("persona,allowed", [
    ("manager", True), ("other_manager", False), ("clerk", True), ("supervisor", True),
    ("other_supervisor", False), ("admin", True),
])
def test_api_intake_refuses_store_outside_scope(personas, store, persona, allowed):
    response = create(api_as(personas[persona]), store)
    assert response.status_code == (201 if allowed else 400)
    assert Complaint.objects.count() == (1 if allowed else 0)
    store.refresh_from_db()
    assert store.open_complaint_count == (1 if allowed else 0)
    if not allowed:
        assert response.json()["customer"] == [_("You cannot take a complaint for this store.")]


@pytest.mark.parametrize("persona,visible", [
    ("manager", True), ("other_manager", False), ("clerk", True), ("supervisor", True),
    ("other_supervisor", False), ("admin", True),
])
def test_api_list_and_detail_are_scoped(personas, make_complaint, persona, visible):
    complaint = make_complaint()
    client = api_as(personas[persona])
    listing = client.get("/api/complaints/").json()
    assert [c["id"] for c in listing["results"]] == ([complaint.pk] if visible else [])
    assert client.get(f"/api/complaints/{complaint.pk}/").status_code == (
        200 if visible else 404)
    response = client.post(f"/api/complaints/{complaint.pk}/close/", {"review_note": "x"},
                           format="json")
    assert response.status_code == (400 if visible else 404)
    assert Complaint.objects.get(pk=complaint.pk).status == Status.RECEIVED


def test_api_attach_checks_content_and_size(manager, make_complaint):
    complaint = make_complaint()
    client = api_as(manager)
    bad = client.post(f"/api/complaints/{complaint.pk}/attach/",
                      {"files": [SimpleUploadedFile("a.pdf", b"not a pdf at all")]},
                      format="multipart")
    assert bad.status_code == 400
    assert bad.json()["files"] == [
        _("%(name)s is not an image (JPEG, PNG, GIF, WebP) or a PDF.") % {"name": "a.pdf"}]
    assert Attachment.objects.count() == 0
    good = client.post(f"/api/complaints/{complaint.pk}/attach/",
                       {"files": [SimpleUploadedFile("a.png", PNG)]}, format="multipart")
    assert good.status_code == 200
    assert [a["content_type"] for a in good.json()["attachments"]] == ["image/png"]


def test_api_filters_mine_and_overdue(manager, clerk, store, make_complaint):
    mine = make_complaint(user=clerk, handler=clerk)
    late = make_complaint()
    Complaint.objects.filter(pk=late.pk).update(resolution_due=timezone.now()
                                                - timedelta(days=1))
    client = api_as(clerk)
    assert [c["id"] for c in client.get("/api/complaints/?scope=mine").json()["results"]] == [
        mine.pk]
    overdue = client.get("/api/complaints/?state=overdue").json()["results"]
    assert [(c["id"], c["overdue"]) for c in overdue] == [(late.pk, True)]
    figures = client.get("/api/complaints/figures/").json()
    assert figures["total"] == 2
    assert figures["overdue"] == 1


def test_api_intake_of_unknown_store_answers_like_out_of_scope(manager, store):
    from django.db.models import Max

    from customers.models import Customer

    missing_pk = Customer.objects.aggregate(top=Max("pk"))["top"] + 1
    response = api_as(manager).post("/api/complaints/", {
        "customer": missing_pk, "channel": "phone", "kind": "service", "description": "x"},
        format="json")
    assert response.status_code == 400
    assert response.json()["customer"] == [_("You cannot take a complaint for this store.")]
    assert Complaint.objects.count() == 0
