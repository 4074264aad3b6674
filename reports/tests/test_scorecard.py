"""The monthly scorecard: each formula pinned on a small data set worked out by hand, the
close (set-wise, frozen, re-run only by an admin as a new version), the rules, and who may
read which scorecard by page, API and export."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from complaints.tests.factories import ComplaintFactory
from conftest import api_as
from customers.models import Role
from customers.tests.factories import CustomerFactory, UserFactory
from customers.tests.grading_factories import ChurnWarningFactory, GradeChangeFactory
from phone_orders.models import CallRecord
from reports.evaluation import rules, scorecard
from reports.models import (
    EvaluationClose,
    SalesMonthly,
    ScorecardLine,
    ScorecardRule,
    ScoreFormula,
    Target,
)
from visits.tests.factories import PlannedVisitFactory, VisitFactory

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
ZONE = timezone.get_current_timezone()


def _at(day, hour=10, minute=0):
    return datetime(2026, 10, day, hour, minute, tzinfo=ZONE)


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def october(department, territory, manager, other_manager, clerk, supervisor):
    """October 2026 of `manager` and `clerk`, every figure chosen to be worked by hand."""
    stores = [CustomerFactory(territory=territory, manager=manager) for _ in range(3)]
    # purchases 8,000 yuan / 40 cartons (200 a carton) against 7,800 / 40 (195) a year ago
    for month, amount in ((OCT, "8000"), (date(2025, 10, 1), "7800")):
        SalesMonthly.objects.create(month=month, customer=stores[0], department=department,
                                    territory=territory, manager=manager, brand="中华",
                                    price_band=1, cartons=40, amount=Decimal(amount))
    Target.objects.create(month=OCT, indicator="purchase_amount", department=department,
                          manager=manager, value=10000)
    # two upgrades, one downgrade
    for store, old, new in ((stores[0], "B", "A"), (stores[1], "C", "B"), (stores[2], "A", "B")):
        GradeChangeFactory(customer=store, month=OCT, as_of=OCT, old_grade=old, new_grade=new)
    # three warnings, two handled
    for store, status in ((stores[0], "resolved"), (stores[1], "acknowledged"),
                          (stores[2], "open")):
        ChurnWarningFactory(customer=store, status=status, as_of=date(2026, 10, 12))
    # four planned visits, three done; 144 minutes in stores on one day
    for index, status in enumerate(("done", "done", "done", "missed")):
        PlannedVisitFactory(manager=manager, customer=stores[index % 3],
                            date=date(2026, 10, 5 + index), status=status)
    VisitFactory(manager=manager, customer=stores[0], date=date(2026, 10, 5),
                 started_at=_at(5, 9), finished_at=_at(5, 11, 24))
    # a complaint answered late, closed with the store satisfied
    ComplaintFactory(customer=stores[0], handler=manager, taken_by=clerk,
                     received_at=_at(10), first_reply_due=_at(11), acknowledged_at=_at(12),
                     closed_at=_at(20), satisfaction=5, status="closed")
    # one store's record reviewed by a person in the last 90 days
    stores[1]._history_user = supervisor
    stores[1]._history_date = _at(15)
    stores[1].save()
    # the clerk: 4 calls to 3 stores, 2 of them ordered; 120 + 60 + 300 + 240 seconds
    for store, outcome, seconds in ((stores[0], "ordered", 120), (stores[1], "no_answer", 60),
                                    (stores[1], "ordered", 300), (stores[2], "no_need", 240)):
        CallRecord.objects.create(customer=store, clerk=clerk, call_date=date(2026, 10, 6),
                                  outcome=outcome, started_at=_at(6),
                                  ended_at=_at(6) + timedelta(seconds=seconds),
                                  duration_seconds=seconds)
    return stores


MANAGER_POINTS = {
    "purchases_vs_target": Decimal("24.00"),  # 8,000 / 10,000 x 30
    "average_price_change": Decimal("7.56"),  # +2.5641 % in band -5..5: 0.75641 x 10
    "grade_net_upgrades": Decimal("6.67"),  # net +1 in band -3..3: 4/6 x 10
    "churn_handled": Decimal("6.67"),  # 2 of 3: 66.6667 % of 100 x 10
    "stores_lost": Decimal("5.00"),  # none lost: band 0..3 inverse
    "visit_completion": Decimal("11.25"),  # 3 of 4 done: 75 % x 15
    "customer_time_ratio": Decimal("2.50"),  # 144 of 480 minutes = 30 %, of 60 %: x 5
    "complaint_reply_on_time": Decimal("0.00"),  # its only complaint answered late
    "callback_satisfaction": Decimal("5.00"),  # satisfied (5 of 5)
    "records_reviewed": Decimal("1.67"),  # 1 of 3 stores: 33.3333 % x 5
}
CLERK_POINTS = {
    "calls_completed": Decimal("0.04"),  # 4 / 3,000 x 30
    "ordered_share": Decimal("18.52"),  # 2 of 3 stores = 66.6667 %, of 90 %: x 25
    "average_call_seconds": Decimal("15.00"),  # 180 s, at the band's low end (inverse)
    "unmet_demand_recorded": Decimal("0.00"),  # none of 20
    "complaints_from_calls": Decimal("15.00"),  # none
}


def _points(role, user):
    return dict(ScorecardLine.objects.filter(month=OCT, user=user, role=role)
                .values_list("code", "points"))


def test_the_close_scores_a_manager_as_worked_by_hand(october, manager):
    result = scorecard.evaluation_close(month=OCT)
    assert result == {"month": OCT, "version": 1, "created": True, "people": 3}
    assert _points("manager", manager) == MANAGER_POINTS
    line = ScorecardLine.objects.get(user=manager, code="average_price_change")
    assert (line.value, line.target) == (Decimal("2.5641"), None)
    assert ScorecardLine.objects.get(user=manager, code="purchases_vs_target").target == 10000


def test_the_close_scores_a_clerk_as_worked_by_hand(october, clerk):
    scorecard.evaluation_close(month=OCT)
    assert _points("clerk", clerk) == CLERK_POINTS
    assert ScorecardLine.objects.get(user=clerk, code="average_call_seconds").value == 180


def test_a_manager_with_nothing_to_measure(october, other_manager):
    # no purchases and no target: nothing; everything else had nothing to measure: full
    scorecard.evaluation_close(month=OCT)
    points = _points("manager", other_manager)
    assert points["purchases_vs_target"] == Decimal("0.00")
    assert points["grade_net_upgrades"] == Decimal("5.00")  # net 0, the band's middle
    assert sum(points.values()) == Decimal("65.00")


@pytest.mark.parametrize(("formula", "value", "target", "low", "high", "expected"), [
    (ScoreFormula.RATIO, "45", "60", None, None, "7.50"),
    (ScoreFormula.RATIO, "90", "60", None, None, "10.00"),
    (ScoreFormula.RATIO, "90", None, None, None, "0.00"),
    (ScoreFormula.AT_LEAST, "60", "60", None, None, "10.00"),
    (ScoreFormula.AT_LEAST, "59.99", "60", None, None, "0.00"),
    (ScoreFormula.AT_MOST, "300", "300", None, None, "10.00"),
    (ScoreFormula.AT_MOST, "301", "300", None, None, "0.00"),
    (ScoreFormula.BAND, "1", "0", "-3", "3", "6.67"),
    (ScoreFormula.BAND, "9", None, "-3", "3", "10.00"),
    (ScoreFormula.BAND_INVERSE, "300", None, "180", "420", "5.00"),
    (ScoreFormula.BAND_INVERSE, "100", None, "180", "420", "10.00"),
])
def test_each_formula(formula, value, target, low, high, expected):
    def dec(text):
        return None if text is None else Decimal(text)

    assert rules.points(weight=Decimal(10), formula=formula, value=dec(value),
                        target=dec(target), band_low=dec(low),
                        band_high=dec(high)) == Decimal(expected)


def test_a_closed_month_stays_as_it_is_and_an_admin_recloses_as_a_new_version(
        october, manager, admin_user):
    scorecard.evaluation_close(month=OCT)
    lines = ScorecardLine.objects.count()
    again = scorecard.evaluation_close(month=OCT)
    assert (again["created"], again["version"], ScorecardLine.objects.count()) == (
        False, 1, lines)
    Target.objects.filter(manager=manager).update(value=8000)  # as if set before the close
    third = scorecard.evaluation_close(month=OCT, user=admin_user, reclose=True)
    assert third["version"] == 2
    assert ScorecardLine.objects.count() == 2 * lines
    report = scorecard.scorecards(user=admin_user, month=OCT, role="manager")
    mine = next(card for card in report["cards"] if card["user"] == manager)
    assert mine["lines"][0]["points"] == Decimal("30.00")  # the latest version is read
    assert ScorecardLine.objects.get(user=manager, version=1,
                                     code="purchases_vs_target").points == Decimal("24.00")


@pytest.mark.parametrize("persona", ["manager", "supervisor", "clerk"])
def test_only_an_admin_closes_a_closed_month_again(october, personas, persona):
    scorecard.evaluation_close(month=OCT)
    with pytest.raises(PermissionDenied):
        scorecard.evaluation_close(month=OCT, user=personas[persona], reclose=True)
    assert list(EvaluationClose.objects.values_list("version", flat=True)) == [1]


def test_the_open_month_cannot_be_closed_and_is_provisional(october, manager):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(scorecard.BusinessError):
        scorecard.evaluation_close(month=this_month)
    report = scorecard.scorecards(user=manager, month=OCT, role="manager")
    assert report["provisional"] is True
    assert {line["code"]: line["points"] for line in report["cards"][0]["lines"]} == \
        MANAGER_POINTS


def test_close_month_command_is_rerunnable(october):
    out = StringIO()
    with translation.override("en"):
        call_command("close_month", "--month", "2026-10", stdout=out)
        call_command("close_month", "--month", "2026-10", stdout=out)
    assert EvaluationClose.objects.count() == 1
    assert out.getvalue().splitlines() == [
        "2026-10 closed: version 1, 3 people.",
        "2026-10 was already closed (version 1); nothing changed."]


def test_the_close_runs_on_the_first_of_the_month():
    entry = settings.CELERY_BEAT_SCHEDULE["reports-evaluation-close"]
    assert entry["task"] == "reports.evaluation_close"
    assert entry["schedule"].day_of_month == {1}
    assert scorecard.month_to_close(date(2026, 11, 1)) == OCT


# --- reading: pages, API, export ------------------------------------------------------


@pytest.mark.parametrize(("persona", "usernames"), [
    ("manager", ["mgr_owner"]),
    ("other_manager", ["mgr_other"]),
    ("clerk", []),
    ("supervisor", ["mgr_owner", "mgr_other"]),
    ("other_supervisor", ["far_mgr"]),
    ("admin", ["mgr_owner", "mgr_other", "far_mgr"]),
])
def test_api_scoped_rows_whose_points_add_up(october, personas, far_territory, persona,
                                            usernames):
    UserFactory(username="far_mgr", role=Role.MANAGER, department=far_territory.department)
    scorecard.evaluation_close(month=OCT)
    response = api_as(personas[persona]).get("/api/evaluations/",
                                             {"month": "2026-10", "role": "manager"})
    assert response.status_code == 200
    assert sorted(row["username"] for row in response.data) == sorted(usernames)
    for row in response.data:
        assert sum(Decimal(i["points"]) for i in row["indicators"]) == Decimal(row["total"])
    if persona == "manager":
        assert response.data[0]["total"] == "70.32"
        assert response.data[0]["provisional"] is False


def test_api_clerk_sees_own_and_bad_role_is_400(october, clerk):
    rows = api_as(clerk).get("/api/evaluations/", {"month": "2026-10", "role": "clerk"}).data
    assert [(row["username"], row["total"]) for row in rows] == [("clerk", "48.56")]
    response = api_as(clerk).get("/api/evaluations/", {"role": "boss"},
                                 HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Unknown role" in response.data["detail"]


def test_manager_reads_own_scorecard_page_and_export(client, october, manager):
    client.force_login(manager)
    page = client.get(reverse("reports:scorecard"), {"month": "2026-10"})
    assert page.status_code == 200
    assert '<th class="num" id="scorecard-total">70.32</th>' in page.content.decode()
    sheet = load_workbook(BytesIO(b"".join(client.get(
        reverse("reports:scorecard-export"), {"month": "2026-10"}).streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][-1])) == Decimal("70.32")


def test_scorecard_links_lead_to_the_persons_own_records_of_the_month(client, october,
                                                                        manager):
    client.force_login(manager)
    html = client.get(reverse("reports:scorecard"), {"month": "2026-10"}).content.decode()
    visits = reverse("visits:stats")
    assert (f'{visits}?manager={manager.pk}&amp;first_day=2026-10-01&amp;last_day=2026-10-31'
            in html)
    assert f'{reverse("customers:list")}?manager={manager.pk}' in html


@pytest.mark.parametrize(("persona", "status"), [
    ("manager", 200), ("other_manager", 404), ("clerk", 404), ("supervisor", 200),
    ("other_supervisor", 404), ("admin", 200)])
def test_who_may_read_a_managers_scorecard(client, october, personas, manager, persona,
                                           status):
    client.force_login(personas[persona])
    for name in ("reports:scorecard", "reports:scorecard-export"):
        response = client.get(reverse(name), {"month": "2026-10", "user": manager.pk})
        assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), [
    ("manager", 403), ("clerk", 403), ("supervisor", 200), ("admin", 200)])
def test_ranking_for_supervisors_and_admins_only(client, october, personas, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("reports:ranking"), {"month": "2026-10"}).status_code == status
    export = client.get(reverse("reports:ranking-export"), {"month": "2026-10"})
    assert export.status_code == status
    if status == 200:
        sheet = load_workbook(BytesIO(b"".join(export.streaming_content))).active
        names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert names == ["mgr_owner", "mgr_other"]  # 70.32, then 65.00


def test_supervisor_ranking_ranks_by_total(october, supervisor):
    report = scorecard.scorecards(user=supervisor, month=OCT, role="manager")
    assert [(c["rank"], c["user"].username, c["total"]) for c in report["cards"]] == [
        (1, "mgr_owner", Decimal("70.32")), (2, "mgr_other", Decimal("65.00"))]


def test_admin_closes_from_the_ranking_page(client, october, admin_user, supervisor):
    client.force_login(supervisor)
    assert client.post(reverse("reports:ranking"), {"month": "2026-10"}).status_code == 403
    client.force_login(admin_user)
    response = client.post(reverse("reports:ranking"), {"month": "2026-10"})
    assert response.status_code == 302
    assert EvaluationClose.objects.get().closed_by == admin_user


# --- rules ----------------------------------------------------------------------------


def test_default_rules_are_shipped_and_add_up_to_100():
    for role, count in (("manager", 10), ("clerk", 5)):
        weights = ScorecardRule.objects.filter(role=role).values_list("weight", flat=True)
        assert (len(weights), sum(weights)) == (count, 100)


def _rule_rows(role="clerk", **changes):
    rows = [{"code": r.code, "weight": str(r.weight), "formula": r.formula,
             "target": r.target, "band_low": r.band_low, "band_high": r.band_high}
            for r in rules.rules_for(role)]
    for row in rows:
        row.update(changes.get(row["code"], {}))
    return rows


def test_admin_edits_rules_with_history(admin_user):
    rules.rules_save(user=admin_user, role="clerk", rows=_rule_rows(
        calls_completed={"weight": "25"}, ordered_share={"weight": "30"}))
    rule = ScorecardRule.objects.get(role="clerk", code="calls_completed")
    assert rule.weight == 25
    assert rule.history.latest().history_user == admin_user


@pytest.mark.parametrize(("changes", "message"), [
    ({"calls_completed": {"weight": "31"}}, "add up to 101.00, not 100"),
    ({"calls_completed": {"formula": "magic"}}, "unknown formula"),
    ({"average_call_seconds": {"band_low": "500"}}, "a band needs a low below its high"),
    ({"calls_completed": {"target": ""}}, "needs a target"),
    ({"calls_completed": {"weight": "-1"}}, "cannot be negative"),
])
def test_bad_rules_are_refused_and_nothing_changes(admin_user, changes, message):
    before = list(ScorecardRule.objects.values_list("code", "weight", "formula", "target"))
    with pytest.raises(rules.BusinessError) as refused, translation.override("en"):
        rules.rules_save(user=admin_user, role="clerk", rows=_rule_rows(**changes))
    assert message in refused.value.message
    assert list(ScorecardRule.objects.values_list("code", "weight", "formula",
                                                  "target")) == before


@pytest.mark.parametrize("persona", ["manager", "clerk", "supervisor"])
def test_only_admins_edit_rules(client, personas, persona):
    client.force_login(personas[persona])
    before = list(ScorecardRule.objects.values_list("code", "weight"))
    assert client.get(reverse("reports:scorecard-rules")).status_code == 403
    assert client.post(reverse("reports:scorecard-rules"),
                       {"role": "clerk", "code": ["calls_completed"],
                        "weight-calls_completed": "100",
                        "formula-calls_completed": "ratio",
                        "target-calls_completed": "1"}).status_code == 403
    assert list(ScorecardRule.objects.values_list("code", "weight")) == before


def test_rules_page_saves(client, admin_user):
    client.force_login(admin_user)
    data = {"role": "clerk", "code": [r["code"] for r in _rule_rows()]}
    for row in _rule_rows():
        for field in ("weight", "formula", "target", "band_low", "band_high"):
            data[f"{field}-{row['code']}"] = "" if row[field] is None else row[field]
    data["weight-calls_completed"] = "20"
    data["weight-unmet_demand_recorded"] = "25"
    assert client.get(reverse("reports:scorecard-rules")).status_code == 200
    response = client.post(reverse("reports:scorecard-rules"), data)
    assert response.status_code == 302
    assert ScorecardRule.objects.get(code="unmet_demand_recorded").weight == 25


def test_a_store_moved_during_the_month_counts_for_whoever_held_it_at_the_months_end(
        store, manager, other_manager, admin_user, sku):
    # given: `manager` held the store until 15 October, then `other_manager`; it bought in
    # September (217.50) and on 6 October, before the move (435.00)
    import pandas as pd

    from customers.models import Customer
    from customers.services import customer_reassign
    from phone_orders.imports import load_rows
    from phone_orders.services import cycle_start_for
    from reports.services import sales_summary_rebuild

    history = Customer.history.model.objects.filter(id=store.pk)
    history.update(history_date=datetime(2026, 1, 5, 12, tzinfo=ZONE))
    customer_reassign(customer=store, manager=other_manager, user=admin_user)
    latest = history.order_by("-history_id").first()
    history.filter(history_id=latest.history_id).update(history_date=_at(15))
    frame = pd.DataFrame([(store.pk, date(2026, 9, 8), sku.pk, 1, "217.50"),
                          (store.pk, date(2026, 10, 6), sku.pk, 2, "435.00")],
                         columns=["customer_id", "order_date", "product_id", "cartons",
                                  "amount"])
    frame["cycle_start"] = [cycle_start_for(day) for day in frame["order_date"]]
    load_rows(frame)
    sales_summary_rebuild()
    # when
    scorecard.evaluation_close(month=date(2026, 9, 1))
    scorecard.evaluation_close(month=OCT)
    # then: September is the old holder's, October (the month of the move) the new one's
    values = dict(((line.month.month, line.user.username), line.value)
                  for line in ScorecardLine.objects.filter(code="purchases_vs_target"))
    assert values == {(9, "mgr_owner"): Decimal("217.50"), (9, "mgr_other"): 0,
                      (10, "mgr_owner"): 0, (10, "mgr_other"): Decimal("435.00")}


def test_the_task_closes_the_month_given_or_just_ended(october):
    from reports.evaluation.tasks import evaluation_close_task

    assert evaluation_close_task("2026-10-01") == 1
    assert evaluation_close_task("2026-10-01") == 1  # already closed: unchanged
    assert EvaluationClose.objects.count() == 1


def test_service_call_back_attitude_feeds_a_scorecard_that_weighs_it(admin_user, store,
                                                                       manager, clerk):
    """Answers of the service call-backs (complaints.Callback) score the person who made
    the visit; an admin gives the indicator a weight in the manager's rules."""
    from complaints.models import Callback, CallbackSubject

    rows = _rule_rows("manager", records_reviewed={"weight": "0"})
    rows.append({"code": "service_callback_attitude", "weight": "5", "formula": "ratio",
                 "target": "5", "band_low": None, "band_high": None})
    rules.rules_save(user=admin_user, role="manager", rows=rows)
    for attitude in (5, 4):
        visit = VisitFactory(customer=store, manager=manager, date=date(2026, 10, 12))
        Callback.objects.create(subject=CallbackSubject.VISIT, visit=visit, customer=store,
                                served_by=manager, as_agreed=True, attitude=attitude,
                                answered_by=clerk, answered_at=_at(13))

    (card,) = scorecard.compute(month=OCT, role="manager", user_ids=[manager.pk])

    line = next(li for li in card["lines"] if li["code"] == "service_callback_attitude")
    assert line["value"] == Decimal("4.5000")
    assert line["points"] == Decimal("4.50")  # 5 x 4.5 / 5
    with translation.override("zh-hans"):
        assert str(rules.indicator_label("manager", "service_callback_attitude")) == (
            "服务回访态度评分（1-5）")
