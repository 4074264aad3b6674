"""GET /health/ for load balancers and the compose file: the database, the cache (Redis
when REDIS_URL is set, which is also the Celery broker) and the file storage, checked with
django-health-check. JSON, 200 when all answer and 503 otherwise; no login, and nothing in
the answer but each check's name and "ok" or "unavailable" (reasons go to the log)."""

import asyncio

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from health_check.checks import Cache, Database, Storage
from health_check.contrib.redis import Redis
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient


def _checks():
    checks = [("database", Database), ("cache", Cache), ("storage", Storage)]
    if settings.REDIS_URL:
        checks.append(("broker", (Redis, {"client_factory": _broker_client})))
    return checks


def _broker_client():
    return RedisClient.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=3,
                                socket_timeout=3)


class HealthView(HealthCheckView):
    async def get(self, request, *args, **kwargs):
        named = _checks()
        self.checks = [check for _name, check in named]
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks()))
        report = {name: "unavailable" if result.error else "ok"
                  for (name, _check), result in zip(named, self.results, strict=True)}
        healthy = all(state == "ok" for state in report.values())
        return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": report},
                            status=200 if healthy else 503)


health_view = csrf_exempt(HealthView.as_view())
