from celery import shared_task

from .imports import order_import_run


@shared_task
def run_order_import(import_id: int) -> None:
    order_import_run(import_id=import_id)
