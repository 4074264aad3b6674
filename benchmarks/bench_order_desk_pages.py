"""Benchmark: the order desk's pages at the demo size (issue 14: under 300 ms).

Loads the demo data set when the database has no stores (`seed_demo --if-empty`), then
times the order list (first and a deep page, filtered) and the clerk figures for a clerk, a
supervisor and the administrator: best of three after a warm-up, with the query count.
"""

import os
import time

BUDGET_MS = 300
PAGES = {
    "clerk1": ["/orders/", "/orders/?page=50", "/orders/figures/", "/orders/calls/"],
    "supervisor1": ["/orders/", "/orders/?status=confirmed&date_from=2026-01-01",
                    "/orders/figures/"],
    "admin": ["/orders/", "/orders/?unmet=true", "/orders/figures/"],
}


def run(stdout) -> None:
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings.local")
    if not apps.ready:
        django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from customers.models import User

    call_command("seed_demo", "--if-empty", stdout=stdout)
    settings.ALLOWED_HOSTS = ["*"]
    slow = 0
    for username, urls in PAGES.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            stdout.write(f"no user {username}: not the demo data set, skipped\n")
            continue
        client = Client()
        client.force_login(user)
        for url in urls:
            client.get(url)
            timings = []
            for _attempt in range(3):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
            best = min(timings)
            slow += best > BUDGET_MS
            stdout.write(f"{username:12} {url:50} {response.status_code} {best:6.0f} ms "
                         f"{len(queries.captured_queries):3} queries"
                         f"{'  OVER ' + str(BUDGET_MS) + ' ms' if best > BUDGET_MS else ''}\n")
    stdout.write(f"{slow} pages over {BUDGET_MS} ms\n")
