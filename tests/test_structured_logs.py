"""Structured logs: JSON lines, each record of a request with its request id and user, an
access line per request, Celery task records with the task; the lines are parsed here."""

import io
import json
import logging

import pytest
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from conftest import api_as
from crm_project.logs import RequestContextFilter, logging_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """The JSON lines the configured console handler would write, parsed."""
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request_context"]
    spec = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(spec.pop("()"))(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)

    def parsed():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield parsed
    root.removeHandler(handler)
    root.setLevel(level)


def test_an_api_request_logs_an_access_line_with_its_id_and_user(log_lines, manager):
    response = api_as(manager).get("/api/customers/", HTTP_X_REQUEST_ID="proxy-42.a:b")

    assert response["X-Request-ID"] == "proxy-42.a:b"
    access = [r for r in log_lines() if r["logger"] == "crm_project.access"]
    assert len(access) == 1
    line = access[0]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/customers/", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert (line["request_id"], line["user_id"], line["username"]) == (
        "proxy-42.a:b", manager.pk, manager.username)
    assert line["level"] == "INFO" and line["time"]


def test_every_record_of_a_request_carries_its_id_and_user(log_lines, manager):
    response = api_as(manager).get("/api/customers/99999999/")

    assert response.status_code == 404
    records = log_lines()
    # the access line and Django's own "Not Found" warning, written after the middleware
    assert {r["logger"] for r in records} >= {"crm_project.access", "django.request"}
    assert {r["request_id"] for r in records} == {response["X-Request-ID"]}
    assert {r["username"] for r in records} == {manager.username}


@pytest.mark.parametrize("supplied", ["", "has space", "x" * 129, "<script>", "é"])
def test_an_unusable_request_id_is_replaced_by_a_new_one(client, log_lines, supplied):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=supplied)

    request_id = response["X-Request-ID"]
    assert request_id != supplied and len(request_id) == 32
    line = next(r for r in log_lines() if r["logger"] == "crm_project.access")
    assert (line["request_id"], line["user_id"], line["status"]) == (request_id, None, 200)


def test_a_page_request_logs_the_signed_in_user(client, log_lines, supervisor):
    client.force_login(supervisor)
    response = client.get("/")

    line = next(r for r in log_lines() if r["logger"] == "crm_project.access")
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["user_id"], line["username"]) == (supervisor.pk, supervisor.username)


def test_records_outside_a_request_carry_no_request(log_lines):
    logging.getLogger("crm_project.test").warning("a job says %s", "你好")

    (record,) = log_lines()
    assert record["message"] == "a job says 你好"
    assert record["request_id"] is None and record["user_id"] is None


@shared_task(name="tests.log_from_a_task")
def log_from_a_task():
    logging.getLogger("crm_project.test").info("inside the task")


def test_a_celery_task_record_names_the_task(log_lines):
    log_from_a_task.delay()

    record = next(r for r in log_lines() if r["message"] == "inside the task")
    assert record["task_name"] == "tests.log_from_a_task"
    assert record["task_id"]


def test_text_format_and_an_unknown_format():
    assert "%(request_id)s" in logging_config("text", "INFO")["formatters"]["text"]["format"]
    with pytest.raises(ImproperlyConfigured):
        logging_config("xml", "INFO")
