"""Hostile lens files: every way the JSON can fail to decode is a clear message (admin and
``import_lens``, never a traceback or a 500), duplicate keys are refused with their JSON path,
and an over-long rule condition is refused without ever being tokenized."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from questions import rules
from questions.importer import MAX_FILE_BYTES, LensFileError, lens_validate
from tests.factories import UserFactory
from tests.questions.helpers import dump, load, row_counts

ORR = "orr-whitepaper-sample.json"


def _with_value(raw: str) -> bytes:
    """The ORR sample with ``raw`` (JSON text, written as is) as an extra top-level value."""
    text = dump(load(ORR)).decode()
    return ('{"_extra": ' + raw + ", " + text[1:]).encode()


UNDECODABLE = {
    "integer_of_5000_digits": (_with_value("9" * 5000), "a number with 5,000 digits"),
    "integer_of_4301_digits": (_with_value("-" + "1" * 4301), "a number with 4,301 digits"),
    "float_written_long": (_with_value("0." + "1" * 5000), "a number written with 5,002"),
    "float_too_large": (_with_value("1e999"), "the number 1e999 is too large"),
    "nan": (_with_value("NaN"), "NaN is not a JSON value"),
    "infinity": (_with_value("-Infinity"), "-Infinity is not a JSON value"),
    "bad_utf8": (
        dump(load(ORR)).replace(b'"name": "', b'"name": "\xe9', 1),
        "file: is not UTF-8 text (invalid byte at offset",
    ),
    "lone_invalid_byte": (b'{"name": "a\xc3"}', "file: is not UTF-8 text"),
    "deep_nesting": (_with_value("[" * 50_000 + "]" * 50_000), "nested too deeply"),
    "truncated": (dump(load(ORR))[:-10], "file: is not valid JSON"),
    "empty": (b"", "file: is not valid JSON"),
}


@pytest.mark.parametrize("name", UNDECODABLE)
def test_import_lens_reports_every_decode_failure_without_a_traceback(db, name, tmp_path):
    data, expected = UNDECODABLE[name]
    path = tmp_path / "lens.json"
    path.write_bytes(data)
    before = row_counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_lens", str(path))
    message = str(excinfo.value)
    assert "not imported" in message
    assert expected in message
    assert "Traceback" not in message and "sys.set_int_max_str_digits" not in message
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__
    assert row_counts() == before


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


# (an empty upload is refused by the form itself, before the importer sees it)
@pytest.mark.parametrize("name", [name for name in UNDECODABLE if name != "empty"])
def test_the_admin_import_page_shows_decode_failures_as_a_message(admin_client, name):
    data, expected = UNDECODABLE[name]
    upload = SimpleUploadedFile("lens.json", data, "application/json")
    before = row_counts()
    response = admin_client.post(reverse("admin:questions_lensversion_import"), {"file": upload})
    assert response.status_code == 400
    assert expected.replace('"', "&quot;") in response.content.decode()
    assert row_counts() == before


# --- duplicate keys ------------------------------------------------------------------------------
def _duplicate(text: str, old: str, new: str) -> bytes:
    assert old in text
    return text.replace(old, new, 1).encode()


def test_duplicate_keys_are_refused_with_their_json_paths(db):
    doc = load(ORR)
    question = doc["pillars"][1]["questions"][2]
    text = json.dumps(doc)
    title = json.dumps(question["title"])
    data = _duplicate(text, f'"title": {title}', f'"title": "First", "title": {title}')
    data = data.replace(b'"schemaVersion"', b'"name": "Shadow", "schemaVersion"', 1)
    data = data.replace(b"{", b'{"odd key": 1, "odd key": 2, ', 1)

    with pytest.raises(LensFileError) as excinfo:
        lens_validate(data)

    assert sorted(excinfo.value.problems) == [
        '["odd key"]: duplicate key; give it once',
        "name: duplicate key; give it once",
        "pillars[1].questions[2].title: duplicate key; give it once",
    ]


def test_a_key_repeated_three_times_is_reported_once(db):
    with pytest.raises(LensFileError) as excinfo:
        lens_validate(b'{"a": 1, "a": 2, "a": 3}')
    assert excinfo.value.problems == ["a: duplicate key; give it once"]


def test_the_same_key_in_different_objects_is_not_a_duplicate(db):
    lens_validate(dump(load(ORR)))  # every question has its own "id", "title", ...


# --- over-long rule conditions ---------------------------------------------------------------
@pytest.fixture
def tokenizer_must_not_run(monkeypatch):
    """The real tokenizer, which fails the test if it is ever handed more than the limit."""
    tokenize = rules._tokenize

    def bounded(text: str):
        assert len(text) <= rules.MAX_LENGTH, f"the tokenizer was called on {len(text)} chars"
        return tokenize(text)

    monkeypatch.setattr(rules, "_tokenize", bounded)


def test_an_over_long_condition_is_refused_without_being_parsed(db, tokenizer_must_not_run):
    doc = load(ORR)
    question = doc["pillars"][0]["questions"][0]
    choice = question["choices"][0]["id"]
    # As long as the 500 KB file limit allows (the was 490,000 characters, 10 s).
    room = MAX_FILE_BYTES - len(dump(doc)) - 100
    question["riskRules"][0]["condition"] = " || ".join([choice] * (room // (len(choice) + 4)))
    assert len(question["riskRules"][0]["condition"]) > 300_000
    with pytest.raises(LensFileError) as excinfo:
        lens_validate(dump(doc))
    (problem,) = excinfo.value.problems
    assert problem.startswith("pillars[0].questions[0].riskRules[0].condition: is ")
    assert problem.endswith("characters long; at most 2048 are allowed")


def test_rules_parse_refuses_an_over_long_condition_before_tokenizing(tokenizer_must_not_run):
    with pytest.raises(rules.RuleError, match="at most 2048"):
        rules.parse("a" * 2049)


def test_a_condition_at_the_limit_is_parsed():
    condition = " || ".join(["choice_a"] * 186) + " || b" * 3
    condition = condition[: rules.MAX_LENGTH - 1] + "x"
    assert len(condition) == rules.MAX_LENGTH
    assert rules.parse(condition).evaluate(frozenset({"choice_a"}))


# --- the tokenizer ---------------------------------------------------------------------------
def _reference_tokenize(text: str) -> list[tuple[str, str, int]] | int:
    """The tokenizer as it was before it was made linear (quadratic: it copied the rest of the
    text at every token); an error is returned as its position."""
    import re

    token = re.compile(r"\s*(?:(?P<op>&&|\|\||!|\(|\))|(?P<id>[A-Za-z0-9_][A-Za-z0-9_.:\-]*))")
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = token.match(text, pos)
        if not match:
            return pos + (len(text[pos:]) - len(text[pos:].lstrip()))
        kind = "op" if match.group("op") else "id"
        tokens.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


@given(st.text(alphabet="ab_1.:-&|!() \t\n\u00a0é", max_size=80))
def test_the_linear_tokenizer_reads_conditions_as_the_old_one_did(text):
    expected = _reference_tokenize(text)
    if isinstance(expected, int):
        with pytest.raises(rules.RuleError) as excinfo:
            rules._tokenize(text)
        assert excinfo.value.position == expected
    else:
        assert rules._tokenize(text) == expected
