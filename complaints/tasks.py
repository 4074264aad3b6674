from celery import shared_task

from . import services


@shared_task(name="complaints.tasks.complaint_churn_scan_task", acks_late=True,
             soft_time_limit=20 * 60, time_limit=25 * 60)
def complaint_churn_scan_task(*, today: str | None = None) -> int:
    from datetime import date

    return services.complaint_churn_scan(today=date.fromisoformat(today) if today else None)


@shared_task(name="complaints.tasks.complaint_overdue_notify_task", acks_late=True,
             soft_time_limit=5 * 60, time_limit=6 * 60)
def complaint_overdue_notify_task() -> int:
    return services.complaint_overdue_notify()


@shared_task(name="complaints.tasks.callbacks_pick_task", acks_late=True,
             soft_time_limit=10 * 60, time_limit=12 * 60)
def callbacks_pick_task() -> int:
    from .surveys import callbacks_pick

    return callbacks_pick()
