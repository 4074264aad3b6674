"""Satisfaction surveys: definition, set-wise sampling, answers, results with the margin of
error, over the personas."""

import math

import pytest
from django.utils.translation import gettext as _

from complaints import surveys
from complaints.models import Survey, SurveyAnswer, SurveySample
from conftest import api_as
from customers.models import CustomerStatus
from customers.tests.factories import CustomerFactory

SCORES = {"reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5,
          "tangibles": 4}


@pytest.fixture
def survey(admin_user):
    return surveys.survey_create(user=admin_user, title="2026 满意度调查",
                                 questions={"reliability": "送货是否准时？"})


@pytest.fixture
def sampled(survey, admin_user, store, other_store):
    surveys.survey_draw_sample(user=admin_user, survey=survey, method="random", size=2)
    return survey


def test_random_sample_is_drawn_set_wise(survey, admin_user, store, other_store, territory):
    CustomerFactory(territory=territory, status=CustomerStatus.CLOSED)  # not in population
    assert surveys.survey_draw_sample(user=admin_user, survey=survey, method="random",
                                      size=2) == 2
    survey.refresh_from_db()
    assert survey.population_size == 2 and survey.sample_size == 2
    assert set(survey.sample.values_list("customer_id", flat=True)) == {store.pk,
                                                                         other_store.pk}


def test_stratified_sample_follows_strata(survey, admin_user, territory, other_territory):
    for _i in range(6):
        CustomerFactory(territory=territory, grade="A")
    for _i in range(2):
        CustomerFactory(territory=other_territory, grade="C")
    surveys.survey_draw_sample(user=admin_user, survey=survey, method="stratified", size=4)
    drawn = SurveySample.objects.filter(survey=survey)
    assert drawn.count() == 4
    assert drawn.filter(customer__territory=territory).count() == 3
    assert drawn.filter(customer__territory=other_territory).count() == 1


def test_allocation_sums_to_size():
    alloc = surveys._allocate([(1, "A", 5), (1, "B", 3), (2, "A", 2)], 7, 10)
    assert sum(k for *_key, k in alloc) == 7


def test_sample_larger_than_population_refused_nothing_written(survey, admin_user, store):
    client = api_as(admin_user)
    response = client.post(f"/api/surveys/{survey.pk}/sample/",
                           {"method": "random", "size": 5}, format="json")
    assert response.status_code == 400
    assert "size" in response.json()
    assert not SurveySample.objects.exists()
    survey.refresh_from_db()
    assert survey.sampled_at is None


def test_only_admin_defines_and_samples(personas, survey):
    for name, user in personas.items():
        client = api_as(user)
        created = client.post("/api/surveys/", {"title": "x"}, format="json")
        sampled = client.post(f"/api/surveys/{survey.pk}/sample/",
                              {"method": "random", "size": 1}, format="json")
        expected = 201 if name == "admin" else 403
        assert created.status_code == expected, name
        assert sampled.status_code in ((200, 400) if name == "admin" else (403,)), name
    assert Survey.objects.count() == 2


def test_clerk_answers_sampled_store_by_phone(sampled, clerk, store):
    response = api_as(clerk).post("/api/survey-answers/",
                                  {"survey": sampled.pk, "customer": store.pk, **SCORES,
                                   "comment": "送货员很好"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["channel"] == "phone"


@pytest.mark.parametrize("bad", [0, 6, "x", None])
def test_score_outside_1_5_refused(sampled, clerk, store, bad):
    data = {"survey": sampled.pk, "customer": store.pk, **SCORES, "empathy": bad}
    response = api_as(clerk).post("/api/survey-answers/", data, format="json")
    assert response.status_code == 400
    assert "empathy" in response.json()
    with pytest.raises(Exception, match="1"):
        surveys.survey_answer(user=clerk, survey=sampled, customer=store,
                              **{**SCORES, "empathy": bad})
    assert not SurveyAnswer.objects.exists()


def test_duplicate_answer_refused(sampled, clerk, manager, store):
    surveys.survey_answer(user=clerk, survey=sampled, customer=store, **SCORES)
    response = api_as(manager).post("/api/survey-answers/",
                                    {"survey": sampled.pk, "customer": store.pk, **SCORES},
                                    format="json")
    assert response.status_code == 400
    assert response.json()["customer"] == [_("This store has already answered this survey.")]
    assert SurveyAnswer.objects.count() == 1


def test_unsampled_store_refused(survey, admin_user, store, other_store, clerk):
    SurveySample.objects.create(survey=survey, customer=other_store)
    response = api_as(clerk).post("/api/survey-answers/",
                                  {"survey": survey.pk, "customer": store.pk, **SCORES},
                                  format="json")
    assert response.status_code == 400
    assert not SurveyAnswer.objects.exists()


def test_answer_scoped_over_personas(personas, sampled, store):
    expected = {"manager": 201, "other_manager": 404, "clerk": 201, "supervisor": 403,
                "other_supervisor": 404, "admin": 403}
    for name, user in personas.items():
        SurveyAnswer.objects.all().delete()
        response = api_as(user).post("/api/survey-answers/",
                                     {"survey": sampled.pk, "customer": store.pk, **SCORES},
                                     format="json")
        assert response.status_code == expected[name], name


def test_margin_of_error_by_hand():
    # p = 0.8, n = 100, N = 1000: 1.96 * sqrt(0.16/100) * sqrt(900/999) = 0.07441...
    assert surveys.margin_of_error(0.8, 100, 1000) == pytest.approx(0.074413, abs=1e-5)
    assert surveys.margin_of_error(0.5, 10, 10) == 0
    assert surveys.margin_of_error(0.5, 0, 10) is None


def test_results_by_territory_manager_dimension(sampled, clerk, manager, other_manager,
                                                store, other_store, personas):
    surveys.survey_answer(user=clerk, survey=sampled, customer=store, **SCORES)
    surveys.survey_answer(user=other_manager, survey=sampled, customer=other_store,
                          **{**SCORES, "reliability": 1, "assurance": 2})
    body = api_as(personas["admin"]).get(f"/api/surveys/{sampled.pk}/results/").json()
    overall = body["overall"]
    assert overall["responses"] == 2 and overall["population"] == 2
    assert overall["satisfaction_rate"] == 0.5
    assert overall["margin_of_error"] == 0  # the whole population answered
    assert {t["name"] for t in body["territories"]} == {"越秀一片", "越秀二片"}
    reliability = next(d for d in body["dimensions"] if d["dimension"] == "reliability")
    assert reliability["mean_score"] == 3.0 and reliability["satisfaction_rate"] == 0.5
    # A manager sees only their own store's answers.
    own = api_as(manager).get(f"/api/surveys/{sampled.pk}/results/").json()
    assert own["overall"]["responses"] == 1
    assert [m["name"] for m in own["managers"]] == ["mgr_owner"]
    # The other department's supervisor sees none; a clerk may not read results.
    far = api_as(personas["other_supervisor"]).get(f"/api/surveys/{sampled.pk}/results/")
    assert far.json()["overall"]["responses"] == 0
    assert api_as(clerk).get(f"/api/surveys/{sampled.pk}/results/").status_code == 403
    listed = api_as(personas["other_manager"]).get("/api/survey-answers/").json()
    assert [a["customer"] for a in listed["results"]] == [other_store.pk]


def test_results_margin_with_population_correction(survey, admin_user, territory, clerk):
    stores = [CustomerFactory(territory=territory) for _i in range(10)]
    SurveySample.objects.bulk_create(SurveySample(survey=survey, customer=s)
                                     for s in stores[:4])
    Survey.objects.filter(pk=survey.pk).update(population_size=10)
    survey.refresh_from_db()
    for i, s in enumerate(stores[:4]):
        surveys.survey_answer(user=clerk, survey=survey, customer=s,
                              **{**SCORES, "reliability": 1 if i == 0 else 5,
                                 "assurance": 1 if i == 0 else 4})
    overall = surveys.survey_results(user=admin_user, survey=survey)["overall"]
    expected = 1.96 * math.sqrt(0.75 * 0.25 / 4) * math.sqrt(6 / 9)
    assert overall["satisfaction_rate"] == 0.75
    assert overall["margin_of_error"] == pytest.approx(expected, abs=1e-4)


def test_the_store_satisfaction_is_derived_from_its_answer(sampled, clerk, store, admin_user):
    store.satisfaction = 1  # a value typed in the past
    store.save(update_fields=["satisfaction"])

    surveys.survey_answer(user=clerk, survey=sampled, customer=store, **SCORES)  # mean 4.4

    store.refresh_from_db()
    assert store.satisfaction == 4
    # and the API does not let anyone type it
    response = api_as(admin_user).patch(f"/api/customers/{store.pk}/", {"satisfaction": 1},
                                        format="json")
    assert response.status_code == 200, response.content
    store.refresh_from_db()
    assert store.satisfaction == 4
