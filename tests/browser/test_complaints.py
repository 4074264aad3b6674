"""The complaint desk end to end: intake from the store card with a photo, the handling
steps, a supervisor's approval of compensation above the handler's limit, an unsatisfied
call-back that reopens the complaint, and the closed call-back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint, Status

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def open_step(page, name):
    step = page.locator(f"#step-{name}")
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    return step


def do_step(page, name, fields=None, selects=None):
    step = open_step(page, name)
    for field, value in (fields or {}).items():
        step.locator(f"[name='{name}-{field}']").fill(value)
    for field, value in (selects or {}).items():
        step.locator(f"select[name='{name}-{field}']").select_option(value)
    step.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_intake_to_closed_call_back_with_approval_and_reopen(page, manager, supervisor,
                                                               store, settings):
    settings.CRM_COMPLAINT_HANDLER_LIMIT = "500"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    # given the manager on the store card, recording a complaint with a photo
    login(page, manager)
    page.goto(f"/customers/{store.pk}/")
    page.click("#complaints a.btn >> nth=0")
    page.select_option("select[name=channel]", "visit")
    page.select_option("select[name=kind]", "product_quality")
    page.select_option("select[name=severity]", "high")
    page.fill("textarea[name=description]", "整条烟有霉味")
    page.set_input_files("input[name=files]", files=[
        {"name": "mould.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("#complaint-form button[type=submit]")
    page.wait_for_url("**/complaints/*/")
    complaint = Complaint.objects.get()
    assert complaint.attachments.count() == 1
    assert page.locator(".cx-files img").count() == 1

    # when the manager works through the steps and proposes compensation over the limit
    do_step(page, "acknowledge", {"note": "已致歉，两天内处理", "expected_resolution": tomorrow})
    do_step(page, "investigate", {"cause": "仓储受潮"}, {"responsibility": "company"})
    do_step(page, "propose", {"solution": "换货并补偿", "compensation": "800"})
    do_step(page, "agree")

    # then agreeing is refused with a message, and nothing changed
    assert page.locator(".alert-error, .msg-error").first.is_visible()
    assert Complaint.objects.get().status == Status.PROPOSED

    # when the supervisor approves
    page.context.clear_cookies()
    login(page, supervisor)
    page.goto(f"/complaints/{complaint.pk}/")
    do_step(page, "approve", {"note": "同意"})
    assert Complaint.objects.get().approved_by == supervisor

    # the manager agrees, carries out, and the store is not satisfied at the call-back
    page.context.clear_cookies()
    login(page, manager)
    page.goto(f"/complaints/{complaint.pk}/")
    do_step(page, "agree")
    do_step(page, "carry_out")
    do_step(page, "call_back", {"store_feedback": "还是有味道"}, {"satisfaction": "2"})
    complaint.refresh_from_db()
    assert complaint.status == Status.ACKNOWLEDGED
    assert complaint.reopen_count == 1

    # second round: investigate again, a solution within authority, satisfied call-back
    do_step(page, "investigate", {"cause": "整批受潮"}, {"responsibility": "company"})
    do_step(page, "propose", {"solution": "整批换货", "compensation": "0"})
    do_step(page, "agree")
    do_step(page, "carry_out")
    do_step(page, "call_back", {"store_feedback": "满意"}, {"satisfaction": "5"})
    do_step(page, "close", {"review_note": "加强仓储防潮"})

    complaint.refresh_from_db()
    store.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.satisfaction == 5
    assert store.open_complaint_count == 0
    assert page.locator("#complaint-steps li").count() == 15


def test_intake_refuses_a_file_that_is_not_an_image(page, clerk, store):
    login(page, clerk)
    page.goto(f"/complaints/new/?customer={store.pk}&channel=phone")
    page.fill("textarea[name=description]", "送货员态度差")
    page.set_input_files("input[name=files]", files=[
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"MZ not an image"}])
    page.click("#complaint-form button[type=submit]")
    assert page.locator(".field.has-error .error").first.is_visible()
    assert Complaint.objects.count() == 0
