from datetime import timedelta
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import timezone

from complaints.models import Complaint
from complaints.tasks import complaint_churn_scan_task, complaint_overdue_notify_task
from customers.models import ChurnReason, ChurnWarning


def test_intake_link_carries_store_channel_and_visit(store):
    html = render_to_string("complaints/_intake_link.html", {
        "customer": store, "channel": "visit", "visit": SimpleNamespace(pk=77)})
    assert f"/complaints/new/?customer={store.pk}&amp;channel=visit&amp;visit=77" in html


def test_intake_link_defaults_to_phone_channel(store):
    html = render_to_string("complaints/_intake_link.html", {"customer": store})
    assert f"/complaints/new/?customer={store.pk}&amp;channel=phone\"" in html


def test_nightly_churn_task_raises_warning_for_long_open_complaint(make_complaint, store):
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(
        received_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate().isoformat()
    assert complaint_churn_scan_task.delay(today=today).get() == 1
    assert ChurnWarning.objects.filter(customer=store,
                                       reason=ChurnReason.COMPLAINT_OPEN).count() == 1


def test_churn_task_leaves_young_complaints_alone(make_complaint, store):
    make_complaint()
    assert complaint_churn_scan_task.delay().get() == 0
    assert ChurnWarning.objects.count() == 0


def test_overdue_task_marks_complaint_notified(make_complaint, manager, mailoutbox):
    manager.email = "m@example.com"
    manager.save()
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(
        resolution_due=timezone.now() - timedelta(minutes=5))
    assert complaint_overdue_notify_task.delay().get() == 1
    complaint.refresh_from_db()
    assert complaint.overdue_notified_at is not None
    assert mailoutbox[0].to == ["m@example.com"]
