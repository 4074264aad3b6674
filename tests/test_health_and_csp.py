"""Operations: /health/ for the compose file and load balancers; a Content-Security-Policy
on every page that our templates keep (no inline script, handler or style attribute)."""

import re

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


def test_health_answers_ok_without_login_and_names_only_the_checks(client):
    response = client.get("/health/")
    assert response.status_code == 200
    expected = {"database": "ok", "cache": "ok", "storage": "ok"}
    if django_settings.REDIS_URL:
        expected["broker"] = "ok"
    assert response.json() == {"status": "ok", "checks": expected}
    assert "no-cache" in response["Cache-Control"]


def test_health_answers_503_when_a_service_fails(client, settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the media folder should be")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(blocked)}}}
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["storage"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert str(blocked) not in response.content.decode()


PAGES = ["/", "/customers/", "/customers/{store}/", "/orders/", "/orders/console/{store}/",
         "/visits/", "/visits/plan/", "/complaints/", "/grading/warnings/", "/grading/runs/",
         "/admin/", "/admin/customers/customer/{store}/change/", "/accounts/login/"]
INLINE = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_a_strict_policy_and_no_inline_code(path, client, admin_user,
                                                               store):
    if path != "/accounts/login/":
        client.force_login(admin_user)
    response = client.get(path.format(store=store.pk), follow=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy + ";"
    assert "unsafe-inline" not in policy
    if "/admin/" not in path:  # Django's admin is checked in the browser test
        assert INLINE.findall(response.content.decode()) == []
