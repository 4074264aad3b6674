"""Personas shared by every test: the manager who owns the store, a manager of the same
department who does not, a clerk of the store's territory, a supervisor of the department,
a supervisor of another department, and an admin."""

import pytest
from rest_framework.test import APIClient

from customers.models import Role
from customers.tests.factories import (
    CustomerFactory,
    DepartmentFactory,
    TerritoryFactory,
    UserFactory,
)


@pytest.fixture
def department(db):
    return DepartmentFactory(code="D01", name="城区营销部")


@pytest.fixture
def other_department(db):
    return DepartmentFactory(code="D02", name="郊县营销部")


@pytest.fixture
def territory(department):
    return TerritoryFactory(code="T01", name="越秀一片", department=department)


@pytest.fixture
def other_territory(department):
    return TerritoryFactory(code="T02", name="越秀二片", department=department)


@pytest.fixture
def far_territory(other_department):
    return TerritoryFactory(code="T09", name="从化片", department=other_department)


@pytest.fixture
def manager(department, territory):
    return UserFactory(username="mgr_owner", role=Role.MANAGER, department=department,
                       territories=[territory])


@pytest.fixture
def other_manager(department, other_territory):
    return UserFactory(username="mgr_other", role=Role.MANAGER, department=department,
                       territories=[other_territory])


@pytest.fixture
def clerk(department, territory):
    return UserFactory(username="clerk", role=Role.CLERK, department=department,
                       territories=[territory], employee_no="017")


@pytest.fixture
def supervisor(department):
    return UserFactory(username="supervisor", role=Role.SUPERVISOR, department=department)


@pytest.fixture
def other_supervisor(other_department):
    return UserFactory(username="supervisor_far", role=Role.SUPERVISOR,
                       department=other_department)


@pytest.fixture
def admin_user(department):
    return UserFactory(username="boss", role=Role.ADMIN, department=department,
                       is_staff=True, is_superuser=True)


@pytest.fixture
def store(territory, manager):
    """A store in T01 owned by `manager`."""
    return CustomerFactory(territory=territory, manager=manager, name="百利达便利店")


@pytest.fixture
def other_store(other_territory, other_manager):
    """A store in T02 owned by `other_manager`."""
    return CustomerFactory(territory=other_territory, manager=other_manager, name="金叶烟酒店")


@pytest.fixture
def personas(manager, other_manager, clerk, supervisor, other_supervisor, admin_user):
    return {
        "manager": manager, "other_manager": other_manager, "clerk": clerk,
        "supervisor": supervisor, "other_supervisor": other_supervisor, "admin": admin_user,
    }


@pytest.fixture
def api_client():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
