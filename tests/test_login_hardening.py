"""Logins that resist guessing (django-axes on the API token endpoint, the login form and
the admin login) and API tokens that end with the password, the account or their age."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234"  # the factories' password
ADDRESS, OTHER_ADDRESS = "10.1.1.1", "10.2.2.2"
ENTRY_POINTS = {
    "api": "/api/auth/token/",
    "form": "/accounts/login/",
    "admin": "/admin/login/",
}
REFUSAL = {"en": "Too many failed login attempts. Try again in 15 minutes.",
           "zh-hans": "登录失败次数过多,请 15 分钟后再试。"}


def _attempt(entry, username, password, address=ADDRESS, language="en"):
    client = APIClient() if entry == "api" else Client()
    if entry != "api":
        # Pages follow the language picked on the site (its cookie), never the browser's.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(ENTRY_POINTS[entry], {"username": username, "password": password},
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def _succeeded(entry, response) -> bool:
    if entry == "api":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


def _refused_text(response) -> str:
    if response["Content-Type"].startswith("application/json"):
        return response.json()["detail"]
    return response.content.decode()


@pytest.fixture
def staff_user(db):
    return UserFactory(username="victim", is_staff=True)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("language", REFUSAL)
def test_fifth_failure_locks_the_account_out_with_a_translated_refusal(entry, language,
                                                                       staff_user):
    for _ in range(4):
        response = _attempt(entry, "victim", "wrong", language=language)
        assert response.status_code in (200, 400)  # an ordinary wrong-password answer
    # the fifth failure is answered with the refusal
    assert _attempt(entry, "victim", "wrong", language=language).status_code == 429
    # and the right password no longer helps
    response = _attempt(entry, "victim", PASSWORD, language=language)
    assert response.status_code == 429
    assert REFUSAL[language] in _refused_text(response)
    assert not Token.objects.filter(user=staff_user).exists()


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_four_failures_still_let_the_right_password_in(entry, staff_user):
    for _ in range(4):
        _attempt(entry, "victim", "wrong")
    assert _succeeded(entry, _attempt(entry, "victim", PASSWORD))


def test_failures_count_per_username_across_addresses(staff_user):
    for number in range(5):
        _attempt("api", "victim", "wrong", address=f"10.9.9.{number}")
    assert _attempt("api", "victim", PASSWORD, address=OTHER_ADDRESS).status_code == 429
    # another user from a fresh address is not concerned
    UserFactory(username="bystander")
    assert _succeeded("api", _attempt("api", "bystander", PASSWORD, address="10.3.3.3"))


def test_failures_count_per_address_across_usernames(staff_user):
    UserFactory(username="bystander")
    for number in range(5):
        _attempt("form", f"guess{number}", "wrong", address=ADDRESS)
    assert _attempt("form", "bystander", PASSWORD, address=ADDRESS).status_code == 429
    assert _succeeded("form", _attempt("form", "bystander", PASSWORD, address=OTHER_ADDRESS))


def test_a_success_from_the_same_address_does_not_wipe_the_count(staff_user):
    # given four guesses at the victim and the attacker's own valid login from that address
    UserFactory(username="attacker")
    for _ in range(4):
        _attempt("api", "victim", "wrong")
    assert _succeeded("api", _attempt("api", "attacker", PASSWORD))
    # when the fifth guess fails
    _attempt("api", "victim", "wrong")
    # then the victim is locked out all the same
    assert _attempt("api", "victim", PASSWORD, address=OTHER_ADDRESS).status_code == 429


def test_the_lock_opens_after_the_cool_down(staff_user):
    for _ in range(5):
        _attempt("form", "victim", "wrong")
    assert _attempt("form", "victim", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _succeeded("form", _attempt("form", "victim", PASSWORD))


def test_limit_and_cool_down_are_settings(settings, staff_user):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    for _ in range(2):
        _attempt("api", "victim", "wrong")
    response = _attempt("api", "victim", PASSWORD)
    assert response.status_code == 429
    assert response.json()["detail"] == "Too many failed login attempts. Try again in 1 minute."


# --- tokens ---------------------------------------------------------------------------

def _token_for(user) -> str:
    response = _attempt("api", user.username, PASSWORD)
    assert response.status_code == 200
    return response.json()["token"]


def _api_status(key: str) -> int:
    return APIClient().get("/api/customers/", HTTP_AUTHORIZATION=f"Token {key}").status_code


@pytest.fixture
def user_with_token(db):
    user = UserFactory(username="holder")
    key = _token_for(user)
    assert _api_status(key) == 200
    return user, key


def test_set_password_in_a_service_or_shell_revokes_the_token(user_with_token):
    user, key = user_with_token
    user.set_password("a-new-pass-5678")
    user.save()
    assert _api_status(key) == 401
    assert not Token.objects.filter(user=user).exists()


def test_password_change_form_revokes_the_token(user_with_token):
    user, key = user_with_token
    form = PasswordChangeForm(user, {"old_password": PASSWORD,
                                     "new_password1": "a-new-pass-5678",
                                     "new_password2": "a-new-pass-5678"})
    assert form.is_valid(), form.errors
    form.save()
    assert _api_status(key) == 401


def test_admin_password_change_revokes_the_token(client, admin_user, user_with_token):
    user, key = user_with_token
    client.force_login(admin_user)
    response = client.post(f"/admin/customers/user/{user.pk}/password/",
                           {"password1": "a-new-pass-5678", "password2": "a-new-pass-5678",
                            "usable_password": "true"})
    assert response.status_code == 302
    assert _api_status(key) == 401


def test_deactivation_revokes_the_token(user_with_token):
    user, key = user_with_token
    user.is_active = False
    user.save()
    assert not Token.objects.filter(user=user).exists()
    assert _api_status(key) == 401


def test_other_changes_keep_the_token(user_with_token):
    user, key = user_with_token
    user.phone = "13800000000"
    user.save()
    assert _api_status(key) == 200


def test_an_expired_token_answers_401_is_deleted_and_a_new_one_is_issued(user_with_token):
    user, key = user_with_token
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=31))
    response = APIClient().get("/api/customers/", HTTP_AUTHORIZATION=f"Token {key}",
                               HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["detail"] == "Token has expired; request a new one."
    assert not Token.objects.filter(key=key).exists()
    fresh = _token_for(user)
    assert fresh != key
    assert _api_status(fresh) == 200


def test_an_expired_token_is_replaced_when_asked_for_again(user_with_token):
    user, key = user_with_token
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=31))
    fresh = _token_for(user)
    assert fresh != key
    assert _api_status(fresh) == 200


def test_token_lifetime_is_a_setting(settings, user_with_token):
    _user, key = user_with_token
    settings.CRM_API_TOKEN_TTL = timedelta(seconds=0)
    assert _api_status(key) == 401
