"""Celery tasks keeping the sales summary current: months or (store, month) pairs in, one
service call. Retried only on transient database trouble."""

from datetime import date

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from . import services

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 30,
         "retry_backoff_max": 600, "max_retries": 5, "acks_late": True,
         "soft_time_limit": 40 * 60, "time_limit": 45 * 60}


@shared_task(name="reports.refresh_sales_summary", **RETRY)
def refresh_sales_summary_task(months: list[str] | None = None) -> int:
    """Given months, whole (a large import); or, nightly, the stores of this month and the
    last one whose orders or owners changed since the last night (late and cancelled
    orders the per-order refresh missed, moved stores)."""
    if months:
        return services.sales_summary_refresh(
            months=[date.fromisoformat(month) for month in months])
    this_month = services.month_start(timezone.localdate())
    return services.sales_summary_nightly(
        months=[services.add_months(this_month, -1), this_month])["rows"]


@shared_task(name="reports.refresh_sales_summary_pairs", **RETRY)
def refresh_sales_summary_pairs_task(pairs: list[list]) -> int:
    return services.sales_summary_refresh_pairs(
        pairs={(int(customer_id), date.fromisoformat(month)) for customer_id, month in pairs})


from .evaluation.tasks import evaluation_close_task  # noqa: E402, F401  (registered with Celery)
