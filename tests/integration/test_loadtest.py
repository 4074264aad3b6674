"""`make loadtest` in small: benchmarks/loadtest.py for a few seconds with 2 clients against
a live server holding a small demo data set. Every role logs in (form with CSRF, API token)
and every call answers 200; the report has a row per role and call with its figures."""

import io
import random
import time

import pytest

from benchmarks.loadtest import ROLES, Call, Login, Recorder, client, run_load
from customers.demo import seed_customers, seed_organisation
from customers.models import User
from phone_orders.demo import seed_catalog

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_data():
    """The demo organisation, users (demo password) and catalog with a few stores: what
    `seed_demo` builds before each app's history of orders, visits and complaints, which
    would take a minute here."""
    org = seed_organisation()
    seed_catalog()
    seed_customers(count=24, rng=random.Random(2026), territories=org["territories"],
                   users=org["users"])


def test_a_short_run_covers_every_role_without_errors(live_server, demo_data):
    out = io.StringIO()
    report = run_load(live_server.url, clients=2, seconds=4, warmup=0, out=out)

    assert report["errors"] == 0, out.getvalue()
    assert report["clients"] == 2 and report["requests"] > 0
    assert {row["role"] for row in report["calls"]} == set(ROLES)
    names = {row["call"] for row in report["calls"]}
    assert any(name.startswith("API ") for name in names)  # token calls
    assert any(not name.startswith("API ") for name in names)  # session pages
    for row in report["calls"]:
        assert row["requests"] >= 1 and row["errors"] == 0 and row["error_rate"] == 0
        assert 0 < row["p50_ms"] <= row["p95_ms"]
    assert set(report) >= {"requests_per_second", "load_before", "load_after",
                           "target_p95_ms", "over_target", "seconds"}
    text = out.getvalue()
    assert "p50 ms" in text and "p95 ms" in text and "errors: 0" in text
    assert "admin: " in text and "clerk: " in text
    # Logged in as a user, never locked out: no failure counted by django-axes.
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.exists()
    assert User.objects.filter(username="clerk1").exists()


def test_a_call_not_answering_200_is_an_error(live_server):
    recorder = Recorder()
    login = Login(username="nobody", role="clerk", cookies={}, token="not-a-token",
                  calls=[Call("missing", "/no-such-page/"), Call("API customers",
                                                             "/api/customers/", api=True)])
    client(live_server.url, [login], time.monotonic() + 1, 0.0, 1, recorder)

    assert recorder.errors[("clerk", "missing")] == len(recorder.times[("clerk", "missing")])
    assert recorder.samples[("clerk", "missing")] == "404 on /no-such-page/"
    assert recorder.samples[("clerk", "API customers")] == "401 on /api/customers/"
