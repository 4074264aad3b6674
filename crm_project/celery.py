import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings.local")

logger = logging.getLogger(__name__)

app = Celery("crm_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The tasks that find work left running by a dead worker (crm_project.jobs.rows_reap): job
# runs, claimed order imports. On beat every few minutes (settings), and here at each
# worker's start (perhaps in place of one that died). Named, so that this names no app.
REAPER_TASKS = ("customers.reap_dead_runs", "phone_orders.reap_dead_imports")


@worker_ready.connect
def reap_at_worker_start(sender=None, **_kwargs) -> None:
    from django.db import connection

    try:
        for name in REAPER_TASKS:
            logger.info("%s at worker start: %s", name, app.tasks[name]())
    except Exception:  # a worker starts even when the database is not there yet
        logger.exception("Could not reap dead jobs at worker start")
    finally:
        connection.close()
