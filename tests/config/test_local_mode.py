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
