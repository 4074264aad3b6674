"""The customer services' own rules: who may place a store where, and with which manager."""

import pytest
from django.core.exceptions import PermissionDenied

from crm_project.errors import BusinessError
from customers import selectors, services
from customers.models import Customer, Role
from customers.tests.factories import UserFactory


def _new_store(territory, manager=None) -> dict:
    return {"code": "440100999001", "name": "新开便利店", "license_no": "440100999001",
            "owner": "王五", "phone": "13900000001", "address": "广州市越秀区北京路2号",
            "territory": territory, "manager": manager, "order_weekday": 2}


@pytest.fixture
def far_manager(other_department, far_territory):
    return UserFactory(username="mgr_far", role=Role.MANAGER, department=other_department,
                       territories=[far_territory])


def test_supervisor_cannot_create_a_store_in_another_departments_territory(
        supervisor, far_territory):
    with pytest.raises(BusinessError) as refused:
        services.customer_create(user=supervisor, data=_new_store(far_territory))

    assert refused.value.field == "territory"
    assert not Customer.objects.filter(code="440100999001").exists()


def test_supervisor_cannot_assign_another_departments_manager(supervisor, territory,
                                                              far_manager):
    with pytest.raises(BusinessError) as refused:
        services.customer_create(user=supervisor, data=_new_store(territory, far_manager))

    assert refused.value.field == "manager"
    assert not Customer.objects.filter(code="440100999001").exists()


def test_supervisor_cannot_move_a_store_into_another_department(supervisor, store,
                                                                far_territory, territory):
    with pytest.raises(BusinessError) as refused:
        services.customer_update(customer=store, user=supervisor,
                                 data={"territory": far_territory})

    store.refresh_from_db()
    assert refused.value.field == "territory"
    assert store.territory_id == territory.pk


def test_supervisor_places_a_store_in_their_own_department(supervisor, territory, manager):
    customer = services.customer_create(user=supervisor, data=_new_store(territory, manager))

    assert (customer.territory_id, customer.manager_id) == (territory.pk, manager.pk)


def test_admin_places_stores_in_any_department(admin_user, far_territory, far_manager):
    customer = services.customer_create(user=admin_user,
                                        data=_new_store(far_territory, far_manager))

    assert customer.manager_id == far_manager.pk


@pytest.mark.parametrize("persona", ["manager", "clerk"])
def test_only_supervisors_and_admins_create_stores(personas, persona, territory):
    with pytest.raises(PermissionDenied):
        services.customer_create(user=personas[persona], data=_new_store(territory))

    assert not Customer.objects.filter(code="440100999001").exists()


def test_a_store_keeps_its_deactivated_manager_when_edited(supervisor, store, manager):
    manager.is_active = False
    manager.save(update_fields=["is_active"])

    updated = services.customer_update(customer=store, user=supervisor,
                                       data={"phone": "13900000002"})

    assert (updated.phone, updated.manager_id) == ("13900000002", manager.pk)


def test_a_store_is_assigned_only_to_a_customer_manager(admin_user, store, clerk):
    with pytest.raises(BusinessError):
        services.customer_reassign(customer=store, manager=clerk, user=admin_user)


@pytest.mark.parametrize("persona, editable", [
    ("admin", None), ("supervisor", None), ("manager", "some"), ("other_manager", set()),
    ("clerk", set()),
])
def test_editable_fields_by_persona(personas, store, persona, editable):
    fields = selectors.customer_editable_fields(user=personas[persona], customer=store)

    if editable == "some":
        assert "phone" in fields and "manager" not in fields and "territory" not in fields
    else:
        assert fields == editable


@pytest.mark.parametrize("persona, expected", [
    ("admin", {"boss", "clerk", "mgr_other", "mgr_owner", "supervisor", "supervisor_far"}),
    ("supervisor", {"boss", "clerk", "mgr_other", "mgr_owner", "supervisor"}),
    ("clerk", {"clerk"}), ("manager", {"mgr_owner"}),
])
def test_users_overseen_by_follows_the_ladder(personas, persona, expected):
    users = selectors.users_overseen_by(personas[persona])

    assert set(users.values_list("username", flat=True)) == expected


def test_active_managers_leaves_out_deactivated_accounts(manager, other_manager):
    other_manager.is_active = False
    other_manager.save(update_fields=["is_active"])

    assert list(selectors.active_managers()) == [manager]


def test_customer_list_page_filters_and_pages(admin_user, store, other_store):
    page = selectors.customer_list_page(user=admin_user, params={"q": store.name})

    assert list(page["page_obj"]) == [store]


def test_unassigned_manager_is_none_and_a_clerk_is_not_assignable(clerk):
    from django.http import Http404

    assert selectors.assignable_manager_get(pk=None) is None
    with pytest.raises(Http404):
        selectors.assignable_manager_get(pk=clerk.pk)


def test_store_card_offers_editing_only_to_who_may_edit(manager, clerk, store):
    assert selectors.customer_detail(user=manager, pk=store.pk)["can_edit"] is True
    assert selectors.customer_detail(user=clerk, pk=store.pk)["can_edit"] is False
    with pytest.raises(PermissionDenied):
        selectors.customer_for_edit(user=clerk, pk=store.pk)


def test_history_api_names_no_one_for_a_change_without_a_user(admin_user, store):
    from conftest import api_as

    history = api_as(admin_user).get(f"/api/customers/{store.pk}/history/").json()

    assert [(entry["who"], entry["changes"]) for entry in history] == [(None, [])]
