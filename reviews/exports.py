"""Streamed CSV and JSON downloads: rows are written as they are read, never all held at once.

Feed them an iterator over the database (``QuerySet.iterator(chunk_size=...)``, a server-side
cursor on PostgreSQL) and the memory a download needs stays flat whatever its size.

CSV cells are neutralised against formula injection (OWASP "CSV Injection"): a text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single
quote, so a spreadsheet shows it as text instead of evaluating it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500  # rows per chunk handed to the server: fewer, larger writes


def neutralise(value: Any) -> Any:
    """A cell value that a spreadsheet cannot run. Numbers and dates are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    buffer = [writer.writerow([neutralise(cell) for cell in header])]
    for row in rows:
        buffer.append(writer.writerow(["" if c is None else neutralise(c) for c in row]))
        if len(buffer) >= CHUNK_ROWS:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)


def json_chunks(
    rows: Iterable[dict[str, Any]], *, meta: dict[str, Any] | None = None
) -> Iterator[str]:
    """``{"meta": ..., "items": [...]}`` written item by item."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    opening = '{"meta": ' + encoder.encode(meta or {}) + ', "items": ['
    buffer = [opening]
    first = True
    for row in rows:
        buffer.append(("" if first else ",") + "\n" + encoder.encode(row))
        first = False
        if len(buffer) >= CHUNK_ROWS:
            yield "".join(buffer)
            buffer.clear()
    buffer.append("\n]}\n")
    yield "".join(buffer)


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def json_response(
    filename: str, rows: Iterable[dict[str, Any]], *, meta: dict[str, Any] | None = None
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        json_chunks(rows, meta=meta), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response
