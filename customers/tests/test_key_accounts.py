from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import api_as
from customers.keyaccounts import key_account_settings, propose_key_accounts
from customers.models import CustomerStatus, KeyAccount, KeyAccountFlag, KeyAccountStatus
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
MONTH = date(2026, 11, 1)


def _graded(territory, grade, tier, average, **kwargs):
    return CustomerFactory(territory=territory, grade=grade, tier=tier,
                           monthly_average=Decimal(average), **kwargs)


def test_proposal_follows_the_criteria_and_the_manual_flags(territory, admin_user):
    settings = key_account_settings()
    settings.grades, settings.min_tier, settings.min_monthly_average = "A", 25, Decimal("30000")
    settings.save()
    big = _graded(territory, "A", 28, "45000")
    _graded(territory, "A", 24, "45000")  # tier too low
    _graded(territory, "A", 28, "20000")  # buys too little
    _graded(territory, "B", 28, "45000")  # grade
    _graded(territory, "A", 30, "90000", status=CustomerStatus.CLOSED)
    flagged = _graded(territory, "C", 3, "1000")
    KeyAccountFlag.objects.create(customer=flagged, reason="连锁总店", flagged_by=admin_user)

    assert propose_key_accounts(month=MONTH) == 2
    rows = {k.customer_id: k.manual for k in KeyAccount.objects.filter(month=MONTH)}
    assert rows == {big.pk: False, flagged.pk: True}
    assert propose_key_accounts(month=MONTH) == 0  # once a month
    assert settings.history.count() == 2


def test_command_takes_a_month(territory):
    big = _graded(territory, "A", 28, "45000")
    call_command("propose_key_accounts", "--month", "2026-10")
    assert KeyAccount.objects.get().customer == big
    assert KeyAccount.objects.get().month == date(2026, 10, 1)


def _proposal(store):
    return KeyAccount.objects.create(customer=store, month=MONTH)


def test_supervisor_confirms_and_drops_in_their_department(supervisor, store):
    proposal = _proposal(store)
    client = api_as(supervisor)
    response = client.post(f"/api/key-accounts/{proposal.pk}/confirm/")
    assert response.status_code == 200, response.content
    store.refresh_from_db()
    assert store.is_key_account
    assert client.get(f"/api/customers/{store.pk}/").json()["is_key_account"] is True

    assert client.post(f"/api/key-accounts/{proposal.pk}/drop/").status_code == 200
    store.refresh_from_db()
    proposal.refresh_from_db()
    assert not store.is_key_account and proposal.status == KeyAccountStatus.DROPPED
    assert proposal.decided_by == supervisor


def test_scoping_refusals(other_supervisor, manager, admin_user, store):
    proposal = _proposal(store)
    assert api_as(other_supervisor).post(
        f"/api/key-accounts/{proposal.pk}/confirm/").status_code == 404
    assert api_as(manager).post(
        f"/api/key-accounts/{proposal.pk}/confirm/").status_code == 403
    assert api_as(other_supervisor).get("/api/key-accounts/").json()["count"] == 0
    assert api_as(admin_user).post(
        f"/api/key-accounts/{proposal.pk}/confirm/").status_code == 200


def test_page_confirms_and_the_card_and_list_show_the_badge(client, supervisor,
                                                            other_supervisor, store):
    proposal = _proposal(store)
    client.force_login(other_supervisor)
    url = reverse("customers:key_account_decide", args=[proposal.pk, "confirm"])
    assert client.post(url).status_code == 404
    client.force_login(supervisor)
    assert store.name in client.get(reverse("customers:key_accounts")).content.decode()
    assert client.post(url).status_code == 302
    card = client.get(reverse("customers:detail", args=[store.pk])).content.decode()
    assert "badge-key-account" in card
    assert "badge-key-account" in client.get(reverse("customers:list")).content.decode()


def test_manager_may_not_open_the_page(client, manager):
    client.force_login(manager)
    assert client.get(reverse("customers:key_accounts")).status_code == 403
