"""Counting the SQL a request sends, as production sends it."""

from __future__ import annotations


def production_queries(captured: list[dict]) -> list[str]:
    """The captured SQL without the one SAVEPOINT / RELEASE SAVEPOINT pair that exists only
    because pytest-django runs each test inside a transaction: there, the service's outermost
    ``transaction.atomic()`` becomes a savepoint; in production it opens and commits a real
    transaction, which the database driver sends at the protocol level and Django does not
    capture. Nothing else is left out; a nested savepoint (sent in production too) stays."""
    sql = [q["sql"] for q in captured]
    first = next((i for i, s in enumerate(sql) if s.startswith("SAVEPOINT ")), None)
    if first is None:
        return sql
    name = sql[first].split(" ", 1)[1]
    release = max(
        (i for i, s in enumerate(sql) if s in (f"RELEASE SAVEPOINT {name}",)),
        default=None,
    )
    rollback = next((i for i, s in enumerate(sql) if s == f"ROLLBACK TO SAVEPOINT {name}"), None)
    end = release if release is not None else rollback
    return [s for i, s in enumerate(sql) if i not in (first, end)]
