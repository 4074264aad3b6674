from celery import shared_task

from .imports import order_import_run, order_imports_reap


@shared_task(name="phone_orders.tasks.run_order_import", acks_late=True,
             soft_time_limit=40 * 60, time_limit=45 * 60)
def run_order_import(import_id: int) -> None:
    order_import_run(import_id=import_id)


@shared_task(name="phone_orders.reap_dead_imports", acks_late=True, soft_time_limit=60,
             time_limit=90)
def reap_dead_imports_task() -> int:
    """Mark imports left running by a dead worker as rejected (beat, and worker start)."""
    return order_imports_reap()


@shared_task(name="phone_orders.reallocate_quotas", acks_late=True,
             soft_time_limit=30 * 60, time_limit=35 * 60)
def reallocate_quotas_task() -> dict:
    """The tier allocations of the open cycles recomputed (beat, nightly after grading)."""
    from .allocations import allocations_recompute_open

    return allocations_recompute_open()
