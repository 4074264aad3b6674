"""Reports listens to the apps below it (they never name reports): when confirmed
purchases change, the touched rows of the sales summary are rebuilt after commit; when a
store becomes or stops being a key account, its rows follow in the same transaction."""

from django.db import transaction

# A change of more (store, month) pairs than this goes to the worker as whole months
# rather than as a message listing every pair (an import of a province's year).
PAIRS_IN_MESSAGE_MAX = 100_000


def purchases_changed(sender, *, pairs, **kwargs) -> None:
    from .tasks import refresh_sales_summary_pairs_task, refresh_sales_summary_task

    pairs = set(pairs)
    months = sorted({month.replace(day=1) for _customer_id, month in pairs})
    if len(pairs) > PAIRS_IN_MESSAGE_MAX:
        transaction.on_commit(lambda: refresh_sales_summary_task.delay(
            months=[month.isoformat() for month in months]))
        return
    payload = [[customer_id, month.isoformat()] for customer_id, month in sorted(pairs)]
    transaction.on_commit(lambda: refresh_sales_summary_pairs_task.delay(pairs=payload))


def key_account_changed(sender, *, customer_id, **kwargs) -> None:
    from .services import sales_summary_key_account

    sales_summary_key_account(customer_id=customer_id)
