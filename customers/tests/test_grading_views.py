"""Pages: the warning inbox (htmx actions), the store card's grade block, runs, settings,
and the warning filter of the customer list."""

import datetime
from decimal import Decimal

import pytest

from customers.grading.jobs import recompute_grades
from customers.grading.selectors import grading_settings_get
from customers.models import ChurnWarning, JobRun
from customers.templatetags.crm import yuan
from customers.tests.grading_factories import ChurnWarningFactory, MonthlyPurchaseFactory


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user


def test_manager_inbox_lists_own_open_warnings(db, login, manager, store, other_store):
    ChurnWarningFactory(customer=store, evidence={"days_since_last_order": 21})
    ChurnWarningFactory(customer=other_store)
    page = login(manager).get("/grading/warnings/")
    assert page.status_code == 200
    assert list(page.context["page_obj"]) == list(ChurnWarning.objects.filter(customer=store))
    assert "未订货天数: <b>21</b>" in page.content.decode()  # evidence, readable


@pytest.mark.parametrize("persona", ["clerk"])
def test_clerks_have_no_inbox(db, login, personas, persona):
    assert login(personas[persona]).get("/grading/warnings/").status_code == 403


def test_htmx_acknowledge_returns_the_row(db, login, manager, store):
    warning = ChurnWarningFactory(customer=store)
    answer = login(manager).post(f"/grading/warnings/{warning.pk}/acknowledge/",
                                 HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert f'id="warning-{warning.pk}"' in answer.content.decode()
    warning.refresh_from_db()
    assert warning.status == "acknowledged"


def test_resolving_without_a_how_shows_the_error_and_changes_nothing(db, login, manager,
                                                                      store):
    warning = ChurnWarningFactory(customer=store)
    answer = login(manager).post(f"/grading/warnings/{warning.pk}/resolve/",
                                 {"resolution": ""}, HTTP_HX_REQUEST="true")
    assert 'role="alert"' in answer.content.decode()
    warning.refresh_from_db()
    assert warning.status == "open"


def test_another_managers_warning_is_a_404(db, login, other_manager, store):
    warning = ChurnWarningFactory(customer=store)
    answer = login(other_manager).post(f"/grading/warnings/{warning.pk}/dismiss/")
    assert answer.status_code == 404
    warning.refresh_from_db()
    assert warning.status == "open"


def test_store_card_shows_grade_tier_and_why(db, login, manager, store, other_store):
    for customer, amount in [(store, "9000"), (other_store, "1000")]:
        for month in (8, 9, 10):
            MonthlyPurchaseFactory(customer=customer, month=datetime.date(2026, month, 1),
                                   amount=Decimal(amount))
    recompute_grades(as_of=datetime.date(2026, 11, 23))
    page = login(manager).get(f"/customers/{store.pk}/").content.decode()
    assert 'id="grading"' in page
    assert yuan(Decimal("9000")) in page
    assert "tier 16" in page or "16档" in page  # 2 stores, 30 tiers: (2-1)*30//2+1
    assert page.count('class="grade-bar"') == 1


@pytest.mark.parametrize("persona", ["manager", "supervisor", "clerk"])
def test_only_admins_see_runs_and_settings(db, login, personas, persona):
    client = login(personas[persona])
    assert client.get("/grading/runs/").status_code == 403
    assert client.post("/grading/runs/", {"kind": "grades"}).status_code == 403
    assert client.get("/grading/settings/").status_code == 403
    assert JobRun.objects.count() == 0


def test_settings_page_refuses_shares_that_do_not_add_up(db, login, admin_user):
    answer = login(admin_user).post("/grading/settings/", {
        "which": "grading", "grading-window_months": 3, "grading-method": "cumulative_share",
        "grading-a_share_percent": "80", "grading-b_share_percent": "15",
        "grading-c_share_percent": "10", "grading-a_amount": "30000",
        "grading-b_amount": "10000", "grading-tier_count": 30})
    assert answer.status_code == 200
    assert answer.context["grading_form"].errors["c_share_percent"]
    assert grading_settings_get().c_share_percent == Decimal("5.00")


def test_admin_starts_a_run_from_the_page(db, login, admin_user, store,
                                          django_capture_on_commit_callbacks):
    MonthlyPurchaseFactory(customer=store, month=datetime.date(2026, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        answer = login(admin_user).post("/grading/runs/", {"kind": "grades",
                                                           "as_of": "2026-11-23"})
    assert answer.status_code == 302
    run = JobRun.objects.get()
    assert (run.kind, run.status, run.stores_processed, run.started_by) == (
        "grades", "succeeded", 1, admin_user)
    assert "grades" in login(admin_user).get("/grading/runs/").content.decode()


def test_customer_list_and_api_filter_stores_with_open_warnings(db, login, supervisor, store,
                                                                 other_store):
    ChurnWarningFactory(customer=store, reason="purchase_drop")
    ChurnWarningFactory(customer=other_store, reason="no_order", status="resolved")
    page = login(supervisor).get("/customers/?warning=any")
    assert list(page.context["page_obj"]) == [store]
    assert list(login(supervisor).get("/customers/?warning=no_order")
                .context["page_obj"]) == []
    from conftest import api_as

    rows = api_as(supervisor).get("/api/customers/?warning=purchase_drop").json()["results"]
    assert [r["id"] for r in rows] == [store.pk]
