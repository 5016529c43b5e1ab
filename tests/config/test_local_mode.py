"""`make run` mode: SQLite under var/ and the filesystem broker, with a real worker process.

The test process itself stays on PostgreSQL; everything here runs in subprocesses with
DATABASE_URL and CELERY_BROKER_URL unset, as `make run` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.conf import settings

WRITER = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from config.tasks import worker_heartbeat
User = get_user_model()
for i in range({tasks}):
    worker_heartbeat.delay()
for i in range({rows}):
    with transaction.atomic():
        User.objects.create(username=f"writer-{{i}}")
print("writer done")
"""

READER = """
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db.models import Sum
from config.models import WorkerHeartbeat
print(get_user_model().objects.count(), WorkerHeartbeat.objects.aggregate(n=Sum("beats"))["n"])
"""


def _local_env(var_dir) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "ARCHREVIEW_TESTING"}
    }
    env.update(
        ARCHREVIEW_VAR_DIR=str(var_dir),
        SECRET_KEY="local-mode-test",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def _python(env, *args, timeout=120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_worker_and_web_side_write_the_sqlite_file_at_once_through_the_filesystem_broker(
    tmp_path,
):
    env = _local_env(tmp_path)
    migrated = _python(env, "manage.py", "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "archreview.sqlite3").exists()

    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
             "--pool=prefork", "--concurrency=2", "-Q", "celery",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text() and time.monotonic() < deadline:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.2)

        # Two writers at once: this process inserts rows while two worker children update the
        # heartbeat row for each of the tasks it queued.
        wrote = _python(env, "-c", WRITER.format(tasks=60, rows=300))
        assert wrote.returncode == 0, wrote.stderr

        deadline = time.monotonic() + 60
        counts = ""
        while time.monotonic() < deadline:
            counts = _python(env, "-c", READER).stdout.split()
            if counts == ["300", "60"]:
                break
            time.sleep(0.5)
        log_text = log_path.read_text()
        assert counts == ["300", "60"], log_text
        assert "database is locked" not in log_text + wrote.stderr
        journal = _python(
            env, "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
            "'pragma journal_mode').fetchone()[0])", str(tmp_path / "archreview.sqlite3"),
        )  # fmt: skip
        assert journal.stdout.strip() == "wal"
    finally:
        os.killpg(worker.pid, 9)
        worker.wait(timeout=10)


ANSWER_PATH = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from django.test import Client
from django.urls import reverse
from questions.banks import load_rel_bank
from questions.models import Question
from reviews.models import ImprovementItem, Membership, Team
from reviews.services.counts import counts_recompute
from reviews.services.workloads import workload_create
from tests.factories import UserFactory
assert connection.vendor == "sqlite"
version = load_rel_bank()
team = Team.objects.create(name="Local")
user = UserFactory(username="local-architect")
Membership.objects.create(user=user, team=team, role="architect")
workload = workload_create(team=team, user=user, data={"name": "Local"}, lens_version=version)
questions = Question.objects.filter(pillar__version=version).order_by("pillar__order", "order")
question = questions.first()
refs = [c.ref for c in question.choices.order_by("order") if not c.is_none]
client = Client()
client.force_login(user)
url = reverse("reviews:question", args=[workload.pk, question.pk])
assert client.get(url).status_code == 200
# Three saves: the first creates items, the next ones resolve and reopen them.
for n, selected in enumerate([[refs[0]], [refs[1]], [refs[0]]]):
    response = client.post(url, {"version": n, "selected": selected}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Saved" in response.content.decode(), response.content
items = {i.practice_ref: i.resolved_at is None for i in ImprovementItem.objects.all()}
assert items[refs[0]] is False and items[refs[1]] is True, items
assert counts_recompute(fix=False) == []
page = client.get(url).content.decode()
assert f"1 of {questions.count()} answered" in page, page[:500]
print("answer path ok")
"""


def test_the_answer_path_on_sqlite(tmp_path):
    """The save's other write path (the ORM's, in a transaction), the items it moves and the
    navigation's two queries, as `make run` serves them."""
    env = _local_env(tmp_path)
    env["ARCHREVIEW_TESTING"] = "1"  # the static files as the tests serve them (no manifest)
    env["ALLOWED_HOSTS"] = "testserver"
    done = _python(env, "-c", ANSWER_PATH)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "answer path ok" in done.stdout
