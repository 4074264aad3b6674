"""Key accounts' quarterly supervisor visit, care aims on the next visit and the
temperament guidance on the visit log (issue 16)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from conftest import api_as
from customers.models import Temperament
from visits import services
from visits.models import KeyAim, PlannedVisit, SupervisorVisit
from visits.selectors import quarter_start
from visits.tests.factories import PlannedVisitFactory, VisitFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 11, 23)


def _key(store):
    store.is_key_account = True
    store.save(update_fields=["is_key_account"])
    return store


def _aims(store):
    """The aims of each of the store's planned visits, in date order."""
    return [row.aims for row in PlannedVisit.objects.filter(customer=store).order_by("date")]


def test_quarter_start():
    assert quarter_start(date(2026, 11, 23)) == date(2026, 10, 1)
    assert quarter_start(date(2026, 3, 31)) == date(2026, 1, 1)
    assert quarter_start(date(2026, 4, 1)) == date(2026, 4, 1)


def test_key_account_without_supervisor_visit_gets_the_aim_once(placed_manager, graded_stores,
                                                                 supervisor):
    a, b, _c = graded_stores
    _key(a)
    _key(b)
    SupervisorVisit.objects.create(customer=b, supervisor=supervisor, date=date(2026, 10, 2))
    # Last quarter's visit does not count for this one.
    SupervisorVisit.objects.create(customer=a, supervisor=supervisor, date=date(2026, 9, 30))

    services.plan_generate(manager=placed_manager, user=placed_manager, first_day=MONDAY)

    aims = _aims(a)
    assert KeyAim.SUPERVISOR_VISIT in aims[0]
    assert all(KeyAim.SUPERVISOR_VISIT not in later for later in aims[1:])
    assert all(KeyAim.SUPERVISOR_VISIT not in each for each in _aims(b))
    assert all(KeyAim.SUPERVISOR_VISIT not in each for each in _aims(graded_stores[2]))


def test_care_aims_on_the_next_visit(placed_manager, graded_stores):
    a, b, c = graded_stores
    a.birthday = date(1970, 11, 27)  # within 7 days of the first day
    a.save()
    b.anniversary = date(2015, 11, 29)
    b.save()
    c.birthday = date(1970, 12, 5)  # too far ahead
    c.save()

    services.plan_generate(manager=placed_manager, user=placed_manager, first_day=MONDAY)

    assert KeyAim.CARE_BIRTHDAY in _aims(a)[0]
    assert all(KeyAim.CARE_BIRTHDAY not in later for later in _aims(a)[1:])
    assert KeyAim.CARE_ANNIVERSARY in _aims(b)[0]
    assert _aims(c)[0] == []


def test_festival_care_aim_for_every_store(placed_manager, graded_stores):
    # Spring Festival 2027 is on 6 February.
    services.plan_generate(manager=placed_manager, user=placed_manager,
                           first_day=date(2027, 2, 1))
    for store in graded_stores:
        assert KeyAim.CARE_FESTIVAL in _aims(store)[0]


def test_stop_added_by_hand_carries_the_aims(manager, store):
    _key(store)
    day = timezone.localdate() + timedelta(days=1)
    store.birthday = day.replace(year=1980) if (day.month, day.day) != (2, 29) \
        else date(1980, 2, 29)
    store.save()
    row = services.plan_stop_add(manager=manager, user=manager, day=day, customer=store)
    assert KeyAim.SUPERVISOR_VISIT in row.aims and KeyAim.CARE_BIRTHDAY in row.aims


def test_day_plan_and_visit_log_show_the_aims_in_both_languages(client, manager, store):
    today = timezone.localdate()
    stop = PlannedVisitFactory(manager=manager, customer=store, date=today,
                               aims=[KeyAim.SUPERVISOR_VISIT, KeyAim.CARE_BIRTHDAY])
    visit = VisitFactory(manager=manager, customer=store, planned_visit=stop)
    client.force_login(manager)
    day = client.get("/visits/").content.decode()
    log = client.get(f"/visits/visit/{visit.pk}/").content.decode()
    with override("zh-hans"):
        chinese = [str(KeyAim.SUPERVISOR_VISIT.label), str(KeyAim.CARE_BIRTHDAY.label)]
    assert all(label in day and label in log for label in chinese)
    assert chinese[0] != "Supervisor visit (key account)"  # it is translated
    manager.language = "en"
    manager.save()
    client.force_login(manager)
    english = client.get(f"/visits/visit/{visit.pk}/").content.decode()
    assert "Supervisor visit (key account)" in english
    assert "Care: operator&#x27;s birthday" in english or "Care: operator's birthday" in english

def test_visit_log_shows_the_temperament_guidance(client, manager, store):
    store.temperament = Temperament.IRRITABLE
    store.save()
    visit = VisitFactory(manager=manager, customer=store)
    client.force_login(manager)
    page = client.get(f"/visits/visit/{visit.pk}/").content.decode()
    assert 'id="care-guidance-visit"' in page and "避免正面顶撞" in page


# ---------------------------------------------------------------- the supervisors' list


@pytest.fixture
def key_store(store, manager):
    _key(store)
    PlannedVisitFactory(manager=manager, customer=store,
                        date=timezone.localdate() + timedelta(days=2),
                        aims=[KeyAim.SUPERVISOR_VISIT])
    return store


def test_due_list_over_personas(key_store, personas):
    expected = {"manager": 403, "other_manager": 403, "clerk": 403, "supervisor": 1,
                "other_supervisor": 0, "admin": 1}
    for name, user in personas.items():
        response = api_as(user).get("/api/visits/key-accounts/due/")
        if expected[name] == 403:
            assert response.status_code == 403, name
        else:
            assert response.status_code == 200, name
            assert len(response.json()) == expected[name], name
    row = api_as(personas["supervisor"]).get("/api/visits/key-accounts/due/").json()[0]
    assert row["customer"]["id"] == key_store.pk
    assert row["next_visit_date"] == (timezone.localdate() + timedelta(days=2)).isoformat()


def test_record_over_personas(key_store, personas):
    url = f"/api/visits/key-accounts/{key_store.pk}/supervisor-visit/"
    today = timezone.localdate().isoformat()
    expected = {"manager": 403, "other_manager": 403, "clerk": 403, "other_supervisor": 404,
                "supervisor": 201, "admin": 201}
    for name, user in personas.items():
        response = api_as(user).post(url, {"date": today, "notes": "谈了年度会议"},
                                     format="json")
        assert response.status_code == expected[name], (name, response.content)
    assert SupervisorVisit.objects.filter(customer=key_store).count() == 2
    assert api_as(personas["supervisor"]).get("/api/visits/key-accounts/due/").json() == []


def test_record_refuses_bad_input(key_store, supervisor, other_store):
    client = api_as(supervisor)
    url = f"/api/visits/key-accounts/{key_store.pk}/supervisor-visit/"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "date" in client.post(url, {"date": tomorrow}, format="json").json()
    assert "date" in client.post(url, {"date": "2026-02-30"}, format="json").json()
    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(f"/api/visits/key-accounts/{other_store.pk}/supervisor-visit/",
                           {"date": timezone.localdate().isoformat()}, format="json")
    assert response.status_code == 400 and "customer" in response.json()
    assert not SupervisorVisit.objects.exists()


def test_supervisor_page_lists_and_records(client, key_store, supervisor, other_supervisor,
                                           manager):
    client.force_login(manager)
    assert client.get("/visits/key-accounts/").status_code == 403
    client.force_login(other_supervisor)
    assert key_store.name not in client.get("/visits/key-accounts/").content.decode()
    assert client.post(f"/visits/key-accounts/{key_store.pk}/visit/",
                       {"date": timezone.localdate().isoformat()}).status_code == 404
    client.force_login(supervisor)
    page = client.get("/visits/key-accounts/").content.decode()
    assert f'id="due-{key_store.pk}"' in page and 'href="/visits/key-accounts/"' in page
    response = client.post(f"/visits/key-accounts/{key_store.pk}/visit/",
                           {"date": "2026-02-30"}, follow=True)
    assert not SupervisorVisit.objects.exists()
    assert f'id="due-{key_store.pk}"' in response.content.decode()
    response = client.post(f"/visits/key-accounts/{key_store.pk}/visit/",
                           {"date": timezone.localdate().isoformat(), "notes": "好"},
                           follow=True)
    assert SupervisorVisit.objects.get().supervisor == supervisor
    assert f'id="due-{key_store.pk}"' not in response.content.decode()
