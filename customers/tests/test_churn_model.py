"""The learned churn risk: back-tested training, the baseline gate, scoring in the scan
(issue 12). Small histories, so that each training takes seconds."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from crm_project.errors import BusinessError
from customers.grading import churn_model
from customers.grading.jobs import scan_churn
from customers.grading.selectors import churn_settings_get
from customers.grading.training import monday, train_churn_model
from customers.models import (
    ChurnModel,
    ChurnModelStatus,
    ChurnRuleSettings,
    ChurnWarning,
    Customer,
    JobRun,
)
from customers.tests.factories import CustomerFactory
from phone_orders.models import Order, OrderStatus

AS_OF = datetime.date(2026, 11, 20)


def history(territory, manager, *, stores=240, weeks=60, seed=7) -> list[Customer]:
    """Stores on weekly, fortnightly and four-weekly cycles over `weeks` weeks before
    AS_OF; about a quarter stop ordering at some week and never come back."""
    rng = random.Random(seed)
    customers = Customer.objects.bulk_create(
        CustomerFactory.build_batch(stores, territory=territory, manager=manager))
    first = monday(AS_OF) - datetime.timedelta(weeks=weeks)
    orders = []
    for customer in customers:
        cycle = rng.choice([1, 1, 1, 2, 4])
        stop = rng.randint(10, weeks + 8) if rng.random() < 0.3 else weeks
        phase = rng.randrange(cycle)
        for week in range(weeks):
            if week >= stop or (week + phase) % cycle or rng.random() < 0.05:
                continue
            cycle_start = first + datetime.timedelta(weeks=week)
            orders.append(Order(customer=customer, cycle_start=cycle_start,
                                order_date=cycle_start + datetime.timedelta(days=1),
                                status=OrderStatus.CONFIRMED,
                                total_amount=Decimal(rng.randint(200, 5000))))
    Order.objects.bulk_create(orders, batch_size=5000)
    for customer in customers:
        last = max((o.order_date for o in orders if o.customer_id == customer.pk), default=None)
        Customer.objects.filter(pk=customer.pk).update(last_order_date=last)
    return customers


def test_features_measure_recency_against_the_store_s_own_interval():
    weekly = [1.0] * 20 + [0.0] * 3
    monthly = ([1.0, 0, 0, 0] * 5) + [0.0] * 3
    features, scored = churn_model.week_features(
        __import__("numpy").array([weekly, monthly], dtype="float32"), 23)
    assert list(scored) == [True, True]
    assert list(features["weeks_since_last"]) == [4.0, 7.0]
    assert list(features["usual_interval_weeks"]) == [1.0, 4.0]
    assert list(features["recency_in_intervals"]) == [4.0, 1.75]


def test_training_back_tests_beats_the_baseline_and_goes_in_service(db, territory, manager):
    history(territory, manager)
    model = train_churn_model(as_of=AS_OF)
    assert model.status == ChurnModelStatus.IN_SERVICE
    figures, baseline = model.metrics["model"], model.metrics["baseline"]
    assert figures["auc"] >= baseline["auc"] > 0.5
    assert 0 <= figures["precision"] <= 1 and 0 <= figures["recall"] <= 1
    assert [d["decile"] for d in figures["calibration"]] == list(range(1, 11))
    assert len(baseline["calibration"]) == 10
    # Tested on the latest cut-offs, trained only on labels that end before them.
    last_train = datetime.date.fromisoformat(model.metrics["train_cutoffs"][-1])
    first_test = datetime.date.fromisoformat(model.metrics["test_cutoffs"][0])
    assert last_train + datetime.timedelta(weeks=model.horizon_weeks) <= first_test
    run = JobRun.objects.get(kind="train")
    assert (run.status, run.details["version"], model.job_run) == ("succeeded", 1, run)
    assert churn_model.model_load(model.model) is not None


def test_the_scan_scores_every_active_store_and_warns_by_risk(db, territory, manager):
    customers = history(territory, manager)
    train_churn_model(as_of=AS_OF)
    run = scan_churn(as_of=AS_OF)
    assert run.details["model_version"] == 1
    risks = dict(Customer.objects.values_list("pk", "churn_risk"))
    assert all(0 <= risks[c.pk] <= 100 for c in customers)
    threshold = churn_settings_get().risk_threshold_percent
    for warning in ChurnWarning.objects.all():
        assert warning.score == risks[warning.customer_id] >= threshold
        assert warning.evidence["churn_risk"] == warning.score
        assert isinstance(warning.evidence["explanations"], list)
    # The stores at risk carry what drives it; the others nothing.
    reasons = dict(Customer.objects.values_list("pk", "churn_reasons"))
    assert all(not reasons[pk] for pk, risk in risks.items() if risk < threshold)
    explained = [reasons[pk] for pk, risk in risks.items() if risk >= threshold]
    assert explained and sum(bool(items) for items in explained) > len(explained) / 2
    assert {item["code"] for items in explained for item in items} <= {
        "cycles_missed", "weeks_silent", "purchase_drop", "complaint_open", "not_visited"}
    # A store silent for many of its cycles is at risk; one that ordered last week is not.
    silent = [c for c in customers if c.pk in dict(Customer.objects.filter(
        last_order_date__lt=AS_OF - datetime.timedelta(weeks=10)).values_list("pk", "pk"))]
    fresh = Customer.objects.filter(last_order_date__gte=AS_OF - datetime.timedelta(days=10))
    assert silent and fresh.exists()
    assert min(risks[c.pk] for c in silent) > max(risks[c.pk] for c in fresh)


def test_a_model_worse_than_the_baseline_is_not_put_in_service(db, territory, manager):
    history(territory, manager, stores=120)
    first = train_churn_model(as_of=AS_OF)
    test = churn_model.BackTest([], [], object(), metrics={"auc": 0.6},
                                baseline={"auc": 0.7})
    assert not test.beats_baseline
    from customers.grading.training import _model_store, weekly_purchases

    data = weekly_purchases(first=AS_OF, end=AS_OF, last_day=AS_OF)
    test.model = {"fitted": True}
    rejected = _model_store(test, as_of=AS_OF, data=data,
                            settings_row=churn_settings_get())
    assert rejected.status == ChurnModelStatus.REJECTED
    assert "0.600" in rejected.message and "0.700" in rejected.message
    first.refresh_from_db()
    assert first.status == ChurnModelStatus.IN_SERVICE


def test_too_little_history_is_refused_and_the_model_in_service_stays(
        db, territory, manager):
    history(territory, manager, stores=60, weeks=20)
    with pytest.raises(BusinessError) as refused:
        train_churn_model(as_of=AS_OF)
    assert "26" in str(refused.value.message) and "20" in str(refused.value.message)
    assert not ChurnModel.objects.exists()
    with pytest.raises(CommandError):
        call_command("train_churn_model", "--as-of", AS_OF.isoformat())


def test_a_future_date_or_a_horizon_out_of_range_is_refused(db):
    with pytest.raises(BusinessError):
        train_churn_model(as_of=datetime.date(2099, 1, 1))
    ChurnRuleSettings.objects.create(pk=1, horizon_weeks=60)
    with pytest.raises(BusinessError) as refused:
        train_churn_model(as_of=AS_OF)
    assert refused.value.field == "horizon_weeks"
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"horizon_weeks": 1}, "horizon_weeks"), ({"horizon_weeks": 27}, "horizon_weeks"),
    ({"risk_threshold_percent": 99}, "risk_threshold_percent"),
])
def test_a_horizon_or_threshold_out_of_range_is_refused_as_a_setting(db, admin_user, data,
                                                                      field):
    from customers.grading import services

    with pytest.raises(BusinessError) as refused:
        services.churn_settings_update(user=admin_user, data=data)
    assert refused.value.field == field
    row = services.churn_settings_get()
    assert (row.horizon_weeks, row.risk_threshold_percent) == (8, 50)


def test_admins_see_the_back_test_on_a_page_and_through_the_api(
        db, territory, manager, admin_user, client):
    from rest_framework.test import APIClient

    history(territory, manager, stores=160)
    model = train_churn_model(as_of=AS_OF)
    client.force_login(admin_user)
    page = client.get("/grading/model/").content.decode()
    assert 'id="figures"' in page and 'id="calibration"' in page
    assert "基准:距上次订货天数" in page and str(model.metrics["model"]["auc"]) in page
    api = APIClient()
    api.force_authenticate(admin_user)
    rows = api.get("/api/churn-models/").json()["results"]
    assert [(r["version"], r["status"]) for r in rows] == [(1, "in_service")]
    assert rows[0]["metrics"]["baseline"]["auc"] == model.metrics["baseline"]["auc"]
    assert "model" not in rows[0] or not isinstance(rows[0].get("model"), str)
    # Managers see neither.
    client.force_login(manager)
    assert client.get("/grading/model/").status_code == 403
    api.force_authenticate(manager)
    assert api.get("/api/churn-models/").status_code == 403


def test_the_store_card_shows_the_churn_risk(db, store, manager, client):
    Customer.objects.filter(pk=store.pk).update(churn_risk=73, churn_risk_as_of=AS_OF)
    client.force_login(manager)
    page = client.get(f"/customers/{store.pk}/").content.decode()
    assert 'id="churn-risk"' in page and "流失风险 73%" in page
    assert "badge-danger" in page.split('id="churn-risk"')[1][:200]


def test_every_store_at_risk_gets_one_warning_even_when_no_rule_holds(db, territory,
                                                                       manager):
    history(territory, manager)
    train_churn_model(as_of=AS_OF)
    # a low threshold: stores still ordering on time come above it, with no rule to cite
    ChurnRuleSettings.objects.update(risk_threshold_percent=3)

    scan_churn(as_of=AS_OF)

    threshold = churn_settings_get().risk_threshold_percent
    at_risk = sorted(Customer.objects.filter(churn_risk__gte=threshold)
                     .values_list("pk", flat=True))
    warned = ChurnWarning.objects.filter(status__in=["open", "acknowledged"])
    assert sorted(warned.values_list("customer_id", flat=True)) == at_risk
    risk_only = warned.filter(reason="high_risk")
    assert risk_only.exists()  # stores at risk that no fixed rule would have warned
    for warning in risk_only:
        assert warning.score == warning.customer.churn_risk
        assert warning.evidence["reasons"] == ["high_risk"]
        with translation.override("en"):
            assert warning.get_reason_display() == "High churn risk"

    # when the threshold rises above every risk, the risk-only warnings resolve themselves
    ChurnRuleSettings.objects.update(risk_threshold_percent=100)
    ids = list(risk_only.values_list("pk", flat=True))
    with translation.override("en"):
        scan_churn(as_of=AS_OF)
    below = ChurnWarning.objects.filter(pk__in=ids, customer__churn_risk__lt=100)
    assert below.exists()
    assert {w.status for w in below} == {"resolved"}
    assert all("below the warning threshold" in w.resolution for w in below)
