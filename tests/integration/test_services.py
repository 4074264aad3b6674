"""Which PostgreSQL and Redis `make run`, `make test` and `make bench` use
(scripts/services.py), and the wrapper that starts the embedded PostgreSQL around a command
and stops it however the command ends (scripts/with_services.py)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from django.core.exceptions import ImproperlyConfigured

from crm_project.settings.base import database_from_url
from scripts.services import plan_services

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = [sys.executable, str(ROOT / "scripts" / "with_services.py")]


@pytest.fixture
def listening_port():
    """A port on 127.0.0.1 that answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def silent_port():
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def never(host, port):
    return False


# --- The decision ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["run", "test", "bench"])
def test_a_database_url_is_used_as_it_is_and_nothing_starts(mode, listening_port):
    url = "postgres://crm@db.example:5432/crm"
    plan = plan_services(mode, "crm_bench", {"DATABASE_URL": url,
                                             "CRM_PG_PORT": str(listening_port)})
    assert (plan.database_url, plan.embedded) == (url, False)


@pytest.mark.parametrize("mode", ["test", "bench"])
def test_tests_and_benchmarks_use_the_local_server_when_it_answers(mode, listening_port):
    plan = plan_services(mode, "crm_bench", {"DATABASE_URL": "",
                                             "CRM_PG_PORT": str(listening_port)})
    assert plan.database_url == f"postgres://postgres@127.0.0.1:{listening_port}/crm_bench"
    assert not plan.embedded


@pytest.mark.parametrize("mode", ["test", "bench"])
def test_tests_and_benchmarks_start_the_embedded_server_when_none_answers(mode, silent_port):
    plan = plan_services(mode, "crm", {"CRM_PG_PORT": str(silent_port)})
    assert (plan.database_url, plan.embedded) == (None, True)
    assert plan.data_dir == ROOT / "var" / "postgres"


@pytest.mark.parametrize("database_url", [None, ""])
def test_make_run_starts_the_embedded_server_without_a_database_url(database_url,
                                                                    listening_port):
    # an empty DATABASE_URL counts as unset; a local server is not looked for
    environ = {"CRM_PG_PORT": str(listening_port), "CRM_PG_DATA": "/srv/pg"}
    if database_url is not None:
        environ["DATABASE_URL"] = database_url
    plan = plan_services("run", "crm", environ, answers=lambda host, port: True)
    assert (plan.embedded, plan.data_dir, plan.redis_url) == (True, Path("/srv/pg"), "")


def test_redis_is_looked_for_by_tests_and_benchmarks_only():
    answers = {("127.0.0.1", 6379)}.__contains__
    probe = lambda host, port: answers((host, port))  # noqa: E731
    assert plan_services("test", "crm", {}, probe).redis_url == "redis://127.0.0.1:6379/0"
    assert plan_services("bench", "crm", {"REDIS_URL": ""}, never).redis_url == ""
    assert plan_services("run", "crm", {}, probe).redis_url == ""
    assert plan_services("run", "crm", {"REDIS_URL": "redis://r:6379/2"},
                         never).redis_url == "redis://r:6379/2"


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be one of"):
        plan_services("serve", "crm", {})


# --- Settings ----------------------------------------------------------------------------

def test_the_settings_take_a_unix_socket_url():
    config = database_from_url("postgresql://postgres:@/crm?host=/work/crm/var/postgres")
    assert (config["ENGINE"], config["NAME"], config["USER"], config["HOST"],
            config.get("OPTIONS", {})) == ("django.db.backends.postgresql", "crm", "postgres",
                                           "/work/crm/var/postgres", {})


@pytest.mark.parametrize("url, message", [
    ("", "DATABASE_URL is not set"),
    ("mysql://crm@db.example/crm", "must name a PostgreSQL database"),
])
def test_the_settings_refuse_a_missing_or_foreign_database(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url(url)


def test_an_empty_database_url_stops_django_with_a_clear_message(tmp_path):
    env = {**os.environ, "DATABASE_URL": "", "DJANGO_SETTINGS_MODULE": "crm_project.settings.local"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr
    assert "ENGINE" not in result.stderr


# --- The wrapper with a real embedded server ---------------------------------------------

@pytest.fixture(scope="module")
def pgdata():
    """Not under pytest's basetemp: as root the server runs as another user, who must be
    able to traverse the folders above, and pytest resets its basetemp root to 0700."""
    folder = Path(tempfile.mkdtemp(prefix="crm-embedded-"))
    yield folder / "postgres"
    shutil.rmtree(folder, ignore_errors=True)


def embedded_env(pgdata: Path, silent_port: int) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": "", "REDIS_URL": "", "CRM_PG_DATA": str(pgdata),
            "CRM_PG_PORT": str(silent_port)}


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(pgdata) in (process.info["cmdline"] or []):
            found.append(process)
    return found


CONNECT = ("import os, psycopg2\n"
           "connection = psycopg2.connect(os.environ['DATABASE_URL'])\n"
           "cursor = connection.cursor()\n"
           "cursor.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')\n"
           "cursor.execute('SELECT current_database(), similarity(%s, %s) > 0.3',"
           " ['百利达便利店', '百利达'])\n"
           "print('connected', *cursor.fetchone())\n"
           "raise SystemExit(3)\n")


def test_without_a_server_the_command_runs_on_the_embedded_postgresql(pgdata, silent_port):
    result = subprocess.run(
        [*WRAPPER, "test", "--database", "crm_probe", "--", sys.executable, "-c", CONNECT],
        env=embedded_env(pgdata, silent_port), capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL)

    assert result.returncode == 3, result.stderr  # the command's own status
    assert f"DATABASE_URL=postgresql://postgres:@/crm_probe?host={pgdata}" in result.stdout
    assert "connected crm_probe True" in result.stdout  # the database was created; pg_trgm
    assert postgres_processes(pgdata) == []  # stopped on exit


def _start(pgdata: Path, silent_port: int, command: list[str]) -> subprocess.Popen:
    process = subprocess.Popen([*WRAPPER, "run", "--", *command], stdin=subprocess.DEVNULL,
                               env=embedded_env(pgdata, silent_port),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert "DATABASE_URL=" in process.stdout.readline() + process.stdout.readline()
    return process


def _children_of(process: subprocess.Popen) -> list[psutil.Process]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = psutil.Process(process.pid).children(recursive=True)
        if any(child.name() == "sleep" for child in children):
            return children
        time.sleep(0.1)
    raise AssertionError("the command did not start")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_command_group_and_stops_the_server(pgdata, silent_port, signum):
    # given a command that leaves a background process of its own
    wrapper = _start(pgdata, silent_port, ["sh", "-c", "sleep 300 & sleep 301"])
    children = _children_of(wrapper)
    assert postgres_processes(pgdata)

    # when the wrapper is told to stop
    wrapper.send_signal(signum)

    # then the command, its background process and the server are gone
    assert wrapper.wait(timeout=30) == 128 + signum
    psutil.wait_procs(children, timeout=10)
    assert not [child for child in children if child.is_running()]
    assert postgres_processes(pgdata) == []


def test_a_server_left_by_a_killed_wrapper_is_stopped_by_the_next_one(pgdata, silent_port):
    # given a wrapper killed with SIGKILL: it could not stop the server
    wrapper = _start(pgdata, silent_port, ["sleep", "300"])
    children = _children_of(wrapper)
    wrapper.kill()
    wrapper.wait()
    for child in children:
        child.kill()
    assert postgres_processes(pgdata)

    # when the next command runs and ends
    result = subprocess.run([*WRAPPER, "run", "--", "true"],
                            env=embedded_env(pgdata, silent_port), capture_output=True,
                            text=True, timeout=120)

    # then it reused the running server, and stopped it
    assert result.returncode == 0, result.stderr
    assert postgres_processes(pgdata) == []


def test_a_database_url_that_does_not_answer_stops_with_a_clear_message(silent_port):
    url = f"postgres://postgres@127.0.0.1:{silent_port}/crm"
    result = subprocess.run([*WRAPPER, "test", "--", "true"],
                            env={**os.environ, "DATABASE_URL": url}, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert f"PostgreSQL at {url} cannot be used" in result.stderr
    assert "Traceback" not in result.stderr
