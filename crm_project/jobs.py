"""Plumbing of the set-wise overnight jobs, in one place: the advisory lock that keeps two
runs of a job apart, the session locks that tell a live run from one whose worker died (and
the reaper loop over them), a stage timer, and the COPY helpers that move a few columns per
row between PostgreSQL and pandas. It names no app: the run record is customers.jobruns."""

import io
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager

import pandas as pd
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError

logger = logging.getLogger(__name__)

# Keys of the PostgreSQL advisory locks that keep two runs of one job from interleaving.
LOCK_KEYS = {"grades": 4_401_001, "churn": 4_401_002, "train": 4_401_003}


class JobBusy(BusinessError):
    """Another run of the same job holds the lock; the task retries later."""


def job_lock(kind: str) -> None:
    """Take the job's advisory lock for the current transaction, or raise JobBusy."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEYS[kind]])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise JobBusy(_("Another run of this job is in progress; try again when it has "
                        "finished."))


# Memory for a job's sorts and hashes. Measured on a million stores: the grading window
# functions take 7-13 s with 4 MB or 64 MB but 21-24 s with 256 MB (large in-memory sorts
# and hash aggregates are slower there), while joining the staging table with customers
# needs about 70 MB to be done in one batch (a multi-batch hash join sweeps the table once
# per batch). So a job asks for the memory each statement needs.
JOB_WORK_MEM = "64MB"
JOB_JOIN_WORK_MEM = "256MB"


def job_work_mem(size: str = JOB_WORK_MEM) -> None:
    """Set the sort and hash memory for the rest of the current transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [size])


class StageTimer:
    """Seconds spent per named stage of a job, kept in the run's details."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.last_mark = time.perf_counter()

    def mark(self) -> None:
        self.last_mark = time.perf_counter()

    def since_mark(self, name: str) -> None:
        """Record the seconds since mark() as a stage (e.g. a commit that ends a block)."""
        self.seconds[name] = round(time.perf_counter() - self.last_mark, 3)

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self.seconds[name] = round(self.seconds.get(name, 0.0) + spent, 3)


# Two-key advisory locks held by the session that runs a job, for as long as it runs: the
# first key names the kind of work, the second the run (or import) id. PostgreSQL releases
# them when that session ends, so a lock that can be taken means the worker is gone.
RUN_LOCK_CLASS = 4_401
IMPORT_LOCK_CLASS = 4_402
# A backend whose client died notices within this interval even in the middle of a long
# statement, rolls back, and frees its locks (PostgreSQL 14+).
CLIENT_CHECK_INTERVAL = "2s"


def session_lock_try(lock_class: int, key: int) -> bool:
    """Take a session-level advisory lock (kept after commit) if nobody holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [lock_class, key])
        return cursor.fetchone()[0]


def session_unlock(lock_class: int, key: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [lock_class, key])
    except Exception:  # the session is gone, and its locks with it
        logger.warning("Could not release advisory lock (%s, %s)", lock_class, key)


def watch_client_connection() -> None:
    """Have this session's backend notice a dead worker promptly (see above)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('client_connection_check_interval', %s, false)",
                       [CLIENT_CHECK_INTERVAL])


def rows_reap(running: QuerySet, lock_class: int, mark: Callable[[int], None]) -> int:
    """Call `mark(pk)` for each row of `running` whose session lock is free (the worker
    that held it is gone), one row at a time under its row lock. Returns how many."""
    reaped = 0
    for pk in list(running.values_list("pk", flat=True)):
        with transaction.atomic():
            row = running.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None or not session_lock_try(lock_class, pk):
                continue
            try:
                mark(pk)
            finally:
                session_unlock(lock_class, pk)
        logger.warning("%s (id %s) was left running by a worker that is gone", row, pk)
        reaped += 1
    return reaped


def read_frame(sql: str, params: list, columns: list[str]) -> pd.DataFrame:
    """Run a SELECT and return its rows as a DataFrame, through COPY (fast)."""
    with connection.cursor() as cursor:
        buffer = io.StringIO()
        query = cursor.mogrify(sql, params)
        if isinstance(query, bytes):
            query = query.decode()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", buffer)
    buffer.seek(0)
    if not buffer.getvalue():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(buffer, header=None, names=columns, keep_default_na=True)


def text_column(series: pd.Series) -> pd.Series:
    """Strings with "" for missing values (CSV reads an all-empty column as floats)."""
    return series.astype("string").fillna("").astype(str)


def stage_frame(table: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
    """A temporary table (dropped at commit) holding a DataFrame's columns, typed as given
    (`{"customer_id": "bigint PRIMARY KEY", ...}`), filled by COPY."""
    definition = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMP TABLE {table} ({definition}) ON COMMIT DROP")
    copy_into(table, frame, list(columns))


def copy_into(table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    """COPY a DataFrame's columns into a (staging) table."""
    buffer = io.StringIO()
    frame[columns].to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer
        )


# Constraint kinds carried over by table_replace: primary key, unique, check, foreign key,
# exclusion (NOT NULL, a constraint of its own from PostgreSQL 18, comes with LIKE).
_CARRIED_CONSTRAINTS = ("p", "u", "c", "f", "x")


def table_replace(table: str, select_sql: str, params) -> int:
    """Replace every row of `table` by the rows of `select_sql` (in the table's column
    order) within the current transaction: the rows go into a new table without indexes,
    whose keys, constraints and indexes are then built once under the old names, and which
    takes the old table's place. Rewriting a table this way costs a fraction of updating
    most of its rows in place (no dead versions, no index entry per row, no foreign key
    check per row). Readers of the table wait from the swap to the commit, so call it last.
    Nothing may reference the table. Returns the number of rows written."""
    new = f"{table}_new"
    with connection.cursor() as cursor:
        # Pending deferred checks (rows written earlier in this transaction) would forbid
        # dropping the old table and altering the ones it references: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TABLE IF EXISTS {new}")
        cursor.execute(f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING STORAGE)")
        cursor.execute(f"INSERT INTO {new} {select_sql}", params)
        rows = cursor.rowcount
        cursor.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                          WHERE conrelid = %s::regclass AND contype = ANY(%s)
                          ORDER BY contype = 'f', conname""",
                       [table, list(_CARRIED_CONSTRAINTS)])
        constraints = cursor.fetchall()
        cursor.execute("""SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
                          WHERE i.indrelid = %s::regclass AND NOT EXISTS (
                              SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                                              AND c.conrelid = i.indrelid)""",
                       [table])
        indexes = [definition for (definition,) in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {table}")
        cursor.execute(f"ALTER TABLE {new} RENAME TO {table}")
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {table}")
    return rows
