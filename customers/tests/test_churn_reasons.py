"""What drives a store's churn risk, in words: per-store explanations, and every reason
on the inbox, the store card, the call list, the phone console and the API, in Chinese
and English, never as raw keys (issue 12)."""

import re

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from django.utils import timezone, translation

from conftest import api_as
from customers.grading.reasons import (
    reason_sentences,
    store_explanations,
    warning_explanations,
)
from customers.models import Customer
from customers.tests.grading_factories import ChurnWarningFactory

EXPLANATIONS = [{"code": "cycles_missed", "cycles": 3, "cycle_days": 14},
                {"code": "purchase_drop", "percent": 42},
                {"code": "complaint_open", "complaints": 1, "days": 12},
                {"code": "not_visited", "days": 40}]
RAW_KEYS = ["cycles_missed", "cycle_days", "complaint_open", "not_visited", "explanations",
            "churn_risk", "purchase_drop", "no_order"]
ENGLISH = ["no order for 3 of its usual 14-day cycles",
           "purchases down 42 % on its 3-month average",
           "complaint open 12 days", "not visited for 40 days"]
CHINESE = ["已有 3 个订货周期（通常每 14 天一次）未订货", "购进比前期均值下滑 42%（近 3 个月）",
           "投诉已开 12 天未结", "已 40 天未拜访"]


def _typical_and_risky(risky: dict) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    rows = [{"weeks_since_last": 1.0, "usual_interval_weeks": float(rng.choice([1, 2])),
             "purchase_trend": float(rng.normal(1, 0.02)), "open_complaints": 0.0,
             "oldest_open_complaint_days": 0.0,
             "days_since_visit": float(rng.integers(5, 20))} for _ in range(40)]
    rows.append(risky)
    frame = pd.DataFrame(rows)
    frame["recency_in_intervals"] = frame["weeks_since_last"] / frame["usual_interval_weeks"]
    risk = np.array([5] * 40 + [90])
    return frame, risk


def test_a_store_is_explained_by_what_sets_it_apart_from_the_typical_store():
    frame, risk = _typical_and_risky({
        "weeks_since_last": 8.0, "usual_interval_weeks": 2.0, "purchase_trend": 0.58,
        "open_complaints": 1.0, "oldest_open_complaint_days": 12.0, "days_since_visit": 15.0})
    explained = store_explanations(frame, risk, 50)
    items = explained[-1]
    assert {"code": "cycles_missed", "cycles": 3, "cycle_days": 14} in items
    assert {"code": "purchase_drop", "percent": 42} in items
    assert {"code": "complaint_open", "complaints": 1, "days": 12} in items
    # Visited as often as the typical store: not a reason.
    assert all(item["code"] != "not_visited" for item in items)
    # The typical stores have nothing to explain.
    assert all(not items for items in explained[:40])


def test_a_store_that_only_lacks_visits_is_explained_by_that():
    frame, risk = _typical_and_risky({
        "weeks_since_last": 1.0, "usual_interval_weeks": 1.0, "purchase_trend": 1.0,
        "open_complaints": 0.0, "oldest_open_complaint_days": 0.0, "days_since_visit": 40.0})
    assert store_explanations(frame, risk, 50)[-1] == [{"code": "not_visited", "days": 40}]


def test_the_sentences_read_well_in_both_languages():
    with translation.override("en"):
        assert reason_sentences(EXPLANATIONS) == ENGLISH
        assert reason_sentences([{"code": "weeks_silent", "weeks": 1}]) == \
            ["no order for 1 week"]
    with translation.override("zh-hans"):
        assert reason_sentences(EXPLANATIONS) == CHINESE


def test_a_warning_lists_its_explanations_then_the_rules_they_do_not_cover():
    evidence = {"reasons": ["no_order", "grade_drop"], "cycles_missed": 2, "cycle_days": 7,
                "old_grade": "A", "new_grade": "B", "explanations": EXPLANATIONS[:2]}
    items = warning_explanations("no_order", evidence)
    assert [item["code"] for item in items] == ["cycles_missed", "purchase_drop",
                                                "grade_drop"]
    # Without a model, the rules' evidence in the same sentences.
    with translation.override("en"):
        assert reason_sentences(warning_explanations("no_order", {
            "cycles_missed": 2, "cycle_days": 7})) == \
            ["no order for 2 of its usual 7-day cycles"]


@pytest.fixture
def warned(store):
    Customer.objects.filter(pk=store.pk).update(
        churn_risk=83, churn_risk_as_of=timezone.localdate(), churn_reasons=EXPLANATIONS,
        order_weekday=timezone.localdate().isoweekday())
    return ChurnWarningFactory(customer=store, reason="no_order", score=83, evidence={
        "reasons": ["no_order"], "cycles_missed": 3, "cycle_days": 14, "churn_risk": 83,
        "explanations": EXPLANATIONS})


def _page(client, user, url, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language, texts", [("en", ENGLISH), ("zh-hans", CHINESE)])
@pytest.mark.parametrize("who, url", [
    ("manager", "/grading/warnings/"), ("manager", "/customers/{pk}/"),
    ("clerk", "/orders/calls/"), ("clerk", "/orders/console/{pk}/"),
])
def test_every_page_shows_the_risk_and_all_its_reasons(db, client, personas, warned,
                                                        language, texts, who, url):
    page = _page(client, personas[who], url.format(pk=warned.customer_id), language)
    for text in texts:
        assert text in page, (url, text)
    assert "83" in page
    shown = re.sub(r"<[^>]*>", " ", page)  # the text a reader sees
    for key in RAW_KEYS:
        assert key not in shown, (url, key)


def test_the_api_gives_each_reason_with_its_text(db, manager, warned):
    api = api_as(manager)
    row = api.get(f"/api/churn-warnings/{warned.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert row["score"] == row["evidence"]["churn_risk"] == 83
    assert [r["text"] for r in row["reasons"]] == ENGLISH
    assert row["reasons"][0]["code"] == "cycles_missed"
    store = api.get(f"/api/customers/{warned.customer_id}/",
                    HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert [r["text"] for r in store["churn_reasons"]] == CHINESE


def test_another_manager_sees_neither_the_warning_nor_the_store_s_reasons(
        db, other_manager, warned):
    api = api_as(other_manager)
    assert api.get(f"/api/churn-warnings/{warned.pk}/").status_code == 404
    assert api.get(f"/api/customers/{warned.customer_id}/").status_code == 404
    assert api.get("/api/churn-warnings/").json()["results"] == []
