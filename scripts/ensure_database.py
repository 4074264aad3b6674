"""Create the PostgreSQL database named in DATABASE_URL when it does not exist yet, so
`make run` and `make bench` work on a server where only the role exists."""

import os
import sys
from urllib.parse import unquote, urlparse


def ensure_database(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg2

    parts = urlparse(url)
    name = unquote(parts.path.lstrip("/"))
    admin = psycopg2.connect(dbname="postgres", user=parts.username, password=parts.password,
                             host=parts.hostname, port=parts.port or 5432)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}.")
    admin.close()


if __name__ == "__main__":
    ensure_database(os.environ.get("DATABASE_URL", ""))
    sys.exit(0)
