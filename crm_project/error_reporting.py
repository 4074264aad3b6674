"""Error reporting to Sentry (or a compatible service such as GlitchTip), on only when
SENTRY_DSN is set. Unhandled errors in requests and Celery tasks and every record logged at
ERROR are sent, tagged with the request id of the log lines (crm_project/logs.py) and the
user's id; no other personal data (no usernames, addresses, cookies or bodies).
"""

from django.core.exceptions import ImproperlyConfigured

from crm_project.logs import current_request_context


def _tag_with_request(event, _hint):
    request_id, user_id = current_request_context()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    if user_id is not None:
        event["user"] = {"id": str(user_id)}
    return event


def init_error_reporting(dsn: str, *, environment: str, release: str | None = None,
                         traces_sample_rate: float = 0.0) -> bool:
    """Starts the Sentry client when `dsn` is given; True if it did."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.utils import BadDsn

    try:
        sentry_sdk.init(
            dsn=dsn, environment=environment, release=release or None,
            integrations=[DjangoIntegration(), CeleryIntegration()],
            send_default_pii=False, traces_sample_rate=traces_sample_rate,
            before_send=_tag_with_request)
    except BadDsn as error:
        raise ImproperlyConfigured(f"SENTRY_DSN is not a valid DSN: {error}") from error
    return True
