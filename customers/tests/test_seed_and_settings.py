import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.models import Customer, Department, Role, Territory, User
from phone_orders.models import Product

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_builds_organisation_users_catalog_and_stores():
    call_command("seed_demo", "--customers", "24", stdout=open(os.devnull, "w"))
    assert Department.objects.count() == 3
    assert list(Territory.objects.values_list("code", flat=True)) == [
        f"T{i:02d}" for i in range(1, 13)]
    assert User.objects.filter(role=Role.MANAGER).count() == 12
    assert User.objects.filter(role=Role.CLERK).count() == 4
    assert User.objects.filter(role=Role.SUPERVISOR).count() == 2
    assert Product.objects.count() == 80
    assert Customer.objects.count() == 24
    manager1 = authenticate(username="manager1", password="demo-pass-2026")
    assert list(manager1.territories.values_list("code", flat=True)) == ["T01"]
    assert set(manager1.customers.values_list("territory__code", flat=True)) == {"T01"}
    for username in ["admin", "supervisor1", "manager2", "clerk1"]:
        assert authenticate(username=username, password="demo-pass-2026") is not None
    assert manager1.groups.get().name == "manager"


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_zero_gives_no_stores():
    call_command("seed_demo", "--customers", "0", stdout=open(os.devnull, "w"))
    assert Customer.objects.count() == 0
    assert Product.objects.count() == 80


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    settings.CRM_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", "--customers", "5")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_token_endpoint_returns_token_for_valid_login(client, manager, store):
    response = client.post("/api/auth/token/", {"username": manager.username,
                                                "password": "pass-1234"})
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/customers/", HTTP_AUTHORIZATION=f"Token {token}")
    assert [row["code"] for row in listed.json()["results"]] == [store.code]
    refused = client.post("/api/auth/token/", {"username": manager.username,
                                               "password": "wrong"})
    assert refused.status_code == 400


@pytest.mark.django_db
def test_schema_and_offline_docs_are_served(client, manager):
    client.force_login(manager)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/customers/" in schema.content
    docs = client.get("/api/docs/")
    assert b"drf_spectacular_sidecar" in docs.content  # served locally, no CDN


def test_production_settings_pass_deploy_check():
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
           "DJANGO_SETTINGS_MODULE": "crm_project.settings.production",
           "SECRET_KEY": "x" * 64 + "-not-a-real-secret-but-long-and-random-enough-1234",
           "ALLOWED_HOSTS": "crm.example.com",
           "DATABASE_URL": "postgres://crm@db:5432/crm"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "security." not in result.stdout + result.stderr


def test_production_settings_require_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="crm_project.settings.production",
               ALLOWED_HOSTS="crm.example.com", DATABASE_URL="postgres://crm@db:5432/crm")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_openapi_schema_generates_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--file", str(tmp_path / "schema.yml"),
         "--fail-on-warn"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "/api/orders/" in (tmp_path / "schema.yml").read_text()
