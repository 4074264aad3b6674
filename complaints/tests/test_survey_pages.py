"""Survey and call-back pages: the console and visit-log blocks, answering from them, the
store card's satisfaction, the results page and the call-back list."""

import pytest
from django.urls import reverse

from complaints import surveys
from complaints.models import Callback, SurveyAnswer, SurveySample
from visits.models import VisitStatus
from visits.tests.factories import VisitFactory

SCORES = {"reliability": "5", "responsiveness": "4", "assurance": "4", "empathy": "5",
          "tangibles": "4"}


@pytest.fixture
def survey(admin_user, store):
    survey = surveys.survey_create(user=admin_user, title="年度满意度调查")
    SurveySample.objects.create(survey=survey, customer=store)
    return survey


def test_console_offers_survey_and_clerk_answers(client, clerk, store, survey):
    client.force_login(clerk)
    console = f"/orders/console/{store.pk}/"
    assert "年度满意度调查" in client.get(console).content.decode()
    response = client.post(reverse("complaints:survey_answer"),
                           {"survey": survey.pk, "customer": store.pk, "next": console,
                            **SCORES})
    assert response.status_code == 302 and response.url == console
    assert SurveyAnswer.objects.get().channel == "phone"
    assert "年度满意度调查" not in client.get(console).content.decode()


def test_bad_score_from_page_writes_nothing(client, clerk, store, survey):
    client.force_login(clerk)
    response = client.post(reverse("complaints:survey_answer"),
                           {"survey": survey.pk, "customer": store.pk, **SCORES,
                            "tangibles": "9", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.url
    assert not SurveyAnswer.objects.exists()


def test_other_manager_gets_404(client, other_manager, store, survey):
    client.force_login(other_manager)
    response = client.post(reverse("complaints:survey_answer"),
                           {"survey": survey.pk, "customer": store.pk, **SCORES})
    assert response.status_code == 404
    assert not SurveyAnswer.objects.exists()


def test_visit_log_offers_survey_to_manager(client, manager, store, survey):
    visit = VisitFactory(customer=store, manager=manager, status=VisitStatus.IN_PROGRESS)
    client.force_login(manager)
    page = client.get(reverse("visits:visit", args=[visit.pk])).content.decode()
    assert "年度满意度调查" in page


def test_card_shows_satisfaction_from_answers(client, manager, clerk, store, survey):
    surveys.survey_answer(user=clerk, survey=survey, customer=store,
                          **{k: int(v) for k, v in SCORES.items()})
    client.force_login(manager)
    page = client.get(reverse("customers:detail", args=[store.pk])).content.decode()
    assert 'id="satisfaction"' in page and "4.4 / 5" in page


def test_results_page_over_personas(client, personas, survey, clerk, store):
    surveys.survey_answer(user=clerk, survey=survey, customer=store,
                          **{k: int(v) for k, v in SCORES.items()})
    for name, user in personas.items():
        client.force_login(user)
        response = client.get(reverse("complaints:survey", args=[survey.pk]))
        assert response.status_code == 200, name
        shows = 'id="survey-results"' in response.content.decode()
        assert shows == (name != "clerk"), name
        results = response.context["results"]
        if name in ("other_manager", "other_supervisor"):
            assert results["overall"]["responses"] == 0, name


def test_sample_too_large_on_page_refused(client, admin_user, survey):
    client.force_login(admin_user)
    response = client.post(reverse("complaints:survey", args=[survey.pk]),
                           {"method": "stratified", "size": "99"})
    assert response.status_code == 400
    assert SurveySample.objects.count() == 1


def test_callback_list_and_answer(client, clerk, manager, store):
    VisitFactory(customer=store, manager=manager, status=VisitStatus.DONE)
    surveys.callbacks_pick(share=100)
    callback = Callback.objects.get()
    client.force_login(clerk)
    assert store.name in client.get(reverse("complaints:callbacks")).content.decode()
    client.post(reverse("complaints:callback_answer", args=[callback.pk]),
                {"as_agreed": "yes", "attitude": "7"})
    callback.refresh_from_db()
    assert callback.answered_at is None
    client.post(reverse("complaints:callback_answer", args=[callback.pk]),
                {"as_agreed": "yes", "attitude": "5", "remarks": "态度好"})
    callback.refresh_from_db()
    assert callback.attitude == 5 and callback.as_agreed is True
