"""Hand-written SQL on the answer path: SELECTs read into model instances as the ORM would,
INSERTs and UPDATEs with the values prepared as the ORM prepares them.

The question page and the autosave run a handful of small, fixed queries on every request;
building each one with the ORM (filters, joins, annotations, then compiling them to SQL) cost
more CPU than running it. Here the SQL is written once, in the plain SQL both PostgreSQL and
SQLite take, and each row becomes a model instance with the same database converters the ORM
applies (JSON, dates, booleans), so callers cannot tell the difference. Only for hot, stable
reads and writes: everything else stays in the ORM.

``insert`` and ``update`` write the values each field prepares for the database
(``get_db_prep_save``: JSON, dates, defaults from ``pre_save``) without compiling a query.

On PostgreSQL these statements run with server-side parameters, prepared (``cursor``): the
server plans each one once per connection instead of on every run, and the hand-written joins
cost more to plan than to run. ``DATABASE_PREPARED_STATEMENTS=false`` turns
that off (for a connection pooler in transaction mode, which cannot keep prepared statements).
The ORM's own queries keep Django's client-side parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar, cast

from django.conf import settings
from django.db import connections
from django.db.models import AutoField, BigAutoField, Field, Model

M = TypeVar("M", bound=Model)

# The largest id a bigint column holds: a URL may carry any digits; a larger one matches no row.
MAX_ID = 2**63 - 1


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


class Columns(Generic[M]):
    """Every concrete column of ``model`` under a table alias, and the reading of them back."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields: tuple[Field, ...] = tuple(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.cols = tuple(f.get_col(alias) for f in self.fields)
        self._converters: dict[str, list[list[Any]]] = {}
        self._sql: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self, using: str = "default") -> str:
        """``alias."column", ...`` in the model's field order."""
        vendor = connections[using].vendor
        if vendor not in self._sql:
            quote = connections[using].ops.quote_name
            self._sql[vendor] = ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)
        return self._sql[vendor]

    def _converters_for(self, using: str) -> list[list[Any]]:
        connection = connections[using]
        if connection.vendor not in self._converters:
            converters = []
            for col in self.cols:
                converters.append(
                    [
                        *connection.ops.get_db_converters(col),
                        *col.get_db_converters(connection),
                    ]
                )
            self._converters[connection.vendor] = converters
        return self._converters[connection.vendor]

    def build(self, values: Sequence[Any], using: str = "default") -> M:
        """The model instance of ``values`` (this object's columns, in order)."""
        connection = connections[using]
        converted = []
        for value, col, converters in zip(
            values, self.cols, self._converters_for(using), strict=True
        ):
            for converter in converters:
                value = converter(value, col, connection)
            converted.append(value)
        return self.model.from_db(using, self.attnames, converted)


class Converter:
    """One column of ``model`` (field ``name``) read as the ORM reads it."""

    def __init__(self, model: type[Model], name: str) -> None:
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        self.col = field.get_col(model._meta.db_table)
        self._converters: dict[str, list[Any]] = {}

    def reader(self, using: str = "default") -> Callable[[Any], Any]:
        """The conversion as a plain function of the value, bound to the connection once for a
        loop over many rows."""
        connection = connections[using]
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = [
                *connection.ops.get_db_converters(self.col),
                *self.col.get_db_converters(connection),
            ]
            self._converters[connection.vendor] = converters
        col = self.col
        if len(converters) == 1:
            only = converters[0]
            return lambda value: only(value, col, connection)

        def convert(value: Any) -> Any:
            for converter in converters:
                value = converter(value, col, connection)
            return value

        return convert


_NEVER = 2**31 - 1


class _Logged:
    """The executed statement with its values inlined, as Django's query log reads it."""

    def __init__(self, query: bytes) -> None:
        self.query = query


@functools.cache
def _preparing_cursor_class() -> type:
    # Private to Django's backend (no stubs): the cursor class Django itself uses when
    # OPTIONS["server_side_binding"] is set.
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        ServerBindingCursor,
    )

    class PreparingCursor(ServerBindingCursor):
        # Django turns psycopg's preparation off (prepare_threshold=None), for poolers. With a
        # threshold no count reaches, nothing is prepared by itself (the ORM's client-side
        # cursors never are), and these statements ask for it: psycopg prepares each on its
        # first run and keeps up to 100 per connection.
        django_connection: Any = None

        def execute(self, query, params=None, *, prepare=None, binary=None):
            result = super().execute(
                query, params, prepare=True if prepare is None else prepare, binary=binary
            )
            db = self.django_connection
            if db is not None and db.queries_logged:
                # Django's query log (DEBUG, the tests' query counts) reads the statement from
                # the cursor as a client-side cursor holds it; a server-side one does not.
                self._query = _Logged(db.ops.compose_sql(query, params).encode())
            return result

    return PreparingCursor


def _raw_cursor(connection: Any) -> Any:
    """The connection's preparing cursor, kept for its next statement: a cursor remembers how
    to send each type of value, which costs more to look up than to send."""
    raw = getattr(connection, "_rawsql_cursor", None)
    if raw is None or raw.closed or raw.connection is not connection.connection:
        from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
            TIMESTAMPTZ_OID,
        )
        from django.db.backends.postgresql.psycopg_any import (  # type: ignore[import-untyped]
            register_tzloader,
        )
        from psycopg.pq import Format

        if connection.connection.prepare_threshold is None:
            connection.connection.prepare_threshold = _NEVER
        raw = _preparing_cursor_class()(connection.connection)
        raw.django_connection = connection
        # As the backend's create_cursor() does.
        tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != tzloader.timezone:
            register_tzloader(connection.timezone, raw)
        connection._rawsql_cursor = raw
    return raw


@contextmanager
def cursor(using: str = "default") -> Iterator[Any]:
    """A Django cursor (query counting and logging included) whose statements PostgreSQL
    prepares; a plain ``connection.cursor()`` elsewhere or when turned off. Read its rows at
    once: on PostgreSQL the next ``cursor()`` of the connection is the same one."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        with connection.cursor() as plain:
            yield plain
        return
    # As BaseDatabaseWrapper._cursor() does.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        wrapped = connection._prepare_cursor(_raw_cursor(connection))  # type: ignore[attr-defined]
    yield wrapped


def fetch(sql: str, params: Iterable[Any], using: str = "default") -> list[tuple[Any, ...]]:
    with cursor(using) as cursor_:
        cursor_.execute(sql, list(params))
        return cursor_.fetchall()


def vendor(using: str = "default") -> str:
    """The database's vendor ("postgresql", "sqlite"), for SQL that only one of them takes."""
    return connections[using].vendor


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def table(model: type[Model], using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


@functools.cache
def _insert_shape(model: type[Model], using: str, typed: bool) -> tuple[list[Field], str, str]:
    """The fields an INSERT of ``model`` writes, ``table (columns)`` and one row's placeholders
    (once per process and database alias)."""
    connection = connections[using]
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
    quote = connection.ops.quote_name
    if typed:  # VALUES outside an INSERT: each value says its column's type
        casts = (f"CAST(%s AS {cast(Any, f).cast_db_type(connection)})" for f in fields)
        row = "(" + ", ".join(casts) + ")"
    else:
        row = f"({placeholders(fields)})"
    head = f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    return fields, head, row


def _insert_parts(
    instances: Sequence[Model], using: str, typed: bool
) -> tuple[str, str, list[Any]]:
    model = type(instances[0])
    connection = connections[using]
    fields, head, row = _insert_shape(model, using, typed)
    params: list[Any] = []
    for instance in instances:
        assert type(instance) is model
        params.extend(f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields)
    return head, ", ".join([row] * len(instances)), params


def insert(instances: Sequence[Model], using: str = "default") -> None:
    """INSERT ``instances`` (all of one model, ids from the database) in one statement, as
    ``bulk_create`` would, without setting their ids (callers that need them use the ORM)."""
    if not instances:
        return
    head, rows, params = _insert_parts(instances, using, typed=False)
    with cursor(using) as c:
        c.execute(f"INSERT INTO {head} VALUES {rows}", params)  # noqa: S608 - names from the model


def insert_values(instances: Sequence[Model], using: str = "default") -> tuple[str, str, list[Any]]:
    """``insert`` in parts for a statement of the caller's own: ``table (columns)``, the rows'
    ``VALUES`` list with each value cast to its column's type (so it also reads as a
    sub-select: ``INSERT INTO {head} SELECT * FROM (VALUES {rows}) v WHERE ...``) and the
    parameters."""
    assert instances
    return _insert_parts(instances, using, typed=True)


def update(model: type[Model], ids: Sequence[int], using: str = "default", **values: Any) -> int:
    """``model.objects.filter(pk__in=ids).update(**values)`` for plain values (no
    expressions), in one statement; returns the number of rows changed."""
    if not ids:
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    sets, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        assert isinstance(field, Field) and field.concrete
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    with cursor(using) as c:
        c.execute(
            f"UPDATE {table(model, using)} SET {', '.join(sets)} "  # noqa: S608 - names from the model
            f"WHERE {quote(model._meta.pk.column)} IN ({placeholders(ids)})",
            [*params, *ids],
        )
        return c.rowcount
