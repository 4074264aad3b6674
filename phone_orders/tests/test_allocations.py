"""Tier-based allocation of scarce supply: the table, its refusals, exceptions,
re-allocation, the console's explanation, the page and the API over personas."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from conftest import api_as
from crm_project.errors import BusinessError
from customers.models import Customer, CustomerGrade, CustomerStatus
from customers.tests.factories import CustomerFactory, grade_set
from phone_orders import allocations, selectors, services
from phone_orders.models import Allocation, CycleSupply, QuotaBasis, QuotaException, StoreQuota
from phone_orders.services import current_cycle, quota_for

TABLE = [{"min_tier": 25, "max_tier": 30, "cartons": 4},
         {"min_tier": 15, "max_tier": 24, "cartons": 2},
         {"min_tier": 1, "max_tier": 14, "cartons": 0}]


@pytest.fixture
def stores(territory, manager):
    """Four active stores: tiers 27, 20, 5 and none yet; and a closed one of tier 30."""
    made = {tier: CustomerFactory(territory=territory, manager=manager, tier=tier)
            for tier in (27, 20, 5)}
    made[None] = CustomerFactory(territory=territory, manager=manager, tier=None)
    made["closed"] = CustomerFactory(territory=territory, manager=manager, tier=30,
                                     status=CustomerStatus.CLOSED)
    return made


@pytest.fixture
def supply(scarce_sku):
    """The scarce SKU's supply this cycle raised to 20 cartons."""
    CycleSupply.objects.filter(product=scarce_sku).update(available_cartons=20)
    return CycleSupply.objects.get(product=scarce_sku)


def _save(user, product, rows=TABLE):
    return allocations.allocation_save(user=user, product=product,
                                       cycle_start=current_cycle(), rows=rows)


def _quotas(product) -> dict:
    return dict(StoreQuota.objects.filter(product=product, cycle_start=current_cycle())
                .values_list("customer__grading__tier", "cartons"))


# --- Saving a table -------------------------------------------------------------------

def test_saving_the_table_writes_every_active_stores_quota_by_tier(admin_user, stores,
                                                                   supply, scarce_sku):
    allocation, figures, created = _save(admin_user, scarce_sku)

    assert created
    assert _quotas(scarce_sku) == {27: 4, 20: 2, 5: 0, None: 0}
    assert not StoreQuota.objects.filter(customer=stores["closed"]).exists()
    assert [(b["min_tier"], b["stores"], b["needed"]) for b in figures.as_dict()["bands"]] \
        == [(25, 1, 4), (15, 1, 2), (1, 1, 0)]
    assert figures.untiered_stores == 1
    allocation.refresh_from_db()
    assert (allocation.stores, allocation.total_cartons) == (4, 6)
    # Granting follows the table (not the SKU's default quota of 2).
    assert quota_for(customer=stores[27], product=scarce_sku, cycle_start=current_cycle()) == 4


@pytest.mark.parametrize(("rows", "column", "words"), [
    ([{"min_tier": 20, "max_tier": 30, "cartons": 4},
      {"min_tier": 1, "max_tier": 24, "cartons": 2}], "min_tier", "overlaps"),
    ([{"min_tier": 25, "max_tier": 30, "cartons": 4},
      {"min_tier": 1, "max_tier": 20, "cartons": 2}], "min_tier", "gap"),
    ([{"min_tier": 10, "max_tier": 30, "cartons": 4}], "min_tier", "gap"),
    ([{"min_tier": 1, "max_tier": 20, "cartons": 4}], "max_tier", "gap"),
    ([{"min_tier": 1, "max_tier": 30, "cartons": -1}], "cartons", "negative"),
    ([{"min_tier": 1, "max_tier": 30, "cartons": "x"}], "cartons", "whole number"),
    ([{"min_tier": 30, "max_tier": 1, "cartons": 1}], "max_tier", "lower to a higher"),
])
def test_overlaps_gaps_and_negative_cartons_are_refused_and_change_nothing(
        admin_user, stores, supply, scarce_sku, rows, column, words):
    allocation, _figures, _created = _save(admin_user, scarce_sku)
    before = _quotas(scarce_sku)

    with translation.override("en"), pytest.raises(BusinessError) as refused:
        _save(admin_user, scarce_sku, rows)

    assert refused.value.field == "bands"
    assert any(e["column"] == column and words in e["reason"] for e in refused.value.errors)
    assert _quotas(scarce_sku) == before
    assert [(b.min_tier, b.max_tier, b.cartons) for b in allocation.bands.all()] == \
        [(25, 30, 4), (15, 24, 2), (1, 14, 0)]


def test_a_refused_first_table_leaves_no_allocation(admin_user, stores, supply, scarce_sku):
    with pytest.raises(BusinessError):
        _save(admin_user, scarce_sku, [{"min_tier": 1, "max_tier": 10, "cartons": 1}])

    assert not Allocation.objects.exists()
    assert not StoreQuota.objects.exists()


def test_quotas_beyond_the_supply_are_refused_with_the_figures(admin_user, stores, supply,
                                                               scarce_sku):
    rows = [{"min_tier": 15, "max_tier": 30, "cartons": 8},
            {"min_tier": 1, "max_tier": 14, "cartons": 5}]

    with translation.override("en"), pytest.raises(BusinessError) as refused:
        _save(admin_user, scarce_sku, rows)

    message = str(refused.value.message)
    assert "21 cartons" in message and "20 cartons" in message and "4 stores" in message
    assert refused.value.errors == [
        {"min_tier": 15, "max_tier": 30, "cartons": 8, "stores": 2, "needed": 16},
        {"min_tier": 1, "max_tier": 14, "cartons": 5, "stores": 1, "needed": 5}]
    assert not Allocation.objects.exists()
    assert not StoreQuota.objects.exists()


def test_only_scarce_skus_and_open_cycles_are_allocated(admin_user, stores, sku, supply,
                                                        scarce_sku):
    with pytest.raises(BusinessError) as refused:
        _save(admin_user, sku)
    assert refused.value.field == "sku_code"
    with pytest.raises(BusinessError) as refused:
        allocations.allocation_save(user=admin_user, product=scarce_sku, rows=TABLE,
                                    cycle_start=current_cycle().replace(year=2020))
    assert refused.value.field == "cycle"


# --- Exceptions and re-allocation -----------------------------------------------------

def test_an_exception_overrides_the_table_and_survives_recomputation(admin_user, stores,
                                                                     supply, scarce_sku):
    allocation, _figures, _created = _save(admin_user, scarce_sku)
    exception = allocations.quota_exception_set(
        user=admin_user, allocation=allocation, customer_id=stores[5].pk, cartons=3,
        reason="新开业旗舰店")

    assert (exception.created_by, exception.reason) == (admin_user, "新开业旗舰店")
    allocations.allocation_recompute(allocation=allocation)
    _save(admin_user, scarce_sku, [{"min_tier": 1, "max_tier": 30, "cartons": 1}])

    assert _quotas(scarce_sku) == {27: 1, 20: 1, 5: 3, None: 0}
    assert StoreQuota.objects.get(customer=stores[5]).basis == QuotaBasis.EXCEPTION
    allocation.refresh_from_db()
    assert allocation.total_cartons == 5

    allocations.quota_exception_remove(user=admin_user, allocation=allocation,
                                       customer_id=stores[5].pk)
    assert _quotas(scarce_sku)[5] == 1
    allocation.refresh_from_db()
    assert allocation.total_cartons == 3


def test_an_exception_beyond_the_supply_is_refused(admin_user, stores, supply, scarce_sku):
    allocation, _figures, _created = _save(admin_user, scarce_sku)

    with pytest.raises(BusinessError) as refused:
        allocations.quota_exception_set(user=admin_user, allocation=allocation,
                                        customer_id=stores[5].pk, cartons=15, reason="大户")
    assert refused.value.field == "cartons"
    for cartons, reason, field in [(-1, "x", "cartons"), (1, " ", "reason")]:
        with pytest.raises(BusinessError) as refused:
            allocations.quota_exception_set(user=admin_user, allocation=allocation,
                                            customer_id=stores[5].pk, cartons=cartons,
                                            reason=reason)
        assert refused.value.field == field
    assert not QuotaException.objects.exists()
    assert _quotas(scarce_sku)[5] == 0


def test_quotas_follow_a_tier_change_at_the_nightly_recompute(admin_user, stores, supply,
                                                              scarce_sku):
    _save(admin_user, scarce_sku)
    grade_set(stores[27], tier=10)
    grade_set(stores[5], tier=26)

    call_command("reallocate_quotas")

    assert StoreQuota.objects.get(customer=stores[27]).cartons == 0
    quota = StoreQuota.objects.get(customer=stores[5])
    assert (quota.cartons, quota.tier) == (4, 26)


def test_a_recompute_that_no_longer_fits_keeps_the_quotas(admin_user, stores, supply,
                                                          scarce_sku):
    _save(admin_user, scarce_sku)
    CustomerFactory.create_batch(5, tier=28)

    result = allocations.allocations_recompute_open()

    assert len(result["refused"]) == 1 and not result["recomputed"]
    assert _quotas(scarce_sku) == {27: 4, 20: 2, 5: 0, None: 0}


def test_a_quota_by_hand_is_refused_once_the_sku_is_allocated(admin_user, stores, supply,
                                                               scarce_sku):
    _save(admin_user, scarce_sku)

    with pytest.raises(BusinessError) as refused:
        services.store_quota_set(user=admin_user, customer=stores[5], product=scarce_sku,
                                 cycle_start=current_cycle(), cartons=9)

    assert refused.value.field == "cartons"
    assert StoreQuota.objects.get(customer=stores[5]).cartons == 0


def test_supply_changes_reallocate_or_are_refused(admin_user, stores, supply, scarce_sku):
    _save(admin_user, scarce_sku)
    grade_set(stores[5], tier=25)

    with pytest.raises(BusinessError) as refused:
        services.cycle_supply_set(user=admin_user, product=scarce_sku,
                                  cycle_start=current_cycle(), available=9)
    assert refused.value.field == "available_cartons"
    supply.refresh_from_db()
    assert supply.available_cartons == 20

    services.cycle_supply_set(user=admin_user, product=scarce_sku,
                              cycle_start=current_cycle(), available=10)
    assert StoreQuota.objects.get(customer=stores[5]).cartons == 4


# --- The console ----------------------------------------------------------------------

def test_the_console_explains_the_quota_by_tier_or_exception(admin_user, clerk, client,
                                                             stores, supply, scarce_sku):
    allocation, _figures, _created = _save(admin_user, scarce_sku)
    allocations.quota_exception_set(user=admin_user, allocation=allocation,
                                    customer_id=stores[20].pk, cartons=1, reason="欠款未清")
    cycle = current_cycle()

    with translation.override("zh-hans"):
        notes = allocations.quota_notes(customer=stores[27], cycle_start=cycle,
                                        product_ids=[scarce_sku.pk])
        assert notes[scarce_sku.pk] == "档位 27 → 4 条 (25-30 档)"
        assert "欠款未清" in allocations.quota_notes(
            customer=stores[20], cycle_start=cycle, product_ids=[scarce_sku.pk])[scarce_sku.pk]
    with translation.override("en"):
        notes = allocations.quota_notes(customer=stores[27], cycle_start=cycle,
                                        product_ids=[scarce_sku.pk])
        assert notes[scarce_sku.pk] == "Tier 27 → 4 cartons (tiers 25-30)"
        assert allocations.quota_notes(customer=stores[None], cycle_start=cycle,
                                       product_ids=[scarce_sku.pk])[scarce_sku.pk] == \
            "No tier yet → 0 cartons"

    services.console_line_set(user=clerk, customer=stores[27], sku=scarce_sku.code, cartons=6)
    client.force_login(clerk)
    page = client.get(reverse("phone_orders:console", args=[stores[27].pk]))
    assert "档位 27 → 4 条 (25-30 档)" in page.content.decode()
    context = selectors.console_context(user=clerk, customer=stores[27])
    assert context["read_back"]["rows"][0].expected_granted == 4


# --- Who may do what ------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["manager", "other_manager", "clerk", "supervisor",
                                     "other_supervisor"])
def test_only_admins_allocate(personas, persona, stores, supply, scarce_sku):
    user = personas[persona]
    with pytest.raises(PermissionDenied):
        _save(user, scarce_sku)
    response = api_as(user).post("/api/allocations/", {
        "cycle": current_cycle().isoformat(), "sku_code": scarce_sku.code, "bands": TABLE},
        format="json")
    assert response.status_code == 403
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(("persona", "code"), [
    ("admin", 200), ("supervisor", 200), ("other_supervisor", 200), ("manager", 403),
    ("other_manager", 403), ("clerk", 403)])
def test_who_may_read_allocations(personas, persona, code, admin_user, client, stores,
                                  supply, scarce_sku):
    allocation, _figures, _created = _save(admin_user, scarce_sku)
    user = personas[persona]

    assert api_as(user).get("/api/allocations/").status_code == code
    assert api_as(user).get(f"/api/allocations/{allocation.pk}/exceptions/").status_code \
        == code
    client.force_login(user)
    assert client.get(reverse("phone_orders:allocations")).status_code == code


def test_a_supervisor_sees_the_page_but_cannot_post(supervisor, admin_user, client, stores,
                                                    supply, scarce_sku):
    _save(admin_user, scarce_sku)
    client.force_login(supervisor)
    page = client.get(reverse("phone_orders:allocations"), {"sku": scarce_sku.code})
    assert "allocation-grid" in page.content.decode()
    assert "Save and write quotas" not in page.content.decode()
    response = client.post(reverse("phone_orders:allocations") + f"?sku={scarce_sku.code}",
                           {"action": "save", "min_tier": ["1"], "max_tier": ["30"],
                            "cartons": ["9"]})
    assert response.status_code == 403
    assert _quotas(scarce_sku)[27] == 4


# --- The page and the API -------------------------------------------------------------

def test_the_page_previews_then_saves(admin_user, client, stores, supply, scarce_sku):
    client.force_login(admin_user)
    url = reverse("phone_orders:allocations") + f"?sku={scarce_sku.code}"
    grid = {"min_tier": ["25", "15", "1", ""], "max_tier": ["30", "24", "14", ""],
            "cartons": ["4", "2", "0", ""]}

    with translation.override("en"):
        preview = client.post(url, {**grid, "action": "preview"}, HTTP_ACCEPT_LANGUAGE="en")
    assert preview.status_code == 200
    assert preview.context["figures"].needed == 6
    assert not StoreQuota.objects.exists()

    saved = client.post(url, {**grid, "action": "save"})
    assert saved.status_code == 302
    assert _quotas(scarce_sku) == {27: 4, 20: 2, 5: 0, None: 0}

    refused = client.post(url, {"action": "save", "min_tier": ["1"], "max_tier": ["20"],
                                "cartons": ["1"]})
    assert refused.status_code == 200 and refused.context["row_errors"]
    assert _quotas(scarce_sku) == {27: 4, 20: 2, 5: 0, None: 0}

    added = client.post(url, {"action": "exception", "customer": stores[5].code,
                              "cartons": "2", "reason": "重点客户"})
    assert added.status_code == 302
    assert QuotaException.objects.get().cartons == 2


def test_the_api_saves_previews_and_answers_400_for_bad_input(admin_user, stores, supply,
                                                              scarce_sku):
    api = api_as(admin_user)
    body = {"cycle": current_cycle().isoformat(), "sku_code": scarce_sku.code, "bands": TABLE}

    preview = api.post("/api/allocations/preview/", body, format="json")
    assert preview.status_code == 200 and preview.json()["needed"] == 6
    assert not Allocation.objects.exists()

    created = api.post("/api/allocations/", body, format="json")
    assert created.status_code == 201
    assert created.json()["figures"]["needed"] == 6
    assert api.post("/api/allocations/", body, format="json").status_code == 200

    for bands in ([{"min_tier": 1, "max_tier": 30, "cartons": -2}],
                  [{"min_tier": 1, "max_tier": 20, "cartons": 1},
                   {"min_tier": 15, "max_tier": 30, "cartons": 1}],
                  [{"min_tier": 1, "max_tier": 30, "cartons": 100}], []):
        response = api.post("/api/allocations/", {**body, "bands": bands}, format="json")
        assert response.status_code == 400
        assert "bands" in response.json()
    assert api.post("/api/allocations/", {**body, "sku_code": "nope"},
                    format="json").status_code == 400
    assert api.post("/api/allocations/", {**body, "cycle": "2026-02-30"},
                    format="json").status_code == 400
    assert _quotas(scarce_sku) == {27: 4, 20: 2, 5: 0, None: 0}

    allocation_id = created.json()["allocation"]["id"]
    url = f"/api/allocations/{allocation_id}/exceptions/"
    assert api.post(url, {"customer": stores[5].pk, "cartons": 1, "reason": ""},
                    format="json").status_code == 400
    assert api.post(url, {"customer": stores[5].pk, "cartons": 1, "reason": "特殊"},
                    format="json").status_code == 201
    assert api.get(url).json()[0]["reason"] == "特殊"
    assert api.delete(f"{url}{stores[5].pk}/").status_code == 204
    assert api.post(f"/api/allocations/{allocation_id}/recompute/").json()["needed"] == 6


# --- Set-wise at scale ----------------------------------------------------------------

def _many_stores(template: Customer, count: int) -> None:
    """`count` active stores like `template`, tiers 1-30, in one INSERT ... SELECT."""
    columns = [f.column for f in Customer._meta.concrete_fields if f.column != "id"]
    made = {"code": "'S' || g", "license_no": "'L' || g", "phone": "'1' || lpad(g::text, 10, '0')",
            "tier": "mod(g, 30) + 1"}
    select = ", ".join(made.get(c, f'"{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"""INSERT INTO {Customer._meta.db_table} ({names})
                           SELECT {select} FROM {Customer._meta.db_table},
                                  generate_series(1, %s) AS g WHERE id = %s""",
                       [count, template.pk])


def test_allocating_20000_stores_takes_a_handful_of_queries(admin_user, stores, supply,
                                                            scarce_sku,
                                                            django_assert_max_num_queries):
    _many_stores(stores[27], 20_000)
    CycleSupply.objects.filter(pk=supply.pk).update(available_cartons=50_000)

    # A constant number of statements (locks, savepoints, the settings row, one figures
    # query, one upsert, one delete), whatever the number of stores.
    with django_assert_max_num_queries(20):
        allocation, figures, _created = _save(admin_user, scarce_sku)
    assert figures.stores == 20_004
    assert StoreQuota.objects.filter(product=scarce_sku).count() == 20_004

    CustomerGrade.objects.filter(tier=30).update(tier=1)
    with django_assert_max_num_queries(10):
        allocations.allocation_recompute(allocation=allocation)
    assert not StoreQuota.objects.filter(product=scarce_sku, tier=30).exists()
