"""`make loadtest` (benchmarks/loadtest.py): production settings served by gunicorn on the
loopback interface over plain HTTP, so nothing but the transport differs from production:
no TLS redirect, no HSTS, and cookies that are not marked Secure (the load generator talks
http://127.0.0.1). DEBUG stays off, static files come from whitenoise's manifest."""

from .production import *  # noqa: F401,F403

CRM_ENVIRONMENT = "loadtest"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_PRELOAD = False
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
