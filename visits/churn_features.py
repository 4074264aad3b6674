"""Visits as churn model features (registered in VisitsConfig.ready(); see
customers/grading/features.py): a store's visits in the 8 weeks before a cut-off and the
days since its last visit, from the visits dated before the cut-off."""

from datetime import date, timedelta

import pandas as pd

from crm_project.jobs import read_frame

from .models import Visit

COLUMNS = ("visits_8_weeks", "days_since_visit")
RECENT_VISIT_DAYS = 56


def visits_at(cutoff: date) -> pd.DataFrame:
    frame = read_frame(f"""
        SELECT customer_id, COUNT(*) FILTER (WHERE date >= %s), %s::date - MAX(date)
        FROM {Visit._meta.db_table}
        WHERE date < %s
        GROUP BY customer_id
    """, [cutoff - timedelta(days=RECENT_VISIT_DAYS), cutoff, cutoff],
        ["customer_id", *COLUMNS])
    return frame.set_index("customer_id")
