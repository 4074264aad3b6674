"""`make bench`: run every benchmarks/bench_*.py module's `run(stdout)` against the
PostgreSQL database in DATABASE_URL (crm_bench), migrating it first. `make bench` chooses
the server and creates the database (scripts/services.py)."""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path


def main() -> int:
    if not os.environ.get("DATABASE_URL"):
        print("Run the benchmarks with `make bench`, or set DATABASE_URL (e.g. .../crm_bench).")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings.local")
    os.environ.setdefault("DEBUG", "false")  # no query log eating memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no access line per timed request
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    only = sys.argv[1:]
    folder = Path(__file__).parent
    for module_info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if not module_info.name.startswith("bench_"):
            continue
        if only and module_info.name not in only:
            continue
        module = importlib.import_module(f"benchmarks.{module_info.name}")
        print(f"== {module_info.name}", flush=True)
        started = time.perf_counter()
        module.run(sys.stdout)
        print(f"== {module_info.name} done in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
