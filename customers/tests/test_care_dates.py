"""Care dates that do not exist are refused (issue 16, bad input), and the temperament
guidance shows on the phone console."""

from datetime import date

import pytest

from conftest import api_as
from customers.models import Temperament
from customers.validators import impossible_date_message

pytestmark = pytest.mark.django_db


def test_impossible_date_message():
    assert "28" in impossible_date_message("2026-02-30")
    assert "29" in impossible_date_message("2028-02-30")
    assert "30" in impossible_date_message("1970-04-31")
    assert impossible_date_message("1972-02-29") is None
    assert impossible_date_message("1970-13-01") is None  # the field's own message
    assert impossible_date_message("soon") is None


@pytest.mark.parametrize("field", ["birthday", "anniversary"])
def test_api_refuses_february_30(manager, store, field):
    before = store.history.count()
    response = api_as(manager).patch(f"/api/customers/{store.pk}/",
                                     {field: "1970-02-30"}, format="json")
    assert response.status_code == 400
    message = " ".join(response.json()[field])
    assert "1970-02-30" in message and "28" in message
    store.refresh_from_db()
    assert getattr(store, field) is None and store.history.count() == before


def test_api_accepts_a_real_date(manager, store):
    response = api_as(manager).patch(f"/api/customers/{store.pk}/",
                                     {"birthday": "1972-02-29"}, format="json")
    assert response.status_code == 200, response.json()
    store.refresh_from_db()
    assert store.birthday == date(1972, 2, 29)


def test_form_refuses_february_30(client, manager, store):
    client.force_login(manager)
    page = client.get(f"/customers/{store.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(birthday="1970-02-30", anniversary="2015-06-01")
    response = client.post(f"/customers/{store.pk}/edit/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "1970-02-30" in " ".join(errors["birthday"]) and "anniversary" not in errors
    store.refresh_from_db()
    assert store.birthday is None and store.anniversary is None
    assert store.history.count() == 1


def test_guidance_on_the_phone_console(client, clerk, store):
    client.force_login(clerk)
    url = f"/orders/console/{store.pk}/"
    assert 'id="care-guidance-console"' not in client.get(url).content.decode()
    store.temperament = Temperament.HESITANT
    store.save()
    page = client.get(url).content.decode()
    assert 'id="care-guidance-console"' in page
    assert "犹豫" in page  # the temperament, in Chinese by default
