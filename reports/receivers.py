"""Reports listens to the apps below it (they never name reports): when confirmed
purchases change, the touched rows of the sales summary are rebuilt after commit."""

from django.db import transaction

from .services import WHOLE_MONTH_ABOVE


def purchases_changed(sender, *, pairs, **kwargs) -> None:
    from .tasks import refresh_sales_summary_pairs_task, refresh_sales_summary_task

    pairs = set(pairs)
    months = sorted({month.replace(day=1) for _customer_id, month in pairs})
    if len(pairs) > WHOLE_MONTH_ABOVE * max(len(months), 1):
        transaction.on_commit(lambda: refresh_sales_summary_task.delay(
            months=[month.isoformat() for month in months]))
        return
    payload = [[customer_id, month.isoformat()] for customer_id, month in sorted(pairs)]
    transaction.on_commit(lambda: refresh_sales_summary_pairs_task.delay(pairs=payload))
