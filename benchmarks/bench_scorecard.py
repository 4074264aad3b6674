"""The monthly close (考核) for 10,000 managers and 1,000,000 stores.

Reuses the stores of bench_grading (built there once, cached), hands them to 10,000
managers, fills the sales summary of the month to close from their monthly purchases and
gives every manager a purchase target (cached by a marker too). Then times the close
(every manager's and clerk's scorecard, set-wise, written once) against a naive
per-person ORM loop on a sample, in the same run, for the ratio.
"""

import os
import time
from datetime import date

from benchmarks import bench_grading

STORES = bench_grading.STORES
MANAGERS = max(1, STORES // 100)
SAMPLE = int(os.environ.get("BENCH_SCORECARD_SAMPLE", "200"))
MARKER = "scorecard_bench"


def _prepare(stdout, month: date) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT stores FROM bench_marker WHERE name = %s", [MARKER])
        row = cursor.fetchone()
        if row is not None and row[0] == STORES:
            return
        started = time.perf_counter()
        bench_grading.insert_managers(cursor, MANAGERS)
        cursor.execute("""
            WITH numbered AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM customers_user
                WHERE username LIKE 'bench_mgr%%' AND role = 'manager')
            UPDATE customers_customer c SET manager_id = numbered.id
            FROM numbered WHERE numbered.n = mod(c.id, (SELECT count(*) FROM numbered))""")
        cursor.execute("DELETE FROM reports_salesmonthly WHERE month = %s", [month])
        cursor.execute("""
            INSERT INTO reports_salesmonthly (month, customer_id, department_id,
                territory_id, manager_id, business_format, network, brand, price_band,
                cartons, amount, orders)
            SELECT p.month, c.id, t.department_id, c.territory_id, c.manager_id,
                   c.business_format, c.network, '基准', 3, p.cartons, p.amount, p.orders
            FROM customers_monthlypurchase p
            JOIN customers_customer c ON c.id = p.customer_id
            JOIN customers_territory t ON t.id = c.territory_id
            WHERE p.month = %s""", [month])
        cursor.execute("DELETE FROM reports_target WHERE month = %s", [month])
        cursor.execute("""
            INSERT INTO reports_target (month, indicator, department_id, manager_id, value,
                                        updated_at)
            SELECT %s, 'purchase_amount', u.department_id, u.id, 500000, now()
            FROM customers_user u WHERE u.username LIKE 'bench_mgr%%'""", [month])
        cursor.execute("VACUUM ANALYZE customers_customer")
        cursor.execute("VACUUM ANALYZE reports_salesmonthly")
        cursor.execute("DELETE FROM bench_marker WHERE name = %s", [MARKER])
        cursor.execute("INSERT INTO bench_marker VALUES (%s, %s, %s)",
                       [MARKER, STORES, date.today()])
    stdout.write(f"   {MANAGERS:,} managers, sales summary and targets of {month:%Y-%m} "
                 f"in {time.perf_counter() - started:.0f} s\n")


def naive_person(month: date, manager) -> list:
    """What a per-person loop does: the same measures, one person's queries at a time."""
    from django.db.models import Count, Q, Sum

    from customers.models import ChurnWarning, Customer, GradeChange
    from reports.models import SalesMonthly, Target
    from visits.models import PlannedVisit

    return [
        SalesMonthly.objects.filter(month=month, manager=manager).aggregate(
            amount=Sum("amount"), cartons=Sum("cartons")),
        Target.objects.filter(month=month, manager=manager).first(),
        GradeChange.objects.filter(month=month, customer__manager=manager).count(),
        ChurnWarning.objects.filter(owner=manager, as_of__gte=month).count(),
        PlannedVisit.objects.filter(manager=manager, date__gte=month).aggregate(
            done=Count("id", filter=Q(status="done"))),
        Customer.objects.filter(manager=manager, status="active").count(),
    ]


def run(stdout) -> None:
    from django.db import connection
    from django.utils import timezone

    from customers.models import User
    from reports.evaluation import scorecard
    from reports.models import EvaluationClose, ScorecardLine

    today = timezone.localdate()
    month = scorecard.month_to_close(today)
    if not bench_grading.built(STORES):
        bench_grading.build(stdout, stores=STORES, today=today)
    _prepare(stdout, month)
    ScorecardLine.objects.filter(month=month).delete()
    EvaluationClose.objects.filter(month=month).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_scorecardline")
    started = time.perf_counter()
    result = scorecard.evaluation_close(month=month)
    seconds = time.perf_counter() - started
    lines = ScorecardLine.objects.filter(month=month).count()
    stdout.write(f"   close of {month:%Y-%m}: {result['people']:,} people, {lines:,} lines "
                 f"over {STORES:,} stores in {seconds:.1f} s "
                 f"({'within' if seconds <= 60 else 'OVER'} the 60 s budget)\n")
    sample = list(User.objects.filter(username__startswith="bench_mgr")[:SAMPLE])
    started = time.perf_counter()
    for manager in sample:
        naive_person(month, manager)
    per_person = (time.perf_counter() - started) / max(len(sample), 1)
    naive_total = per_person * result["people"]
    stdout.write(f"   naive per-person ORM loop on {len(sample):,} managers: "
                 f"{per_person * 1000:.1f} ms each, ~{naive_total:,.0f} s for everyone; "
                 f"the close is {naive_total / seconds:,.1f}x faster\n")
