"""Business settings of the complaint desk, read from Django settings with safe defaults.

The lead may set any of these in crm_project/settings/base.py (see the report)."""

from decimal import Decimal

from django.conf import settings


def open_days_for_churn() -> int:
    """A complaint open longer than this many days raises a churn warning."""
    return int(getattr(settings, "CRM_COMPLAINT_CHURN_DAYS", 7))


def handler_compensation_limit() -> Decimal:
    """Compensation above this (yuan) needs a supervisor's approval before it is agreed."""
    return Decimal(str(getattr(settings, "CRM_COMPLAINT_HANDLER_LIMIT", "500.00")))


def attachment_max_bytes() -> int:
    return int(getattr(settings, "CRM_COMPLAINT_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def satisfied_from() -> int:
    """A call-back scoring below this reopens the complaint."""
    return int(getattr(settings, "CRM_COMPLAINT_SATISFIED_FROM", 3))


# Used when an admin has not set a target for a severity yet.
DEFAULT_RESOLUTION_DAYS = {"low": 10, "medium": 7, "high": 3, "critical": 1}


def callback_window_days() -> int:
    """Only visits and orders of the last days get a call-back: a call about an order of
    last year helps nobody (and an import of history would flood the list)."""
    return int(getattr(settings, "CRM_CALLBACK_WINDOW_DAYS", 7))


def callback_share_percent() -> int:
    """The share (%) of finished visits and confirmed orders that get a service call-back."""
    return int(getattr(settings, "CRM_CALLBACK_SHARE_PERCENT", 10))


def survey_satisfied_from() -> int:
    """A survey answer whose average score reaches this counts as satisfied."""
    return int(getattr(settings, "CRM_SURVEY_SATISFIED_FROM", 4))
