"""A manager logs in, finds a store, edits its phone number and sees it in the history."""

import pytest

from customers.models import Customer

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_edits_phone_and_sees_history(page, manager, store, other_store):
    # given a manager with one store, logged in on a phone-sized screen
    login(page, manager)

    # when they search for the store by pinyin initials and open it
    page.goto("/customers/")
    page.fill("input[name=q]", "bld")
    page.press("input[name=q]", "Enter")
    page.click(f"text={store.name}")
    page.wait_for_url(f"**/customers/{store.pk}/")

    # and change its phone number
    page.click(f"a[href='/customers/{store.pk}/edit/']")
    page.fill("input[name=phone]", "13812345678")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"**/customers/{store.pk}/")

    # then the record has the new number and the history shows old and new values
    assert Customer.objects.get(pk=store.pk).phone == "13812345678"
    page.click(f"a[href='/customers/{store.pk}/history/']")
    history = page.locator(".history").inner_text()
    assert store.phone in history
    assert "13812345678" in history
    assert manager.username in history


def test_bad_phone_shows_message_and_saves_nothing(page, manager, store):
    login(page, manager)
    page.goto(f"/customers/{store.pk}/edit/")
    page.fill("input[name=phone]", "12345")
    page.click("button[type=submit].btn-primary")
    assert page.locator(".field.has-error .error").first.is_visible()
    assert Customer.objects.get(pk=store.pk).phone == store.phone
