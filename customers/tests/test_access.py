"""The one policy table: each role's abilities, and who oversees whom."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from customers import access
from customers.access import Ability


@pytest.mark.parametrize(
    ("persona", "ability", "allowed"),
    [
        ("manager", Ability.LOG_VISITS, True),
        ("manager", Ability.TAKE_ORDERS, True),
        ("manager", Ability.OVERSEE_COMPLAINTS, False),
        ("clerk", Ability.TAKE_ORDERS, True),
        ("clerk", Ability.WORK_CHURN_WARNINGS, False),
        ("clerk", Ability.LOG_VISITS, False),
        ("supervisor", Ability.OVERSEE_COMPLAINTS, True),
        ("supervisor", Ability.TAKE_ORDERS, False),
        ("supervisor", Ability.EDIT_SETTINGS, False),
        ("admin_user", Ability.EDIT_SETTINGS, True),
        ("admin_user", Ability.LOG_VISITS, False),
    ],
)
def test_abilities_follow_the_role(request, persona, ability, allowed):
    user = request.getfixturevalue(persona)
    assert access.can(user, ability) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            access.require(user, ability)


def test_inactive_and_anonymous_users_may_do_nothing(db, manager):
    manager.is_active = False
    assert access.role_of(manager) is None
    assert not any(v for k, v in access.abilities_of(manager).items() if k not in ("role",))
    assert not access.can(AnonymousUser(), Ability.TAKE_ORDERS)


def test_superuser_counts_as_admin(db, manager):
    manager.is_superuser = True
    assert access.is_admin(manager)
    assert access.can(manager, Ability.RUN_JOBS)


def test_oversight_is_by_department(db, manager, supervisor, other_supervisor, admin_user):
    assert access.oversees(supervisor, manager)
    assert not access.oversees(other_supervisor, manager)
    assert access.oversees(admin_user, manager)
    assert access.oversees(manager, manager)
    assert not access.oversees(manager, supervisor)


@pytest.mark.parametrize("ability", [Ability.REASSIGN_STORES, Ability.EDIT_CATALOG,
                                     Ability.SET_SUPPLY, Ability.USE_ADMIN_SITE])
def test_administrators_alone_reassign_edit_the_catalog_set_supply_and_use_the_admin(
        personas, ability):
    assert {name for name, user in personas.items() if access.can(user, ability)} == {"admin"}


def test_role_may_reads_the_table_for_a_bare_role():
    assert access.role_may("admin", Ability.USE_ADMIN_SITE)
    assert not access.role_may("manager", Ability.USE_ADMIN_SITE)
    assert not access.role_may(None, Ability.TAKE_ORDERS)


def test_a_deactivated_manager_account_is_still_a_manager_account(db, manager, clerk):
    manager.is_active = False

    assert access.is_manager_account(manager)
    assert not access.is_manager(manager)
    assert not access.is_manager_account(clerk)


def test_is_admin_role_is_an_alias_of_is_admin(db, admin_user, supervisor):
    assert (admin_user.is_admin_role, supervisor.is_admin_role) == (True, False)
