"""Before the first call: the cycle's briefing, the store's manager and delivery phones,
and a call-length limit shown as a timer and counted in the clerk figures (issue 14)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from crm_project.errors import BusinessError
from phone_orders import services
from phone_orders.models import BriefingNote, CallRecord, DeliveryContact
from phone_orders.tests.factories import ProductFactory, SupplyFactory


@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_a_supervisor_or_admin_writes_a_briefing_note_clerks_read(client, personas, clerk,
                                                                  persona):
    services.briefing_note_add(user=personas[persona], kind="promotion",
                               text="本周买五送一：黄鹤楼(软蓝)")
    client.force_login(clerk)

    response = client.get("/orders/briefing/")

    assert response.status_code == 200
    assert "本周买五送一：黄鹤楼(软蓝)" in response.content.decode()
    assert "本周买五送一" in client.get("/orders/calls/").content.decode()


@pytest.mark.parametrize("persona", ["clerk", "manager"])
def test_clerks_and_managers_do_not_write_briefing_notes(client, personas, persona):
    client.force_login(personas[persona])

    response = client.post("/orders/briefing/", {"kind": "policy", "text": "x"})

    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.briefing_note_add(user=personas[persona], kind="policy", text="x")
    assert BriefingNote.objects.count() == 0


def test_an_empty_or_unknown_note_is_refused(admin_user):
    with pytest.raises(BusinessError):
        services.briefing_note_add(user=admin_user, kind="policy", text="  ")
    with pytest.raises(BusinessError):
        services.briefing_note_add(user=admin_user, kind="gossip", text="x")
    assert BriefingNote.objects.count() == 0


def test_the_briefing_lists_this_cycles_rationed_and_new_skus(client, clerk, scarce_sku):
    new = ProductFactory(code="690070", name="黄金叶(新)", is_new=True)
    SupplyFactory(product=new)
    client.force_login(clerk)

    response = client.get("/orders/briefing/")

    assert [s.product.code for s in response.context["rationed"]] == ["690002"]
    assert [s.product.code for s in response.context["new_products"]] == ["690070"]


def test_the_console_shows_manager_and_delivery_phones_and_the_call_limit(
        client, clerk, store, manager, territory, settings):
    settings.CRM_CALL_LENGTH_LIMIT_SECONDS = 150
    manager.phone = "13800000001"
    manager.save()
    DeliveryContact.objects.create(territory=territory, name="张师傅", phone="13900000002")
    client.force_login(clerk)

    page = client.get(f"/orders/console/{store.pk}/").content.decode()

    assert "13800000001" in page and "13900000002" in page and "张师傅" in page
    assert 'data-limit="150"' in page


def test_clerk_figures_count_calls_over_the_limit(client, supervisor, clerk, store, settings):
    settings.CRM_CALL_LENGTH_LIMIT_SECONDS = 120
    now = timezone.now()
    for seconds in (60, 200, 300):
        services.call_record(user=clerk, customer=store, outcome="no_answer",
                             started_at=now - timedelta(seconds=seconds))
    assert CallRecord.objects.count() == 3
    client.force_login(supervisor)

    response = client.get("/orders/figures/")

    row = next(r for r in response.context["clerks"] if r["clerk"] == clerk)
    assert (row["calls"], row["long_calls"]) == (3, 2)
