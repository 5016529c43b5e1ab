"""The README's curl walk-through, run as it is written against a live server on 127.0.0.1 and
a real Celery worker: token, workload, answer, report, download."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from reviews.models import Answer, Report, Workload
from tests import factories
from tests.live_worker import worker_database_url

ROOT = Path(__file__).resolve().parents[2]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- api-walkthrough -->\n```sh\n(.*?)```", readme, re.S)
    assert match, "README.md has no api-walkthrough block"
    return match[1]


def test_the_block_uses_only_the_api_and_the_token_command():
    script = walkthrough()
    assert "api_token_create" in script and "/api/v1/" in script
    assert "If-Match" in script


@pytest.mark.worker
def test_the_readme_walkthrough_runs_against_a_live_server(
    live_server, worker_factory, rel_bank, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"  # before the worker starts: it inherits it
    worker_factory().start()
    alice = factories.UserFactory(username="alice")
    factories.MembershipFactory(user=alice, role="architect")
    # The block runs in the app's folder: give it one whose manage.py and .venv are ours.
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "manage.py").symlink_to(ROOT / "manage.py")
    (folder / ".venv").symlink_to(ROOT / ".venv")
    env = {**os.environ, "ARCHREVIEW": live_server.url, "DATABASE_URL": worker_database_url()}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", walkthrough()],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    workload = Workload.objects.get(name="Payments API", team__memberships__user=alice)
    answer = Answer.objects.get(lens_review__workload=workload)
    assert answer.notes == "Checked by the pipeline" and answer.updated_by == alice
    report = Report.objects.get(workload=workload)
    assert report.status == Report.Status.READY
    pdf = (folder / "payments-api-review.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) == report.size
