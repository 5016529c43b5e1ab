"""Property test: whatever a mutated lens file looks like, import gives a clear error or a
clean, complete import; never a crash and never a partial import."""

from __future__ import annotations

import copy
import json
import os
import re
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from questions.importer import LensFileError, lens_import
from tests.questions.helpers import load, row_counts

BASES = {name: load(name) for name in ("orr-whitepaper-sample.json", "connect-reliability.json")}
# Give the mutations an optional structure to hit as well.
BASES["orr-whitepaper-sample.json"]["pillars"][0]["questions"][0]["choices"][0][
    "additionalResources"
] = [{"type": "IMPROVEMENT_PLAN", "content": [{"displayText": "More", "url": "https://a.example"}]}]
LOCATED = re.compile(
    r"^(file|schemaVersion|name|description|pillars|_archreview)[\w\[\]\.\"\-:/ ]*: "
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
condition_text = st.lists(
    st.sampled_from(["(", ")", "!", "&&", "||", " ", "choice1", "default", "x_no", "é", "1a"]),
    max_size=12,
).map("".join)


def _slots(node: Any, out: list) -> list:
    """Every (container, key) in the document, depth first."""
    if isinstance(node, dict):
        for key in list(node):
            out.append((node, key))
            _slots(node[key], out)
    elif isinstance(node, list):
        for index in range(len(node)):
            out.append((node, index))
            _slots(node[index], out)
    return out


def _ids(node: Any, out: list) -> list:
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            out.append(node)
        for value in node.values():
            _ids(value, out)
    elif isinstance(node, list):
        for value in node:
            _ids(value, out)
    return out


def _mutate(doc: dict, data: st.DataObject) -> None:
    kind = data.draw(
        st.sampled_from(["delete", "retype", "long", "duplicate_id", "condition", "risk"])
    )
    slots = _slots(doc, [])
    if kind in ("delete", "retype", "long"):
        candidates = slots
    elif kind == "duplicate_id":
        candidates = _ids(doc, [])
    else:
        candidates = [n for c, k in slots if isinstance(n := c[k], dict) and kind in n]
    if not candidates:  # an earlier mutation removed everything this one could touch
        return
    target = data.draw(st.sampled_from(candidates))
    if kind == "delete":
        del target[0][target[1]]
    elif kind == "retype":
        target[0][target[1]] = data.draw(json_values)
    elif kind == "long":
        target[0][target[1]] = "x" * data.draw(st.sampled_from([129, 2049, 5000]))
    elif kind == "duplicate_id":
        target["id"] = data.draw(st.sampled_from(candidates))["id"]
    elif kind == "condition":
        target["condition"] = data.draw(condition_text)
    else:
        target["risk"] = data.draw(
            st.sampled_from(["LOW_RISK", "", None, 3, "high_risk", "NO_RISK"])
        )


@settings(
    max_examples=int(os.environ.get("LENS_FUZZ_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_files_give_a_clear_error_or_a_complete_import(db, data):
    name = data.draw(st.sampled_from(sorted(BASES)))
    doc = copy.deepcopy(BASES[name])
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        _mutate(doc, data)
    before = row_counts()
    try:
        result = lens_import(data=json.dumps(doc).encode("utf-8"))
    except LensFileError as exc:
        event("rejected")
        assert exc.problems
        for problem in exc.problems:
            assert LOCATED.match(problem) or problem.startswith("…"), problem
        assert row_counts() == before
        return
    if not result.created:
        event("identical to an earlier example")
        assert row_counts() == before
        return
    event("imported")
    # A clean import: exactly one version with everything the summary announced.
    after = row_counts()
    assert after[1] == before[1] + 1
    assert after[2] - before[2] == result.pillars
    assert after[3] - before[3] == result.questions
    assert after[4] - before[4] == result.practices + result.none_choices
