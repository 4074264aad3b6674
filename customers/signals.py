"""The slots higher apps fill when something of a store changes: customers names no app
above it (reports keeps its sales summary's key-account flag through these)."""

from django.dispatch import Signal

# Sent inside the writing transaction when a store became or stopped being a key account,
# with `customer_id`. Receivers may write in the same transaction.
key_account_changed = Signal()
