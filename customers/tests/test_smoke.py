import pytest

pytestmark = pytest.mark.django_db


def test_manager_lists_only_own_stores(client, manager, store, other_store):
    client.force_login(manager)
    response = client.get("/customers/")
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [store]
