"""The error-reporting hook: off without SENTRY_DSN; with it, the Sentry client starts and an
error logged by the application reaches the DSN's server (here a server on the loopback,
nothing leaves the machine). Each case runs Django in its own process, as a server would."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import logging, django, sentry_sdk
django.setup()
from django.conf import settings
client = sentry_sdk.get_client()
print(settings.SENTRY_ENABLED, client.is_active(), client.options.get("send_default_pii"))
try:
    raise ValueError("issue-13 probe")
except ValueError:
    logging.getLogger("crm_project.probe").exception("the probe failed")
sentry_sdk.flush(10)
"""


def run_probe(**extra_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(DJANGO_SETTINGS_MODULE="crm_project.settings.test", **extra_env)
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.fixture
def collector():
    """A stand-in for the Sentry server on 127.0.0.1: keeps the envelopes it is sent."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append((self.path, body.decode()))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], received
    server.shutdown()
    server.server_close()


def test_without_sentry_dsn_nothing_is_reported():
    assert run_probe() == ["False", "False"] + ["None"]


def test_with_sentry_dsn_errors_reach_its_server(collector):
    port, received = collector
    answer = run_probe(SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
                       SENTRY_ENVIRONMENT="probe")

    assert answer == ["True", "True", "False"]
    assert received, "no envelope reached the local server"
    path, body = received[0]
    assert path == "/api/42/envelope/"
    events = [json.loads(line) for line in body.splitlines()[1:] if line.startswith("{")]
    event = next(e for e in events if "exception" in e)
    assert event["environment"] == "probe"
    assert event["exception"]["values"][-1]["value"] == "issue-13 probe"


def test_a_malformed_dsn_stops_the_start_with_a_clear_message():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm_project.settings.test",
           "SENTRY_DSN": "not a dsn"}
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "SENTRY_DSN is not a valid DSN" in done.stderr
