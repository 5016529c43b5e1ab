"""Display labels come from reviews/labels.py: every vocabulary member has one, and no
review template spells a vocabulary value in a comparison (the filters of ``{% load risk %}``
and the enums, ``report.Status.READY``, do)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviews import labels
from reviews.vocab import ItemStatus, PracticeStatus, QuestionState, ReportStatus, Risk

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
VALUES = {str(m) for enum in (Risk, PracticeStatus, ItemStatus, ReportStatus) for m in enum}


@pytest.mark.parametrize(
    ("enum", "table"),
    [
        (Risk, labels.RISK_LABELS),
        (Risk, labels.RISK_SHORT_LABELS),
        (PracticeStatus, labels.PRACTICE_STATUS_LABELS),
        (ItemStatus, labels.ITEM_STATUS_LABELS),
        (QuestionState, labels.QUESTION_STATE_LABELS),
        (ReportStatus, labels.REPORT_STATUS_LABELS),
    ],
)
def test_every_member_has_a_label(enum, table):
    assert list(table) == list(enum)
    assert all(table.values())


@pytest.mark.parametrize(
    ("status", "risk", "note"),
    [
        (PracticeStatus.NOT_FOLLOWED, Risk.MEDIUM, "not followed, medium risk"),
        (PracticeStatus.NOT_FOLLOWED, None, "not followed"),
        (PracticeStatus.NOT_APPLICABLE, None, "not applicable"),
        (PracticeStatus.FOLLOWED, None, ""),
        (PracticeStatus.UNANSWERED, None, ""),
    ],
)
def test_practice_note(status, risk, note):
    assert labels.practice_note(status, risk) == note


def test_no_template_compares_with_a_vocabulary_value():
    comparison = re.compile(r"""(?:==|!=|\bin)\s*["']([A-Za-z_]+)["']""")
    found = [
        (path.relative_to(TEMPLATES).as_posix(), value)
        for folder in ("reviews", "reports")
        for path in (TEMPLATES / folder).rglob("*.html")
        for value in comparison.findall(path.read_text(encoding="utf-8"))
        if value in VALUES
    ]
    assert found == []
