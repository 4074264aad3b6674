"""The job's SQL gives exactly the rows of the pandas rules (rules.grades_compute), on
random stores with ties, late starters, gaps and idle stores, for every method."""

import datetime
import random
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.db.models import Min, Q, Sum

from customers.grading.jobs import grades_select_sql
from customers.grading.rules import add_months, grades_compute, grading_window
from customers.models import Customer, GradingMethod, GradingSettings, MonthlyPurchase
from customers.tests.factories import CustomerFactory

AS_OF = datetime.date(2026, 11, 23)


def random_stores(territory, count=120):
    rng = random.Random(2026)
    months = [add_months(datetime.date(2026, 11, 1), -back) for back in range(8, -1, -1)]
    purchases = []
    for index in range(count):
        store = CustomerFactory(territory=territory, code=f"4401{rng.randrange(10**8):08d}")
        level = rng.choice([0, 0, 100, 250, 1000, 1000, 3333.33, 20000])  # ties on purpose
        first = rng.randrange(len(months))
        for month in months[first:]:
            if rng.random() < 0.2:
                continue  # a month without purchases
            amount = Decimal(str(level)) if index % 3 else Decimal(rng.randrange(1, 10**6)) / 100
            purchases.append(MonthlyPurchase(customer=store, month=month, amount=amount,
                                             cartons=1, orders=1))
    MonthlyPurchase.objects.bulk_create(purchases)


def pandas_rows(window, settings_row) -> pd.DataFrame:
    end = add_months(window[-1], 1)
    inputs = pd.DataFrame(list(
        Customer.objects.filter(status="active").annotate(
            window_total=Sum("monthly_purchases__amount",
                             filter=Q(monthly_purchases__month__gte=window[0],
                                      monthly_purchases__month__lt=end,
                                      monthly_purchases__amount__gt=0)),
            first_month=Min("monthly_purchases__month",
                            filter=Q(monthly_purchases__month__lt=end,
                                     monthly_purchases__amount__gt=0)),
        ).values_list("pk", "code", "window_total", "first_month")),
        columns=["customer_id", "code", "window_total", "first_month"])
    inputs["window_fen"] = inputs["window_total"].map(
        lambda total: int((total or 0) * 100)).astype("int64")
    frame = grades_compute(inputs, window=window, settings_row=settings_row)
    frame["monthly_average"] = frame["monthly_average_fen"].map(lambda fen: Decimal(fen) / 100)
    frame["cumulative_share"] = frame["cumulative_share"].map(
        lambda share: Decimal(str(share)).quantize(Decimal("0.0001")))
    frame["tier"] = frame["tier"].map(lambda tier: None if pd.isna(tier) else int(tier))
    return frame


def sql_rows(window, settings_row) -> dict:
    sql, params = grades_select_sql(window=window, settings_row=settings_row)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT customer_id, grade, tier, monthly_average, rank, "
                       f"cumulative_share, counted_months FROM ({sql}) graded", params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


@pytest.mark.parametrize("changes", [
    {},
    {"tier_count": 5, "window_months": 6},
    {"method": GradingMethod.STANDARD_AMOUNTS, "a_amount": Decimal("3333.33"),
     "b_amount": Decimal("250"), "tier_count": 3, "window_months": 4},
    {"a_share_percent": Decimal("70.50"), "b_share_percent": Decimal("20.25"),
     "c_share_percent": Decimal("9.25")},
])
def test_the_sql_grades_exactly_as_the_pandas_rules(db, territory, changes):
    random_stores(territory)
    settings_row = GradingSettings(**changes)
    window = grading_window(as_of=AS_OF, months=settings_row.window_months)

    expected = pandas_rows(window, settings_row)
    got = sql_rows(window, settings_row)

    assert len(got) == len(expected) == 120
    for row in expected.itertuples():
        assert got[row.customer_id] == (row.grade, row.tier, row.monthly_average, row.rank,
                                        row.cumulative_share, row.counted_months), row
