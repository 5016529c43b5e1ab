"""The render_report management command renders through the same code as the task."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from reviews.models import Report
from tests.reviews.reports_data import EXPECTED_PLAN, answered_rel_workload, pdf_text

pytestmark = pytest.mark.django_db


def test_render_report_writes_the_pdf_to_the_given_file(rel_bank, tmp_path):
    workload = answered_rel_workload(rel_bank, name="Payments Platform")
    target = tmp_path / "report.pdf"

    call_command("render_report", str(workload.pk), "-o", str(target))

    text = pdf_text(target.read_bytes())
    assert "Payments Platform" in text
    for item in EXPECTED_PLAN:
        assert item in text
    assert not Report.objects.exists()  # synchronous: no row, no queue


def test_render_report_explains_an_unknown_workload(tmp_path):
    with pytest.raises(CommandError, match="No workload with id 999999"):
        call_command("render_report", "999999", "-o", str(tmp_path / "x.pdf"))


def test_render_report_refuses_a_milestone_of_another_workload(rel_bank, tmp_path):
    workload = answered_rel_workload(rel_bank)
    other = answered_rel_workload(rel_bank, name="Other")
    milestone = other.milestones.create(name="M1")
    target = tmp_path / "x.pdf"

    with pytest.raises(CommandError, match="has no milestone"):
        call_command(
            "render_report", str(workload.pk), "--milestone", str(milestone.pk), "-o", str(target)
        )
    assert not target.exists()
