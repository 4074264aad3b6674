"""Open complaints as churn model features (registered in ComplaintsConfig.ready(); see
customers/grading/features.py): how many of a store's complaints were open at a cut-off
and for how many days the oldest of them had been open, from the complaints received
before the cut-off and not closed before it."""

from datetime import date, datetime, time

import pandas as pd
from django.utils import timezone

from crm_project.jobs import read_frame

from .models import Complaint

COLUMNS = ("open_complaints", "oldest_open_complaint_days")


def cutoff_moment(cutoff: date) -> datetime:
    """The first instant of the cut-off day, local time: rows stamped before it count."""
    return timezone.make_aware(datetime.combine(cutoff, time.min))


def open_complaints_at(cutoff: date) -> pd.DataFrame:
    moment = cutoff_moment(cutoff)
    frame = read_frame(f"""
        SELECT customer_id, COUNT(*),
               FLOOR(EXTRACT(EPOCH FROM (%s::timestamptz - MIN(received_at))) / 86400)
        FROM {Complaint._meta.db_table}
        WHERE received_at < %s AND (closed_at IS NULL OR closed_at >= %s)
        GROUP BY customer_id
    """, [moment, moment, moment], ["customer_id", *COLUMNS])
    return frame.set_index("customer_id")
