"""Create the PostgreSQL database named by a URL if it does not exist yet (for `make bench`).

The benchmark scripts migrate their database and roll their data back, but cannot create it.
"""

from __future__ import annotations

import sys

import dj_database_url
import psycopg
from psycopg import sql


def server_connection(url: str) -> psycopg.Connection:
    """An autocommit connection to the ``postgres`` database of ``url``'s server, for
    creating and dropping databases."""
    config = dj_database_url.parse(url)
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


def main(url: str) -> None:
    name = dj_database_url.parse(url)["NAME"]
    with server_connection(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name} for the benchmarks.")


if __name__ == "__main__":
    main(sys.argv[1])
