"""Hand-written SELECTs on the answer path, read into model instances as the ORM would.

The question page and the autosave run a handful of small, fixed queries on every request;
building each one with the ORM (filters, joins, annotations, then compiling them to SQL) cost
more CPU than running it. Here the SQL is written once, in the plain SQL both PostgreSQL and
SQLite take, and each row becomes a model instance with the same database converters the ORM
applies (JSON, dates, booleans), so callers cannot tell the difference. Only for hot, stable
reads: everything else stays in the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Field, Model

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

    def __call__(self, value: Any, using: str = "default") -> Any:
        connection = connections[using]
        converters = self._converters.get(connection.vendor)
        if converters is None:
            converters = [
                *connection.ops.get_db_converters(self.col),
                *self.col.get_db_converters(connection),
            ]
            self._converters[connection.vendor] = converters
        for converter in converters:
            value = converter(value, self.col, connection)
        return value


def fetch(sql: str, params: Iterable[Any], using: str = "default") -> list[tuple[Any, ...]]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def table(model: type[Model], using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)
