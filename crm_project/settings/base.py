"""Settings shared by every mode. Values come from the environment (see .env.example).

DATABASE_URL is required: PostgreSQL, by TCP (postgres://user@host:5432/crm) or by unix
socket (postgresql://postgres:@/crm?host=/abs/path/var/postgres). `make run`, `make test` and
`make bench` set it, starting an embedded PostgreSQL when no server is given
(scripts/services.py). No REDIS_URL: Celery runs tasks in process and the cache lives in
memory; production sets it. A variable set but empty counts as unset.
"""

import importlib.util
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from crm_project.error_reporting import init_error_reporting
from crm_project.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

for _name in ("DATABASE_URL", "REDIS_URL"):
    if not os.environ.get(_name):
        os.environ.pop(_name, None)
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

CRM_ENVIRONMENT = "base"
SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "customers",
    "phone_orders",
    "visits",
    "complaints",
    "reports",
]

MIDDLEWARE = [
    "crm_project.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "customers.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "crm_project.urls"
WSGI_APPLICATION = "crm_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "customers.access.abilities",
            ],
        },
    }
]


def database_from_url(url: str) -> dict:
    """Django's DATABASES entry for a PostgreSQL URL; a unix socket folder given as
    ?host=/path becomes HOST, as Django and psycopg2 expect it."""
    if not url:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set. `make run`, `make test` and `make bench` set it (and start "
            "an embedded PostgreSQL when needed); run any other command the same way, e.g. "
            "`.venv/bin/python scripts/with_services.py run .venv/bin/python manage.py shell`, "
            "or set DATABASE_URL=postgres://user@host:5432/crm.")
    config = env.db_url_config(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"DATABASE_URL must name a PostgreSQL database, not {url!r}.")
    socket_dir = config.get("OPTIONS", {}).pop("host", None)
    if socket_dir and not config["HOST"]:
        config["HOST"] = socket_dir
    return config


DATABASES = {"default": database_from_url(env("DATABASE_URL", default=""))}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# No JIT compilation: it pays off only for long analytic statements, and a page's query
# that the planner costs high but that reads nothing (the morning view's unmet demand at
# a million stores) spent 70 ms compiling. The jobs measured no gain from it either.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "customers.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Apache ECharts comes with a pip package (instaui-echarts); its static folder is served as
# /static/vendor/echarts/ (found without importing the package).
ECHARTS_DIR = Path(importlib.util.find_spec("instaui_echarts").submodule_search_locations[0]) \
    / "static"
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/echarts", ECHARTS_DIR)]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when configured, otherwise tasks run in the calling process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it ends; each task names its own soft and hard limits (these
# are the defaults). The broker hands an unacknowledged message to another worker only
# after the visibility timeout, which is set above the longest hard limit (55 min) so that
# a running job is never delivered twice; a worker that died is found sooner by the reaper
# (crm_project.celery), which marks its run interrupted.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Runs and order imports left running by a worker that died are marked (and imports
    # queued again); each worker also does this when it starts.
    "jobs-reap-runs": {"task": "customers.reap_dead_runs", "schedule": crontab(minute="*/5")},
    "jobs-reap-imports": {"task": "phone_orders.reap_dead_imports",
                          "schedule": crontab(minute="*/5")},
    # Grades on the 1st of each month (a new window) and refreshed nightly (late orders).
    "grades-monthly": {"task": "customers.recompute_grades",
                       "schedule": crontab(minute=30, hour=1, day_of_month=1)},
    "grades-nightly": {"task": "customers.recompute_grades",
                       "schedule": crontab(minute=30, hour=1, day_of_month="2-31")},
    # Tier allocations of scarce SKUs follow tonight's tiers (phone_orders.allocations).
    "phone-orders-reallocate": {"task": "phone_orders.reallocate_quotas",
                                "schedule": crontab(minute=0, hour=2)},
    # The churn model retrained on the 2nd of each month, after the monthly grades.
    "churn-model-monthly": {"task": "customers.train_churn_model",
                            "schedule": crontab(minute=0, hour=2, day_of_month=2)},
    # Key-account proposals once the month's grades are in.
    "key-accounts-monthly": {"task": "customers.propose_key_accounts",
                             "schedule": crontab(minute=0, hour=3, day_of_month=1)},
    # Churn after grading, so that tonight's downgrades are seen.
    "churn-nightly": {"task": "customers.scan_churn", "schedule": crontab(minute=30, hour=2)},
    "complaints-churn-scan": {"task": "complaints.tasks.complaint_churn_scan_task",
                              "schedule": crontab(hour=2, minute=30)},
    "complaints-overdue-notify": {"task": "complaints.tasks.complaint_overdue_notify_task",
                                  "schedule": crontab(minute=5)},
    # A share of finished visits and confirmed orders onto the clerks' call-back list.
    "complaints-callbacks-pick": {"task": "complaints.tasks.callbacks_pick_task",
                                  "schedule": crontab(minute=20)},
    # Every Monday night the visit plans are rolled forward for the next four weeks.
    # The sales summary rebuilt for this month and the last (orders are applied as they
    # come too; this catches late corrections and store moves).
    "reports-sales-summary-nightly": {"task": "reports.refresh_sales_summary",
                                      "schedule": crontab(minute=45, hour=0)},
    "visits-roll-forward": {"task": "visits.tasks.plans_roll_forward_task",
                            "schedule": crontab(hour=1, minute=0, day_of_week=1)},
    # Last month's scorecards frozen on the 1st, after the summary, grades and churn.
    "reports-evaluation-close": {"task": "reports.evaluation_close",
                                 "schedule": crontab(minute=30, hour=4, day_of_month=1)},
}

REST_FRAMEWORK = {
    # Token first, so that an anonymous call answers 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "crm_project.api.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm_project.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tobacco retail CRM API",
    "DESCRIPTION": "Customers, catalog, orders, grading, visits and complaints.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "crm_project.schema_hooks.clock_times"],
    "ENUM_NAME_OVERRIDES": {
        "WeekdayEnum": "customers.models.WEEKDAYS",
        "RatingEnum": "customers.models.Rating",
        "GradeEnum": "customers.models.Grade",
        "OrderChannelEnum": "customers.models.OrderChannel",
        "CustomerStatusEnum": "customers.models.CustomerStatus",
        "WarningStatusEnum": "customers.models.WarningStatus",
        "JobStatusEnum": "customers.models.JobStatus",
        "JobKindEnum": "customers.models.JobKind",
        "OrderStatusEnum": "phone_orders.models.OrderStatus",
        "ImportStatusEnum": "phone_orders.models.ImportStatus",
        "ComplaintChannelEnum": "complaints.models.Channel",
        "ComplaintKindEnum": "complaints.models.Kind",
        "SampleMethodEnum": "complaints.models.SampleMethod",
        "GradingMethodEnum": "customers.models.GradingMethod",
        "ComplaintStatusEnum": "complaints.models.Status",
        "StepKindEnum": "complaints.models.StepKind",
        "StopStatusEnum": "visits.models.StopStatus",
        "VisitStatusEnum": "visits.models.VisitStatus",
        "OrderActionEnum": "phone_orders.models.OrderEvent.Action",
    },
}

# Business settings.
# Licence numbers are digit strings whose length varies by province.
CRM_LICENSE_NO_LENGTHS = [int(n) for n in env.list("CRM_LICENSE_NO_LENGTHS", default=["12"])]
CRM_PAGE_SIZE = env.int("CRM_PAGE_SIZE", default=25)
# How long a department's or the company's store counts on the home page are kept before
# they are counted again (seconds; 0: on every page).
CRM_HOME_COUNTS_SECONDS = env.int("CRM_HOME_COUNTS_SECONDS", default=300)
CRM_EXPORT_MAX_ROWS = env.int("CRM_EXPORT_MAX_ROWS", default=100_000)
# Order desk: a phone call longer than this turns the console's timer amber and counts as
# long in the clerk figures.
CRM_CALL_LENGTH_LIMIT_SECONDS = env.int("CRM_CALL_LENGTH_LIMIT_SECONDS", default=180)
# Complaints: a complaint open longer than this many days raises a churn warning; a
# solution with compensation above the handler's limit needs a supervisor's approval.
CRM_COMPLAINT_CHURN_DAYS = env.int("CRM_COMPLAINT_CHURN_DAYS", default=7)
CRM_COMPLAINT_HANDLER_LIMIT = env("CRM_COMPLAINT_HANDLER_LIMIT", default="500.00")
# Share (%) of finished visits and confirmed orders put on the service call-back list, and
# the average survey score from which an answer counts as satisfied (complaints.surveys).
CRM_CALLBACK_SHARE_PERCENT = env.int("CRM_CALLBACK_SHARE_PERCENT", default=10)
CRM_CALLBACK_WINDOW_DAYS = env.int("CRM_CALLBACK_WINDOW_DAYS", default=7)
CRM_SURVEY_SATISFIED_FROM = env.int("CRM_SURVEY_SATISFIED_FROM", default=4)
CRM_COMPLAINT_ATTACHMENT_MAX_BYTES = env.int("CRM_COMPLAINT_ATTACHMENT_MAX_BYTES",
                                             default=5 * 1024 * 1024)
CRM_COMPLAINT_SATISFIED_FROM = env.int("CRM_COMPLAINT_SATISFIED_FROM", default=3)
# Visits: the planner's working day and speeds; prices this far from the suggested retail
# price are flagged; the reasonable stock covers this many weeks of purchases.
CRM_VISIT_PLANNER = {
    "day_start": env("CRM_VISIT_DAY_START", default="08:30"),
    "working_minutes": env.int("CRM_VISIT_WORKING_MINUTES", default=480),
    "working_weekdays": [int(d) for d in env.list("CRM_VISIT_WORKING_WEEKDAYS",
                                                  default=["1", "2", "3", "4", "5"])],
    "urban_speed_kmh": env.float("CRM_VISIT_URBAN_SPEED_KMH", default=20.0),
    "rural_speed_kmh": env.float("CRM_VISIT_RURAL_SPEED_KMH", default=40.0),
    "road_factor": env.float("CRM_VISIT_ROAD_FACTOR", default=1.3),
}
CRM_VISIT_PRICE_TOLERANCE = env("CRM_VISIT_PRICE_TOLERANCE", default="0.10")
CRM_VISIT_STOCK_COVER_WEEKS = env.float("CRM_VISIT_STOCK_COVER_WEEKS", default=1.5)

# Logs go to stderr as JSON lines (LOG_FORMAT=json, the default) or plain text (text), each
# record with the request id and user (crm_project/logs.py); a Celery worker keeps this
# configuration instead of its own.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Error reporting (Sentry or compatible) only when SENTRY_DSN is set (error_reporting.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENABLED = init_error_reporting(
    SENTRY_DSN,
    environment=env("SENTRY_ENVIRONMENT",
                    default=os.environ.get("DJANGO_SETTINGS_MODULE", "local").rsplit(".", 1)[-1]),
    release=env("SENTRY_RELEASE", default=""),
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))


# --- Hardening (issue 13): login throttling, API tokens, Content-Security-Policy, health ---
# Kept in one block so that other settings stay untouched; documented in README.
from datetime import timedelta  # noqa: E402

from csp.constants import NONE, SELF  # noqa: E402

INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a flagged login attempt into the refusal.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "crm_project.throttling.RequestThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"][0] = (
    "crm_project.tokens.ExpiringTokenAuthentication")
# After this many failed logins for one username, or from one address, further attempts
# are refused until the cool-down has passed. A success resets nothing.
AXES_FAILURE_LIMIT = env.int("CRM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CRM_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "crm_project.throttling.lockout_response"
AXES_VERBOSE = False
# An API token older than this answers 401 and is deleted; the user asks for a new one.
CRM_API_TOKEN_TTL = timedelta(days=env.int("CRM_API_TOKEN_TTL_DAYS", default=30))
# Every page's scripts and styles come from our own static files: no inline code, no
# style attributes (the API documentation pages loosen it, see crm_project/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# --- end of hardening settings ---
