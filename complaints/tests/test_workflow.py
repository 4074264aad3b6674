from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from complaints import deadlines, services
from complaints.models import Attachment, Complaint, ComplaintStep, Responsibility, Status
from complaints.tests.factories import PDF, PNG
from crm_project.errors import BusinessError
from customers.models import ChurnReason, ChurnWarning, WarningStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOMORROW = timezone.localdate() + timedelta(days=1)


def carried_out(complaint, user, compensation="0"):
    services.complaint_acknowledge(complaint=complaint, user=user, note="抱歉，三天内处理",
                                   expected_resolution=TOMORROW)
    services.complaint_investigate(complaint=complaint, user=user, cause="承运商延误",
                                   responsibility=Responsibility.CARRIER)
    services.complaint_propose(complaint=complaint, user=user, solution="补送并致歉",
                               compensation=Decimal(compensation))
    services.complaint_agree(complaint=complaint, user=user)
    return services.complaint_carry_out(complaint=complaint, user=user)


def test_intake_opens_complaint_counts_it_and_records_who_took_it(make_complaint, store,
                                                                    manager):
    complaint = make_complaint()
    store.refresh_from_db()
    assert store.open_complaint_count == 1
    assert complaint.taken_by == manager
    assert complaint.handler == manager
    assert complaint.status == Status.RECEIVED
    assert list(complaint.steps.values_list("kind", flat=True)) == ["received"]


def test_whole_path_to_closed_after_satisfied_call_back(make_complaint, store, manager):
    complaint = carried_out(make_complaint(), manager)
    complaint = services.complaint_call_back(complaint=complaint, user=manager, satisfaction=5,
                                             store_feedback="很满意")
    assert complaint.status == Status.CALLED_BACK
    complaint = services.complaint_close(complaint=complaint, user=manager,
                                         review_note="提醒承运商")
    store.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert store.open_complaint_count == 0
    assert list(complaint.steps.values_list("kind", flat=True)) == [
        "received", "acknowledged", "investigated", "proposed", "agreed", "carried_out",
        "called_back", "closed"]
    assert set(complaint.steps.values_list("user", flat=True)) == {manager.pk}


def test_unsatisfied_call_back_reopens_for_new_investigation(make_complaint, store, manager):
    complaint = carried_out(make_complaint(), manager)
    complaint = services.complaint_call_back(complaint=complaint, user=manager, satisfaction=2,
                                             store_feedback="还是没解决")
    store.refresh_from_db()
    assert complaint.status == Status.ACKNOWLEDGED
    assert complaint.reopen_count == 1
    assert store.open_complaint_count == 1
    with pytest.raises(BusinessError):
        services.complaint_close(complaint=complaint, user=manager, review_note="x")
    complaint = carried_out_again(complaint, manager)
    assert complaint.status == Status.CARRIED_OUT


def carried_out_again(complaint, user):
    services.complaint_investigate(complaint=complaint, user=user, cause="再查",
                                   responsibility=Responsibility.COMPANY)
    services.complaint_propose(complaint=complaint, user=user, solution="换货")
    services.complaint_agree(complaint=complaint, user=user)
    return services.complaint_carry_out(complaint=complaint, user=user)


def test_closed_complaint_reopens_and_counts_again(make_complaint, store, manager):
    complaint = carried_out(make_complaint(), manager)
    services.complaint_call_back(complaint=complaint, user=manager, satisfaction=4)
    services.complaint_close(complaint=complaint, user=manager, review_note="ok")
    complaint = services.complaint_reopen(complaint=complaint, user=manager, reason="又来了")
    store.refresh_from_db()
    assert complaint.status == Status.ACKNOWLEDGED
    assert complaint.closed_at is None
    assert store.open_complaint_count == 1


def test_call_back_before_carried_out_is_refused_and_changes_nothing(make_complaint, manager):
    complaint = make_complaint()
    with pytest.raises(BusinessError) as error:
        services.complaint_call_back(complaint=complaint, user=manager, satisfaction=5)
    assert error.value.field == "status"
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED
    assert complaint.satisfaction is None
    assert complaint.steps.count() == 1


@pytest.mark.parametrize("satisfaction", [0, 6, "abc", None])
def test_satisfaction_outside_1_to_5_is_refused(make_complaint, manager, satisfaction):
    complaint = carried_out(make_complaint(), manager)
    with pytest.raises(BusinessError) as error:
        services.complaint_call_back(complaint=complaint, user=manager,
                                     satisfaction=satisfaction)
    assert error.value.field == "satisfaction"
    complaint.refresh_from_db()
    assert complaint.status == Status.CARRIED_OUT
    assert complaint.satisfaction is None


@override_settings(CRM_COMPLAINT_HANDLER_LIMIT="500")
def test_compensation_over_limit_cannot_be_agreed_without_approval(make_complaint, manager,
                                                                   supervisor):
    complaint = make_complaint()
    services.complaint_acknowledge(complaint=complaint, user=manager, note="抱歉",
                                   expected_resolution=TOMORROW)
    services.complaint_investigate(complaint=complaint, user=manager, cause="质量问题",
                                   responsibility=Responsibility.COMPANY)
    complaint = services.complaint_propose(complaint=complaint, user=manager, solution="赔偿",
                                           compensation=Decimal("800.00"))
    assert complaint.approval_required is True
    with pytest.raises(BusinessError):
        services.complaint_agree(complaint=complaint, user=manager)
    complaint.refresh_from_db()
    assert complaint.status == Status.PROPOSED
    with pytest.raises(PermissionDenied):
        services.complaint_approve(complaint=complaint, user=manager)
    services.complaint_approve(complaint=complaint, user=supervisor)
    complaint = services.complaint_agree(complaint=complaint, user=manager)
    assert complaint.status == Status.AGREED
    assert complaint.approved_by == supervisor


@override_settings(CRM_COMPLAINT_HANDLER_LIMIT="500")
def test_compensation_within_limit_needs_no_approval(make_complaint, manager):
    complaint = carried_out(make_complaint(), manager, compensation="500.00")
    assert complaint.approval_required is False
    assert complaint.status == Status.CARRIED_OUT


def test_supervisor_of_another_department_cannot_approve(make_complaint, manager,
                                                         other_supervisor):
    complaint = make_complaint()
    with pytest.raises(PermissionDenied):
        services.complaint_approve(complaint=complaint, user=other_supervisor)


def test_intake_refuses_store_outside_scope(other_store, manager):
    with pytest.raises(BusinessError) as error:
        services.complaint_create(user=manager, customer=other_store, channel="phone",
                                  kind="service", description="态度差")
    assert error.value.field == "customer"
    assert Complaint.objects.count() == 0
    other_store.refresh_from_db()
    assert other_store.open_complaint_count == 0


def test_intake_with_photo_and_pdf_stores_both(make_complaint):
    files = [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.bin", PDF)]
    complaint = make_complaint(files=files)
    assert sorted(complaint.attachments.values_list("content_type", flat=True)) == [
        "application/pdf", "image/png"]


def test_file_that_is_not_image_or_pdf_is_refused_by_content(make_complaint):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not really a jpeg")
    with pytest.raises(BusinessError) as error:
        make_complaint(files=[SimpleUploadedFile("ok.png", PNG), fake])
    assert error.value.field == "files"
    assert Complaint.objects.count() == 0
    assert Attachment.objects.count() == 0


@override_settings(CRM_COMPLAINT_ATTACHMENT_MAX_BYTES=100)
def test_file_over_size_limit_is_refused(make_complaint, manager):
    complaint = make_complaint()
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 100)
    with pytest.raises(BusinessError):
        services.complaint_attach(complaint=complaint, user=manager, files=[big])
    assert Attachment.objects.count() == 0
    assert ComplaintStep.objects.filter(kind="attachment").count() == 0


@pytest.mark.parametrize("head,expected", [
    (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"GIF89a..", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (b"%PDF-1.7", "application/pdf"),
    (b"<html>", None),
])
def test_sniff_content_type_by_magic_bytes(head, expected):
    kind = services.sniff_content_type(head)
    assert (kind[0] if kind else None) == expected


def test_first_reply_due_skips_the_weekend():
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)
    assert deadlines.first_reply_due(friday) == datetime(2026, 11, 23, 15, 0, tzinfo=SHANGHAI)
    assert deadlines.first_reply_due(saturday) == datetime(2026, 11, 24, 0, 0,
                                                           tzinfo=SHANGHAI)


def test_resolution_target_follows_admin_setting(make_complaint):
    from complaints.models import ResolutionTarget

    ResolutionTarget.objects.update_or_create(severity="high", defaults={"days": 2})
    complaint = make_complaint(severity="high")
    assert complaint.resolution_due - complaint.received_at == timedelta(days=2)


@override_settings(CRM_COMPLAINT_CHURN_DAYS=7)
def test_long_open_complaint_raises_churn_warning_and_closing_resolves_it(make_complaint,
                                                                          store, manager):
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(
        received_at=timezone.now() - timedelta(days=9))
    young = make_complaint()
    assert services.complaint_churn_scan() == 1
    assert services.complaint_churn_scan() == 0
    warning = ChurnWarning.objects.get(customer=store, reason=ChurnReason.COMPLAINT_OPEN)
    assert warning.status == WarningStatus.OPEN
    assert warning.evidence["complaints"] == [complaint.pk]
    assert warning.owner == manager
    complaint.refresh_from_db()
    carried_out(complaint, manager)
    services.complaint_call_back(complaint=complaint, user=manager, satisfaction=4)
    services.complaint_close(complaint=complaint, user=manager, review_note="ok")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.RESOLVED
    assert young.status == Status.RECEIVED


def test_overdue_complaint_notifies_handler_and_supervisor_once(make_complaint, manager,
                                                                supervisor, mailoutbox):
    manager.email, supervisor.email = "m@example.com", "s@example.com"
    manager.save()
    supervisor.save()
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(
        first_reply_due=timezone.now() - timedelta(hours=1))
    assert services.complaint_overdue_notify() == 1
    assert services.complaint_overdue_notify() == 0
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["m@example.com", "s@example.com"]


def test_assign_refuses_handler_outside_scope_and_keeps_the_old_one(make_complaint, manager,
                                                                    far_territory):
    from customers.models import Role
    from customers.tests.factories import UserFactory

    stranger = UserFactory(username="far_mgr", role=Role.MANAGER,
                           department=far_territory.department)
    complaint = make_complaint()
    with pytest.raises(BusinessError) as error:
        services.complaint_assign(complaint=complaint, user=manager, handler=stranger)
    assert error.value.field == "handler"
    complaint.refresh_from_db()
    assert complaint.handler == manager
    assert complaint.steps.filter(kind="assigned").count() == 0


def test_acknowledge_needs_the_apology_and_a_date(make_complaint, manager):
    complaint = make_complaint()
    with pytest.raises(BusinessError) as error:
        services.complaint_acknowledge(complaint=complaint, user=manager, note="  ",
                                       expected_resolution=TOMORROW)
    assert error.value.field == "note"
    with pytest.raises(BusinessError) as error:
        services.complaint_acknowledge(complaint=complaint, user=manager, note="抱歉",
                                       expected_resolution=TOMORROW - timedelta(days=3))
    assert error.value.field == "expected_resolution"
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED
    assert complaint.acknowledged_at is None


def test_the_store_satisfaction_follows_the_call_back_not_a_typed_value(make_complaint, store,
                                                                        manager):
    from customers.forms import CustomerForm

    assert "satisfaction" not in CustomerForm.base_fields  # no longer typed by hand
    complaint = carried_out(make_complaint(), manager)

    services.complaint_call_back(complaint=complaint, user=manager, satisfaction=2)

    store.refresh_from_db()
    assert store.satisfaction == 2
