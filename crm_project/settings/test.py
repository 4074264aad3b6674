"""pytest mode. `make test` sets DATABASE_URL (the server on 127.0.0.1:5432 when it answers,
otherwise an embedded PostgreSQL) and REDIS_URL (when Redis answers): scripts/services.py."""

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

CRM_ENVIRONMENT = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run Celery tasks in process; the integration test starts a real worker and
# points it at Redis itself.
CELERY_TASK_ALWAYS_EAGER = True
# Counts of wide scopes afresh on every page (a test of the cache turns it on).
CRM_HOME_COUNTS_SECONDS = 0
MEDIA_ROOT = str(VAR_DIR / "test-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
