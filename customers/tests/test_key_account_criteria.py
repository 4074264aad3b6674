"""Key-account criteria on purchase growth and cooperation ratings (issue 16)."""

from datetime import date
from decimal import Decimal

import pytest

from customers.keyaccounts import growth_windows, key_account_settings, propose_key_accounts
from customers.models import (
    CooperationLevel,
    GrowthBasis,
    KeyAccount,
    MonthlyPurchase,
    Rating,
)
from customers.tests.factories import CustomerFactory, grade_set

pytestmark = pytest.mark.django_db
MONTH = date(2026, 11, 1)


def _bought(store, amounts: dict):
    for month, amount in amounts.items():
        MonthlyPurchase.objects.create(customer=store, month=month, amount=Decimal(amount))


def _settings(**values):
    settings = key_account_settings()
    settings.grades, settings.min_tier, settings.min_monthly_average = "", None, None
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def _proposed():
    return set(KeyAccount.objects.filter(month=MONTH).values_list("customer_id", flat=True))


def test_growth_windows():
    yoy = _settings(min_growth_percent=Decimal("10"))
    assert growth_windows(yoy, MONTH) == (date(2025, 8, 1), date(2026, 8, 1), MONTH)
    yoy.growth_basis = GrowthBasis.PREVIOUS
    assert growth_windows(yoy, MONTH) == (date(2026, 5, 1), date(2026, 8, 1), MONTH)


def test_growth_year_on_year(territory):
    _settings(min_growth_percent=Decimal("20"))
    grower = CustomerFactory(territory=territory)
    _bought(grower, {date(2025, 8, 1): "1000", date(2025, 9, 1): "1000",
                     date(2025, 10, 1): "1000", date(2026, 8, 1): "1200",
                     date(2026, 9, 1): "1200", date(2026, 10, 1): "1300"})  # +23 %
    flat = CustomerFactory(territory=territory)
    _bought(flat, {date(2025, 9, 1): "3000", date(2026, 9, 1): "3300",  # +10 %
                   date(2026, 5, 1): "100"})  # the previous window does not count here
    newcomer = CustomerFactory(territory=territory)  # nothing a year ago: no rate
    _bought(newcomer, {date(2026, 9, 1): "9000"})
    late = CustomerFactory(territory=territory)  # the proposal month itself is not counted
    _bought(late, {date(2025, 9, 1): "100", date(2026, 11, 1): "9000"})

    assert propose_key_accounts(month=MONTH) == 1
    assert _proposed() == {grower.pk}


def test_growth_against_the_previous_three_months(territory):
    _settings(min_growth_percent=Decimal("50"), growth_basis=GrowthBasis.PREVIOUS)
    grower = CustomerFactory(territory=territory)
    _bought(grower, {date(2026, 5, 1): "1000", date(2026, 10, 1): "1500"})
    falling = CustomerFactory(territory=territory)
    _bought(falling, {date(2026, 6, 1): "2000", date(2026, 8, 1): "1000"})
    propose_key_accounts(month=MONTH)
    assert _proposed() == {grower.pk}


def test_negative_growth_threshold_admits_a_small_fall(territory):
    _settings(min_growth_percent=Decimal("-10"), growth_basis=GrowthBasis.PREVIOUS)
    store = CustomerFactory(territory=territory)
    _bought(store, {date(2026, 6, 1): "1000", date(2026, 9, 1): "950"})
    propose_key_accounts(month=MONTH)
    assert _proposed() == {store.pk}


def _rated(territory, lawful, price, listing):
    return CustomerFactory(territory=territory, lawful_operation=lawful,
                           price_compliance=price, new_product_listing=listing)


def test_cooperation_ratings(territory):
    good = _rated(territory, Rating.GOOD, Rating.GOOD, Rating.GOOD)
    fair = _rated(territory, Rating.GOOD, Rating.FAIR, Rating.GOOD)
    _rated(territory, Rating.GOOD, Rating.POOR, Rating.GOOD)
    _rated(territory, Rating.GOOD, "", Rating.GOOD)  # unrated: does not qualify

    _settings(min_cooperation=CooperationLevel.GOOD)
    propose_key_accounts(month=MONTH)
    assert _proposed() == {good.pk}

    KeyAccount.objects.all().delete()
    _settings(min_cooperation=CooperationLevel.FAIR)
    propose_key_accounts(month=MONTH)
    assert _proposed() == {good.pk, fair.pk}


def test_criteria_combine_and_every_edit_is_kept(territory):
    settings = _settings(grades="A", min_growth_percent=Decimal("0"),
                         min_cooperation=CooperationLevel.FAIR)
    both = _rated(territory, Rating.GOOD, Rating.FAIR, Rating.GOOD)
    grade_set(both, grade="A")
    _bought(both, {date(2025, 9, 1): "100", date(2026, 9, 1): "100"})
    grade_only = _rated(territory, Rating.GOOD, Rating.POOR, Rating.GOOD)
    grade_set(grade_only, grade="A")
    _bought(grade_only, {date(2025, 9, 1): "100", date(2026, 9, 1): "200"})

    propose_key_accounts(month=MONTH)
    assert _proposed() == {both.pk}
    history = list(settings.history.order_by("history_date"))
    assert len(history) == 2
    assert history[-1].min_cooperation == CooperationLevel.FAIR
    assert history[-1].min_growth_percent == Decimal("0")
    assert history[0].min_growth_percent is None


def test_admin_edits_the_criteria_in_the_admin_site(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    key_account_settings()
    client.force_login(admin_user)
    response = client.post("/admin/customers/keyaccountsettings/1/change/", {
        "grades": "A", "min_tier": "", "min_monthly_average": "",
        "min_growth_percent": "15", "growth_basis": "previous", "min_cooperation": "good",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    settings = key_account_settings()
    assert settings.min_growth_percent == Decimal("15")
    assert settings.growth_basis == GrowthBasis.PREVIOUS
    assert settings.history.count() == 2
