"""Print shell exports for the PostgreSQL and Redis that answer on this machine.

`make test` evals the output: tests use the real services when they are reachable and say
loudly when they fall back to SQLite and in-process Celery.
"""

import os
import socket
import sys


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    db_name = sys.argv[1] if len(sys.argv) > 1 else "crm"
    lines = []
    if not os.environ.get("DATABASE_URL"):
        if reachable("127.0.0.1", 5432):
            lines.append(f"export DATABASE_URL=postgres://postgres@127.0.0.1:5432/{db_name}")
        else:
            print("#" * 72 + "\n# WARNING: PostgreSQL is not reachable on 127.0.0.1:5432.\n"
                  "# Tests FALL BACK to SQLite; PostgreSQL-only tests are skipped.\n"
                  + "#" * 72, file=sys.stderr)
    if not os.environ.get("REDIS_URL"):
        if reachable("127.0.0.1", 6379):
            lines.append("export REDIS_URL=redis://127.0.0.1:6379/0")
        else:
            print("#" * 72 + "\n# WARNING: Redis is not reachable on 127.0.0.1:6379.\n"
                  "# Celery runs in process; the worker integration tests are skipped.\n"
                  + "#" * 72, file=sys.stderr)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
