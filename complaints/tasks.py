from celery import shared_task

from . import services


@shared_task
def complaint_churn_scan_task(*, today: str | None = None) -> int:
    from datetime import date

    return services.complaint_churn_scan(today=date.fromisoformat(today) if today else None)


@shared_task
def complaint_overdue_notify_task() -> int:
    return services.complaint_overdue_notify()
