"""Issue 15, found on a phone outside the visit pages: what the home card links to, money,
complaint labels, churn evidence and job runs as words. Each failed before the fix."""

from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from complaints.models import Channel, Status
from complaints.tests.factories import ComplaintFactory
from customers.models import JobRun
from customers.templatetags.crm import yuan
from customers.tests.grading_factories import ChurnWarningFactory

pytestmark = pytest.mark.django_db


def test_home_order_day_card_links_to_todays_weekday(client, manager, store):
    client.force_login(manager)

    html = client.get("/").content.decode()

    weekday = timezone.localdate().isoweekday()
    assert f"?status=active&amp;order_weekday={weekday}\"" in html or \
        f"?status=active&order_weekday={weekday}\"" in html
    assert "order_weekday=十" not in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_money_has_thousands_separators_in_both_languages(language):
    with override(language):
        assert yuan(Decimal("8348550.45")) == "¥8,348,550.45"
        assert yuan(Decimal("-1234")) == "¥-1,234.00"


def test_complaint_pages_name_the_intake_channel_and_closed(client, supervisor, store):
    closed = ComplaintFactory(customer=store, channel=Channel.HOTLINE, status=Status.CLOSED)
    client.force_login(supervisor)

    detail = client.get(f"/complaints/{closed.pk}/").content.decode()
    listing = client.get("/complaints/?state=closed").content.decode()

    for html in (detail, listing):
        assert "订货渠道" not in html
        assert "已注销" not in html
    assert "受理渠道" in detail
    assert "已关闭" in detail and "已关闭" in listing


def test_churn_evidence_is_shown_in_words(client, manager, store):
    ChurnWarningFactory(customer=store, reason="complaint_open",
                        evidence={"complaints": [6, 9], "days_open": 17})
    client.force_login(manager)

    html = client.get("/grading/warnings/").content.decode()

    assert "complaints:" not in html and "days_open" not in html and "[6" not in html
    assert "未结投诉: <b>#6, #9</b>" in html
    assert "已开天数: <b>17</b>" in html


def test_job_runs_are_shown_without_python_reprs(client, admin_user):
    JobRun.objects.create(kind="grades", as_of="2026-11-23", status="succeeded",
                          details={"customers_updated": 3, "snapshots_written": 3,
                                   "window": ["2026-05-01", "2026-10-01"],
                                   "grades": {"A": 1, "B": 1, "C": 1}})
    JobRun.objects.create(kind="churn", as_of="2026-11-23", status="succeeded",
                          details={"raised": 2, "refreshed": 0, "resolved": 1,
                                   "holding": {"no_order": 2, "purchase_drop": 0}})
    client.force_login(admin_user)

    html = client.get("/grading/runs/").content.decode()

    for raw in ("{", "[", "&#x27;", "'", "customers_updated", "no_order"):
        assert raw not in html.split("<tbody>", 1)[1].split("</tbody>", 1)[0], raw
    assert "2026-05-01 – 2026-10-01" in html
    assert "A 1 · B 1 · C 1" in html
