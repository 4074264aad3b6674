"""Issue 15: Chinese whatever the browser says; a user's choice of English is kept on their
account, across sessions and devices."""

import pytest
from django.test import Client

from customers.models import User

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_chinese(client, manager):
    login_page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(manager)
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="zh-hans">' in login_page.content.decode()
    assert '<html lang="zh-hans">' in home.content.decode()


def test_a_users_choice_of_english_is_kept_on_their_account(client, manager):
    client.force_login(manager)

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    manager.refresh_from_db()
    assert manager.language == "en"
    # Another device: a fresh browser in Chinese, no cookie.
    phone = Client()
    phone.force_login(User.objects.get(pk=manager.pk))
    page = phone.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en">' in page.content.decode()


def test_switching_back_to_chinese_is_kept_too(client, manager):
    manager.language = "en"
    manager.save()
    client.force_login(manager)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    manager.refresh_from_db()
    assert manager.language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_an_unknown_language_changes_nothing(client, manager):
    client.force_login(manager)

    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    manager.refresh_from_db()
    assert manager.language == ""


def test_the_api_answers_in_the_language_its_client_asks_for():
    from rest_framework.test import APIClient

    english = APIClient().get("/api/customers/", HTTP_ACCEPT_LANGUAGE="en")
    default = APIClient().get("/api/customers/")

    assert english.json()["detail"] == "Authentication credentials were not provided."
    assert english.json()["detail"] != default.json()["detail"]
    assert english["Content-Language"] == "en"
    assert default["Content-Language"] == "zh-hans"
