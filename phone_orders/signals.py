"""The slot higher apps fill when purchases change: phone_orders names no app above it
(reports keeps its sales summary current through this signal)."""

from django.dispatch import Signal

# Sent inside the writing transaction once confirmed purchases changed, with
# `pairs`: a set of (customer id, first day of the month) whose totals may differ now.
# Receivers that write should do so on commit.
purchases_changed = Signal()
