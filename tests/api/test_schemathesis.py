"""Schemathesis against the live schema and a live server on loopback, with a write token.

Every operation, positive data, bounded examples; it fails on a server error or any response
that the schema does not describe (status code, content type, headers, body).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.services import token_create
from questions.models import Question
from reviews.models import ImprovementItem, Report
from reviews.services.answers import answer_save
from reviews.services.milestones import milestone_create
from tests import factories
from tests.factories import lens_review_of

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _run(live_server, token: str, tmp_path: Path, env: dict, *extra: str) -> str:
    env = {
        **os.environ,
        **env,
    }
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        # Valid-looking input the rules refuse (a duplicate name, a lens file that is not a
        # lens) is a correct 400, not a failure.
        "--exclude-checks",
        "positive_data_acceptance",
        "--mode",
        "positive",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"),
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "14"),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
        "--no-color",
        *extra,
    ]
    result = subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    assert " passed" in output, output[-5000:]
    return output


@pytest.mark.schemathesis
def test_the_api_matches_its_schema_and_never_fails(live_server, settings, rel_bank, tmp_path):
    settings.API_THROTTLE_RATE = ""  # the run makes thousands of requests
    member = factories.MembershipFactory(role="architect")
    workload = factories.WorkloadFactory(team=member.team, lens_version=rel_bank)
    report = Report.objects.create(workload=workload)
    milestone = milestone_create(workload=workload, name="Baseline", user=member.user)
    question = Question.objects.filter(pillar__version=rel_bank).order_by("pk").first()
    answer_save(  # improvement items for the practices left at risk
        workload=workload,
        question=question,
        data={"selected": [question.choices.order_by("order").first().ref]},
        expected_version=0,
        user=member.user,
    )
    item = ImprovementItem.objects.filter(workload=workload).order_by("pk").first()
    token = token_create(user=member.user, name="schemathesis", scope="write")[1]
    env = {
        "ST_WORKLOAD_ID": str(workload.pk),
        "ST_TEAM_ID": str(member.team_id),
        "ST_QUESTION_ID": str(question.pk),
        "ST_MILESTONE_ID": str(milestone.pk),
        "ST_REPORT_ID": str(report.pk),
        "ST_LENS_REVIEW_ID": str(lens_review_of(workload).pk),
        "ST_ITEM_ID": str(item.pk),
    }
    _run(live_server, token, tmp_path, env)
    # The bank's routes are for administrators: once more with an administrator's token.
    admin = factories.UserFactory(is_staff=True)
    token = token_create(user=admin, name="schemathesis", scope="write")[1]
    _run(live_server, token, tmp_path, env, "--include-path-regex", "^/api/v1/lens-versions/")
