"""`make loadtest`: concurrent clients over the main pages and API calls of every role,
against the app served as production serves it, printing p50 / p95 / error rate per call.

    python -m benchmarks.loadtest [--clients 20] [--seconds 120] [--think 0] [--warmup 10]
                                  [--workers 4] [--url http://127.0.0.1:PORT] [--json FILE]

Without --url (what `make loadtest` does): migrates the database in DATABASE_URL (crm_loadtest),
loads the demo data once (`seed_demo --if-empty`: reused when present), collects the static
files and starts gunicorn on 127.0.0.1 with crm_project.settings.loadtest (production
settings over plain HTTP on the loopback interface, DEBUG off, static files by whitenoise),
then stops it at the end. With --url: only the load, against that server (its database must
hold the demo users). Every option also comes from the environment: LOADTEST_CLIENTS,
LOADTEST_SECONDS, LOADTEST_THINK, LOADTEST_WARMUP, LOADTEST_WORKERS.

Each role logs in once before the clock starts: the login form (session cookie, CSRF) for the
pages and POST /api/auth/token/ for the API, as the demo users admin, supervisor1, manager1
and manager2, clerk1 (password demo-pass-2026). Successful logins never count towards
django-axes' lock-out, and 5 logins plus 5 token requests stay far from any limit. Clients
take the roles in turn (20 clients: 5 each; fewer than 4: several roles each) and repeat
their roles' calls in a shuffled order, only GET requests (nothing is written but the
sessions), with `--think` seconds of pause on average between two calls (0: back to
back). A call is an error unless it answers 200. The exit status is 1 when any call failed,
0 otherwise; the p95 target (300 ms) is printed per call, not enforced (the development
machine is shared).
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "demo-pass-2026"
TARGET_P95_MS = 300.0
ROLES = ("admin", "supervisor", "manager", "clerk")
# The demo users of each role (`manage.py demo_logins`); a role's clients share them in turn.
ROLE_USERS = {"admin": ("admin",), "supervisor": ("supervisor1",),
              "manager": ("manager1", "manager2"), "clerk": ("clerk1",)}
TIMEOUT = 60


@dataclass(frozen=True)
class Call:
    name: str
    path: str
    api: bool = False


@dataclass
class Login:
    username: str
    role: str
    cookies: dict
    token: str
    calls: list


# --- The calls of each role -------------------------------------------------------------

def _common_calls(ids: dict) -> list[Call]:
    customer = ids["customers"]
    return [
        Call("home (morning view)", "/"),
        Call("customer list", "/customers/"),
        Call("customer search", "/customers/?q=" + ids["search"]),
        Call("customer card", "/customers/%d/" % customer[0]),
        Call("customer card (2)", "/customers/%d/" % customer[-1]),
        Call("complaint list", "/complaints/"),
        Call("API customers", "/api/customers/", api=True),
        Call("API customers search", "/api/customers/?q=" + ids["search"], api=True),
        Call("API customer", "/api/customers/%d/" % customer[0], api=True),
        Call("API orders", "/api/orders/", api=True),
        Call("API complaints", "/api/complaints/", api=True),
        Call("API morning", "/api/reports/morning/", api=True),
    ]


def calls_for(role: str, ids: dict) -> list[Call]:
    """The main pages and API calls of `role`; `ids` are rows the user may see."""
    calls = _common_calls(ids)
    customer = ids["customers"][0]
    desk = [Call("call list", "/orders/calls/"),
            Call("order console", "/orders/console/%d/" % customer),
            Call("API products", "/api/products/", api=True)]
    reports = [Call("sales report", "/reports/sales/"),
               Call("grades report", "/reports/grades/"),
               Call("scorecard ranking", "/reports/scorecard/ranking/"),
               Call("visit stats", "/visits/stats/"),
               Call("churn warnings", "/grading/warnings/"),
               Call("API sales report", "/api/reports/sales/", api=True),
               Call("API visit plan", "/api/visits/plan/", api=True),
               Call("API visits", "/api/visits/", api=True)]
    if ids.get("complaint"):
        calls.append(Call("API complaint", "/api/complaints/%d/" % ids["complaint"], api=True))
        calls.append(Call("complaint page", "/complaints/%d/" % ids["complaint"]))
    if role == "admin":
        calls += desk + reports + [Call("order list", "/orders/")]
    elif role == "supervisor":
        calls += reports + [Call("complaint figures", "/complaints/figures/")]
    elif role == "manager":
        today = dt.date.fromisoformat(ids["today"])
        calls += [Call("order console", "/orders/console/%d/" % customer),
                  Call("visits today", "/visits/"),
                  Call("visits day", "/visits/day/%s/" % (today + dt.timedelta(days=1))),
                  Call("visit plan", "/visits/plan/"),
                  Call("scorecard", "/reports/scorecard/"),
                  Call("churn warnings", "/grading/warnings/"),
                  Call("API visit plan", "/api/visits/plan/", api=True),
                  Call("API visits", "/api/visits/", api=True),
                  Call("API churn warnings", "/api/churn-warnings/", api=True)]
    elif role == "clerk":
        calls += desk + [Call("order list", "/orders/"),
                         Call("desk figures", "/orders/figures/")]
    return calls


# --- Logging in -------------------------------------------------------------------------

def _pooled_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0)
    session.mount("http://", adapter)
    return session


def log_in(base_url: str, username: str, role: str) -> Login:
    """The login form (with its CSRF token) for a session, POST /api/auth/token/ for the
    API, then the ids this user's calls need (read through the API as that user)."""
    session = _pooled_session()
    page = session.get(base_url + "/accounts/login/", timeout=TIMEOUT)
    page.raise_for_status()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if not found:
        raise RuntimeError("The login page has no CSRF token.")
    answer = session.post(base_url + "/accounts/login/", timeout=TIMEOUT, allow_redirects=False,
                          data={"username": username, "password": PASSWORD,
                                "csrfmiddlewaretoken": found.group(1)},
                          headers={"Referer": base_url + "/accounts/login/"})
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"Logging in as {username} failed ({answer.status_code}); "
                           "are the demo users there (manage.py seed_demo)?")
    answer = requests.post(base_url + "/api/auth/token/", timeout=TIMEOUT,
                           data={"username": username, "password": PASSWORD})
    if answer.status_code != 200:
        raise RuntimeError(f"No API token for {username} ({answer.status_code}).")
    token = answer.json()["token"]
    api = {"Authorization": f"Token {token}"}

    def first_ids(path: str, count: int) -> list[int]:
        reply = requests.get(base_url + path, headers=api, timeout=TIMEOUT)
        reply.raise_for_status()
        body = reply.json()
        rows = body["results"] if isinstance(body, dict) else body
        return [row["id"] for row in rows[:count]]

    customers = first_ids("/api/customers/?ordering=id", 25)
    if not customers:
        raise RuntimeError(f"{username} sees no customer; load the demo data first.")
    reply = requests.get(base_url + "/api/customers/%d/" % customers[0], headers=api,
                         timeout=TIMEOUT)
    reply.raise_for_status()
    name = reply.json().get("name") or ""
    complaints = first_ids("/api/complaints/", 1)
    ids = {"customers": customers, "search": name[:2] or "店",
           "complaint": complaints[0] if complaints else None,
           "today": dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()}
    return Login(username=username, role=role, cookies=session.cookies.get_dict(),
                 token=token, calls=calls_for(role, ids))


# --- The load ---------------------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.errors: dict[tuple[str, str], int] = defaultdict(int)
        self.samples: dict[tuple[str, str], str] = {}

    def add(self, key: tuple[str, str], seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[key].append(seconds)
            if error:
                self.errors[key] += 1
                self.samples.setdefault(key, error)


def client(base_url: str, logins: list[Login], deadline: float, think: float, seed: int,
           recorder: Recorder) -> None:
    """One client: its logins' calls in a shuffled order, again and again, until the
    deadline; each call through that login's pooled session (pages) or token (API)."""
    rng = random.Random(seed)
    sessions = []
    for login in logins:
        pages = _pooled_session()
        pages.cookies.update(login.cookies)
        api = _pooled_session()
        api.headers["Authorization"] = f"Token {login.token}"
        sessions.append((login, pages, api))
    calls = [(login, pages, api, call) for login, pages, api in sessions
             for call in login.calls]
    while True:
        rng.shuffle(calls)
        for login, pages, api, call in calls:
            if time.monotonic() >= deadline:
                return
            error = None
            started = time.perf_counter()
            try:
                reply = (api if call.api else pages).get(base_url + call.path, timeout=TIMEOUT,
                                                         allow_redirects=False)
                _body = reply.content
                if reply.status_code != 200:
                    error = f"{reply.status_code} on {call.path}"
            except requests.RequestException as exc:
                error = f"{type(exc).__name__} on {call.path}"
            recorder.add((login.role, call.name), time.perf_counter() - started, error)
            if think > 0:
                time.sleep(rng.uniform(0, 2 * think))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def _start_clients(base_url: str, logins: dict, clients: int, seconds: float, think: float,
                   recorder: Recorder) -> None:
    """Clients take the roles in turn (client n: role n mod 4, that role's users in turn);
    with fewer clients than roles, a client takes several roles, so every role is seen."""
    deadline = time.monotonic() + seconds
    assigned: list[list[Login]] = [[] for _number in range(clients)]
    for number in range(max(clients, len(ROLES))):
        role = ROLES[number % len(ROLES)]
        users = logins[role]
        assigned[number % clients].append(users[(number // len(ROLES)) % len(users)])
    threads = [threading.Thread(target=client, name=f"loadtest-{number}", daemon=True,
                                args=(base_url, assigned[number], deadline, think, number,
                                      recorder))
               for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_load(base_url: str, *, clients: int, seconds: float, think: float = 0.0,
             warmup: float = 0.0, out=sys.stdout) -> dict:
    """Log every role in, run `clients` clients for `seconds`, print and return the report:
    {"calls": [{"role", "call", "requests", "p50_ms", "p95_ms", "error_rate", "errors",
    "first_error"}...], "requests", "errors", "seconds", "requests_per_second", "clients",
    "think_seconds", "load_before", "load_after", "target_p95_ms", "over_target"}."""
    base_url = base_url.rstrip("/")
    logins: dict[str, list[Login]] = {
        role: [log_in(base_url, username, role) for username in ROLE_USERS[role]]
        for role in ROLES}
    if warmup > 0:  # every worker's first requests (imports, templates), not counted
        _start_clients(base_url, logins, clients, warmup, think, Recorder())
    recorder = Recorder()
    load_before = os.getloadavg()
    started = time.monotonic()
    _start_clients(base_url, logins, clients, seconds, think, recorder)
    elapsed = time.monotonic() - started
    load_after = os.getloadavg()
    rows = []
    for role in ROLES:
        for (row_role, name), times in sorted(recorder.times.items()):
            if row_role != role:
                continue
            errors = recorder.errors.get((role, name), 0)
            rows.append({"role": role, "call": name, "requests": len(times),
                         "p50_ms": round(statistics.median(times) * 1000, 1),
                         "p95_ms": round(percentile(times, 0.95) * 1000, 1),
                         "errors": errors, "error_rate": round(errors / len(times), 4),
                         "first_error": recorder.samples.get((role, name))})
    total = sum(row["requests"] for row in rows)
    errors = sum(row["errors"] for row in rows)
    report = {
        "calls": rows, "requests": total, "errors": errors, "seconds": round(elapsed, 1),
        "requests_per_second": round(total / elapsed, 1) if elapsed else 0.0,
        "clients": clients, "think_seconds": think,
        "load_before": [round(value, 2) for value in load_before],
        "load_after": [round(value, 2) for value in load_after],
        "target_p95_ms": TARGET_P95_MS,
        "over_target": [f"{row['role']}: {row['call']}" for row in rows
                        if row["p95_ms"] > TARGET_P95_MS],
    }
    print_report(report, out)
    return report


def print_report(report: dict, out) -> None:
    width = max([len(f"{row['role']}: {row['call']}") for row in report["calls"]] + [10])
    out.write(f"{'call':<{width}} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}\n")
    for row in report["calls"]:
        label = f"{row['role']}: {row['call']}"
        flag = "  over target" if row["p95_ms"] > report["target_p95_ms"] else ""
        out.write(f"{label:<{width}} {row['requests']:>8} {row['p50_ms']:>8.0f} "
                  f"{row['p95_ms']:>8.0f} {row['error_rate']:>7.1%}{flag}\n")
        if row["first_error"]:
            out.write(f"    first error: {row['first_error']}\n")
    out.write(f"{report['requests']} requests in {report['seconds']} s "
              f"({report['requests_per_second']}/s) by {report['clients']} clients, "
              f"think time {report['think_seconds']} s; errors: {report['errors']}; "
              f"load average before {report['load_before']}, after {report['load_after']}\n")
    over = report["over_target"]
    out.write(f"p95 target {report['target_p95_ms']:.0f} ms: "
              + (f"missed by {len(over)} call(s)\n" if over else "met by every call\n"))
    out.flush()


# --- The server -------------------------------------------------------------------------

def _manage(*args: str, settings: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True,
                   env={**env, "DJANGO_SETTINGS_MODULE": settings})


def prepare_database(env: dict) -> None:
    """Migrate, load the demo data unless it is there (seed_demo refuses production
    settings, so the local ones with DEBUG off), and refresh the planner's statistics, as
    autovacuum does in production (without them, a freshly loaded database gets plans
    that take seconds)."""
    local = {**env, "DEBUG": "false"}
    _manage("migrate", "--noinput", "-v", "0", settings="crm_project.settings.local",
            env=local)
    _manage("seed_demo", "--if-empty", settings="crm_project.settings.local", env=local)
    import psycopg2

    connection = psycopg2.connect(env["DATABASE_URL"])
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(workers: int, env: dict, out=sys.stdout):
    """gunicorn on 127.0.0.1 with the load-test settings; yields its base URL."""
    settings = "crm_project.settings.loadtest"
    env = {**env, "DJANGO_SETTINGS_MODULE": settings,
           "SECRET_KEY": env.get("SECRET_KEY") or "loadtest-only-" + os.urandom(16).hex(),
           "ALLOWED_HOSTS": "127.0.0.1"}
    _manage("collectstatic", "--noinput", "-v", "0", settings=settings, env=env)
    port = _free_port()
    log_path = BASE_DIR / "var" / "loadtest-gunicorn.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "crm_project.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(120):
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {log_path}")
            try:
                if requests.get(base_url + "/accounts/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError(f"gunicorn did not answer within a minute; see {log_path}")
        out.write(f"gunicorn, {workers} workers, on {base_url} ({settings}); log {log_path}\n")
        out.flush()
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _option(name: str, default, kind):
    value = os.environ.get(name)
    return kind(value) if value else default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=_option("LOADTEST_CLIENTS", 20, int))
    parser.add_argument("--seconds", type=float,
                        default=_option("LOADTEST_SECONDS", 120.0, float))
    parser.add_argument("--think", type=float, default=_option("LOADTEST_THINK", 0.0, float),
                        help="average pause between two calls of a client, in seconds")
    parser.add_argument("--warmup", type=float,
                        default=_option("LOADTEST_WARMUP", 10.0, float),
                        help="seconds of the same load before the measured run, not counted")
    parser.add_argument("--workers", type=int, default=_option("LOADTEST_WORKERS", 4, int),
                        help="gunicorn workers")
    parser.add_argument("--url", help="an already running server; nothing is started")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or min(args.think, args.warmup) < 0 \
            or args.workers < 1:
        parser.error("clients and workers must be 1 or more, seconds above 0, think and "
                     "warmup 0 or more")
    if args.url:
        report = run_load(args.url, clients=args.clients, seconds=args.seconds,
                          think=args.think, warmup=args.warmup)
    else:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            print("Run the load test with `make loadtest`, or set DATABASE_URL "
                  "(e.g. .../crm_loadtest), or give --url.")
            return 2
        prepare_database(env)
        with gunicorn(args.workers, env) as base_url:
            report = run_load(base_url, clients=args.clients, seconds=args.seconds,
                              think=args.think, warmup=args.warmup)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
