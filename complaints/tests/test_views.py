from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from complaints.models import Attachment, Complaint, Status
from complaints.tests.factories import PNG
from visits.tests.factories import VisitFactory

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def test_intake_page_from_phone_console_prefills_store_and_channel(logged_in, clerk, store):
    client = logged_in(clerk)
    response = client.get(reverse("complaints:create"),
                          {"customer": store.pk, "channel": "phone"})
    assert response.status_code == 200
    assert response.context["form"].initial["channel"] == "phone"
    assert response.context["customer"] == store


def test_intake_from_visit_links_the_visit(logged_in, manager, store):
    visit = VisitFactory(customer=store, manager=manager)
    client = logged_in(manager)
    response = client.post(reverse("complaints:create") + f"?customer={store.pk}", {
        "customer": store.pk, "channel": "visit", "kind": "product_quality",
        "nature": "good_faith", "severity": "high", "description": "烟有霉味",
        "visit_id": str(visit.pk), "files": SimpleUploadedFile("x.png", PNG, "image/png"),
    })
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.visit == visit
    assert list(visit.complaints.all()) == [complaint]
    assert complaint.attachments.count() == 1
    store.refresh_from_db()
    assert store.open_complaint_count == 1


def test_intake_page_refuses_store_outside_scope_with_message(logged_in, manager, other_store):
    client = logged_in(manager)
    response = client.post(reverse("complaints:create"), {
        "customer": other_store.pk, "channel": "phone", "kind": "service",
        "nature": "good_faith", "severity": "low", "description": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors["customer"] == [
        _("You cannot take a complaint for this store.")]
    assert Complaint.objects.count() == 0


def test_intake_page_refuses_a_file_that_is_not_an_image(logged_in, manager, store):
    client = logged_in(manager)
    response = client.post(reverse("complaints:create"), {
        "customer": store.pk, "channel": "phone", "kind": "service", "nature": "good_faith",
        "severity": "low", "description": "x",
        "files": SimpleUploadedFile("x.jpg", b"#!/bin/sh\necho", "image/jpeg")})
    assert response.status_code == 400
    assert "files" in response.context["form"].errors
    assert Complaint.objects.count() == 0


def test_step_page_walks_to_closed(logged_in, manager, store, make_complaint):
    complaint = make_complaint()
    client = logged_in(manager)
    steps = [
        ("acknowledge", {"note": "抱歉", "expected_resolution": TOMORROW}),
        ("investigate", {"cause": "司机", "responsibility": "carrier"}),
        ("propose", {"solution": "补送", "compensation": "0"}),
        ("agree", {}), ("carry_out", {}),
        ("call_back", {"satisfaction": "5", "store_feedback": "好"}),
        ("close", {"review_note": "完"}),
    ]
    for action, data in steps:
        response = client.post(reverse("complaints:step", args=[complaint.pk, action]),
                               {f"{action}-{k}": v for k, v in data.items()})
        assert response.status_code == 302, (action, response.content[:2000])
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    page = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert page.status_code == 200
    assert [f["name"] for f in page.context["step_forms"]] == ["reopen", "attach"]


def test_call_back_step_before_carried_out_shows_message(logged_in, manager, make_complaint):
    complaint = make_complaint()
    client = logged_in(manager)
    response = client.post(reverse("complaints:step", args=[complaint.pk, "call_back"]),
                           {"call_back-satisfaction": "5"})
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED
    assert complaint.satisfaction is None


@pytest.mark.parametrize("persona,visible", [
    ("manager", True), ("other_manager", False), ("clerk", True), ("supervisor", True),
    ("other_supervisor", False), ("admin", True),
])
def test_complaint_pages_are_scoped(logged_in, personas, persona, visible, make_complaint):
    complaint = make_complaint(files=[SimpleUploadedFile("p.png", PNG)])
    attachment = complaint.attachments.get()
    client = logged_in(personas[persona])
    detail = client.get(reverse("complaints:detail", args=[complaint.pk]))
    download = client.get(reverse("complaints:attachment", args=[complaint.pk, attachment.pk]))
    listing = client.get(reverse("complaints:list"))
    assert detail.status_code == (200 if visible else 404)
    assert download.status_code == (200 if visible else 404)
    assert [c.pk for c in listing.context["page_obj"]] == ([complaint.pk] if visible else [])
    step = client.post(reverse("complaints:step", args=[complaint.pk, "acknowledge"]),
                       {"acknowledge-note": "x", "acknowledge-expected_resolution": TOMORROW})
    assert step.status_code == (302 if visible else 404)
    complaint.refresh_from_db()
    assert complaint.status == (Status.ACKNOWLEDGED if visible else Status.RECEIVED)
    assert Attachment.objects.count() == 1


def test_handler_from_another_scope_sees_complaint_they_handle(logged_in, other_manager,
                                                               make_complaint):
    complaint = make_complaint(handler=other_manager)
    response = logged_in(other_manager).get(reverse("complaints:detail", args=[complaint.pk]))
    assert response.status_code == 200


def test_overdue_complaints_stand_out_in_list_and_on_store_card(logged_in, manager, store,
                                                                make_complaint):
    late = make_complaint()
    Complaint.objects.filter(pk=late.pk).update(
        resolution_due=timezone.now() - timedelta(hours=1))
    make_complaint()
    client = logged_in(manager)
    listing = client.get(reverse("complaints:list"))
    assert [c.overdue for c in listing.context["page_obj"]] == [True, False]
    card = client.get(reverse("customers:detail", args=[store.pk])).content.decode()
    assert card.count("cx-overdue-row") == 1


def test_export_is_scoped_to_the_user(logged_in, manager, other_manager, other_store,
                                      make_complaint):
    make_complaint()
    make_complaint(user=other_manager, customer=other_store)
    response = logged_in(manager).get(reverse("complaints:export"))
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 2


def test_figures_page_counts_satisfaction_and_repeat_complainers(logged_in, supervisor, store,
                                                                 manager, make_complaint):
    first = make_complaint()
    make_complaint(kind="service")
    Complaint.objects.filter(pk=first.pk).update(status=Status.CLOSED, satisfaction=4,
                                                 closed_at=timezone.now())
    response = logged_in(supervisor).get(reverse("complaints:figures"))
    figures = response.context["figures"]
    assert figures["total"] == 2
    assert figures["open"] == 1
    assert figures["by_kind"] == {"delivery": 1, "service": 1}
    assert figures["satisfaction"]["average"] == 4
    assert [r["customer_id"] for r in figures["repeat"]] == [store.pk]


def test_intake_refuses_a_visit_or_order_of_another_store(logged_in, manager, store,
                                                         other_store, other_manager):
    foreign_visit = VisitFactory(customer=other_store, manager=other_manager)
    client = logged_in(manager)
    response = client.post(reverse("complaints:create") + f"?customer={store.pk}", {
        "customer": store.pk, "channel": "visit", "kind": "service",
        "nature": "good_faith", "severity": "low", "description": "态度不好",
        "visit_id": str(foreign_visit.pk),
    })
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_intake_from_console_links_one_of_the_stores_orders(logged_in, clerk, store):
    from decimal import Decimal

    from phone_orders.services import LineRequest, order_create
    from phone_orders.tests.factories import ProductFactory, SupplyFactory

    sku = ProductFactory(code="690301", wholesale_price=Decimal("217.50"))
    SupplyFactory(product=sku, available_cartons=20)
    order = order_create(user=clerk, customer=store, lines=[LineRequest(product=sku, cartons=2)],
                         confirm=True)
    client = logged_in(clerk)
    page = client.get(reverse("complaints:create"), {"customer": store.pk, "channel": "phone"})
    assert [value for value, _ in page.context["form"].fields["order_id"].choices] == [
        "", order.pk]
    response = client.post(reverse("complaints:create") + f"?customer={store.pk}", {
        "customer": store.pk, "channel": "phone", "kind": "delivery",
        "nature": "good_faith", "severity": "medium", "description": "少送了一条",
        "order_id": str(order.pk),
    })
    assert response.status_code == 302
    assert Complaint.objects.get().order == order



def test_intake_without_a_store_finds_stores_in_scope_only(logged_in, manager, store,
                                                          other_store):
    client = logged_in(manager)
    mine = client.get(reverse("complaints:create"), {"q": store.name})
    theirs = client.get(reverse("complaints:create"), {"q": other_store.name})
    assert list(mine.context["store_matches"]) == [store]
    assert list(theirs.context["store_matches"]) == []
