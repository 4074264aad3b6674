"""`make bench` in small: every benchmarks/bench_*.py module runs to its end on a scratch
database of its own, with a few hundred stores instead of a million.

The benchmarks build their data with raw SQL and COPY, so a new NOT NULL column or a
renamed one breaks them without any other test noticing (twice so far: churn_reasons and
is_supplementary). Run here, such a change fails the suite instead of the next `make bench`.
"""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[2]
SMALL = {
    "BENCH_STORES": "300", "BENCH_NAIVE_SAMPLE": "20",
    "BENCH_ALLOCATION_STORES": "300", "BENCH_ALLOCATION_SAMPLE": "20",
    "BENCH_ORDER_LINES": "500",
    "BENCH_REPORT_STORES": "300", "BENCH_REPORT_MONTHS": "2", "BENCH_REPORT_REQUESTS": "3",
    "BENCH_REPORT_NIGHTS": "1", "BENCH_SCORECARD_SAMPLE": "5",
    "BENCH_CHURN_MODEL_STORES": "2000",
}


def _modules() -> list[str]:
    return sorted(path.stem for path in (ROOT / "benchmarks").glob("bench_*.py"))


@pytest.fixture
def scratch_database():
    """A database of its own next to the test database, dropped afterwards."""
    default = settings.DATABASES["default"]
    name = f"{default['NAME']}_bench_smoke"
    server = {"host": default.get("HOST") or None, "port": default.get("PORT") or None,
              "user": default.get("USER") or None, "password": default.get("PASSWORD") or None}
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                           .format(sql.Identifier(name)))

    drop()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    host = server["host"] or ""
    if host.startswith("/"):  # a unix socket directory
        url = f"postgres://{server['user'] or ''}@/{name}?host={host}"
    else:
        url = f"postgres://{server['user'] or ''}@{host}:{server['port'] or 5432}/{name}"
    yield url
    drop()
    admin.close()


def test_every_benchmark_runs_to_its_end_in_small(scratch_database):
    env = {**os.environ, **SMALL, "DATABASE_URL": scratch_database,
           "DJANGO_SETTINGS_MODULE": "crm_project.settings.local"}
    env.pop("REDIS_URL", None)  # tasks in process, as `make bench` without Redis
    result = subprocess.run([sys.executable, "-m", "benchmarks.run"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for module in _modules():
        assert f"== {module} done in" in result.stdout, output[-4000:]
    assert "Traceback" not in output
    # The timed requests' access lines stay out of the figures.
    assert '"logger": "crm_project.access"' not in result.stdout
