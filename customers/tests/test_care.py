from datetime import date

import pytest
from django.urls import reverse

from customers.care import care_reminders, temperament_guidance
from customers.models import CustomerStatus, Temperament
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _labels(reminders):
    return [(r.on, r.kind, r.customer.pk if r.customer else None) for r in reminders]


def test_reminders_cover_seven_days_across_the_year_end(manager, store, other_store):
    store.birthday = date(1970, 1, 2)
    store.anniversary = date(2015, 12, 30)
    store.save()
    other_store.birthday = date(1980, 1, 1)  # not the manager's store
    other_store.save()
    late = CustomerFactory(territory=store.territory, manager=manager, birthday=date(1975, 1, 3))
    CustomerFactory(territory=store.territory, manager=manager, birthday=date(1975, 1, 2),
                    status=CustomerStatus.CLOSED)

    reminders = care_reminders(user=manager, today=date(2026, 12, 27))

    assert _labels(reminders) == [(date(2026, 12, 30), "anniversary", store.pk),
                                  (date(2027, 1, 2), "birthday", store.pk)]
    assert [r.days_left for r in reminders] == [3, 6]
    assert late.pk not in {r.customer.pk for r in reminders}  # 2 January is the 7th day


def test_reminders_show_festivals_and_feb_29_in_common_years(manager, store):
    store.birthday = date(1972, 2, 29)
    store.save()

    assert _labels(care_reminders(user=manager, today=date(2027, 2, 3))) == [
        (date(2027, 2, 6), "festival", None)]  # Spring Festival 2027
    assert _labels(care_reminders(user=manager, today=date(2027, 2, 25))) == [
        (date(2027, 2, 28), "birthday", store.pk)]
    assert _labels(care_reminders(user=manager, today=date(2026, 9, 20)))[0] == (
        date(2026, 9, 25), "festival", None)  # Mid-Autumn 2026


def test_supervisor_sees_the_department_reminders(supervisor, other_supervisor, store):
    store.birthday = date(1970, 6, 1)
    store.save()
    assert len(care_reminders(user=supervisor, today=date(2026, 6, 1))) == 1
    assert care_reminders(user=other_supervisor, today=date(2026, 6, 1)) == []


def test_home_page_shows_the_reminders(client, manager, store):
    from django.utils import timezone

    today = timezone.localdate()
    store.birthday = today.replace(year=1970) if (today.month, today.day) != (2, 29) \
        else date(1970, 2, 28)
    store.save()
    client.force_login(manager)
    page = client.get(reverse("reports:home")).content.decode()
    assert 'id="care-reminders"' in page and store.name in page


def test_guidance_for_each_temperament(store):
    for temperament in Temperament:
        store.temperament = temperament
        guidance = temperament_guidance(store)
        assert guidance["talk"] and guidance["length"] and guidance["avoid"]
    store.temperament = ""
    assert temperament_guidance(store) is None


def test_guidance_block_on_the_store_card(client, manager, store):
    client.force_login(manager)
    url = reverse("customers:detail", args=[store.pk])
    assert 'id="care-guidance"' not in client.get(url).content.decode()
    store.temperament = Temperament.IRRITABLE
    store.save()
    page = client.get(url).content.decode()
    assert 'id="care-guidance"' in page and "避免正面顶撞" in page  # zh-hans by default
