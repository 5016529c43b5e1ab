"""A real Celery worker process for end-to-end tests (see the ``live_worker`` fixture).

The worker runs ``celery -A config worker`` in its own process group, pointed at pytest-django's
test database and at the test Redis broker, so a test sees exactly what production would: a
message through Redis, a separate process, committed rows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

READY_MARKER = " ready."


def worker_database_url() -> str:
    """The URL of the database this test process uses right now (pytest-django's test DB)."""
    conf = connection.settings_dict
    if conf["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError(
            "live_worker needs PostgreSQL (run the tests with `make test`): another process "
            "cannot see an in-memory or transaction-wrapped test database."
        )
    user = quote(conf.get("USER") or "", safe="")
    password = quote(conf.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = conf.get("HOST") or "127.0.0.1"
    port = f":{conf['PORT']}" if conf.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(conf['NAME'], safe='')}"


def purge_broker(broker_url: str) -> None:
    """Drop every queued and unacknowledged message left in the test broker by earlier runs."""
    from kombu import Connection

    with Connection(broker_url, connect_timeout=5) as conn, conn.channel() as channel:
        # Redis: a missing queue purges 0 messages
        channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
        client = getattr(channel, "client", None)
        if client is not None:  # Redis: unacked messages would be restored later
            client.delete(channel.unacked_key, channel.unacked_index_key)


class LiveWorker:
    """One ``celery worker`` subprocess; ``start()``, ``stop()``, ``kill()``, ``restart()``."""

    def __init__(self, *, database_url: str, broker_url: str, log_dir: Path) -> None:
        self.database_url = database_url
        self.broker_url = broker_url
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self.hostname = ""

    # --- lifecycle -----------------------------------------------------------------------
    def start(
        self,
        *,
        pool: str = "solo",
        env: dict[str, str] | None = None,
        timeout: float = 60,
        beat: bool = False,
        concurrency: int = 1,
    ) -> LiveWorker:
        """Start the worker and return once it consumes from the queue.

        ``pool="prefork"`` runs ``concurrency`` child processes (one by default; needed to test
        hard time limits or child recycling); ``env`` adds or overrides environment variables, e.g.
        ``{"CELERY_VISIBILITY_TIMEOUT": "5"}``; ``beat=True`` embeds celery beat (the outbox
        relay and the report sweep on their schedules), as ``make run`` does.
        """
        if self.is_alive:
            raise RuntimeError("the worker is already running; stop() or kill() it first")
        self.hostname = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.log_path = self.log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        child_env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            # Tests may point MEDIA_ROOT at a temporary folder before starting the worker.
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DATABASE_CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--loglevel=INFO", f"--pool={pool}", f"--concurrency={concurrency}",
            "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", self.hostname,
            # Gossip, mingle and heartbeats talk to other workers: none exist here, and mingle
            # alone costs seconds at start-up.
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(self.log_path.with_suffix(".beat"))]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed command, our own interpreter
                command,
                cwd=settings.BASE_DIR,
                env=child_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches pool children
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY_MARKER in self.log_text():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited at start-up:\n{self.log_text()}")
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the worker was not ready within {timeout} s:\n{self.log_text()}")

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM: finish the current task), then SIGKILL if it lingers."""
        if not self.is_alive:
            return
        assert self.process is not None
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._reap_group()

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a crash or OOM kill would."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self._reap_group()

    def restart(self, **start_kwargs: Any) -> LiveWorker:
        self.stop()
        return self.start(**start_kwargs)

    # --- inspection ----------------------------------------------------------------------
    @property
    def is_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def log_text(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until(
        self, predicate: Callable[[], Any], *, timeout: float = 30, interval: float = 0.2
    ) -> Any:
        """Poll ``predicate`` until it returns something truthy; fail with the worker's log."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"condition not met within {timeout} s; worker log:\n{self.log_text()}"
                )
            if not self.is_alive:
                raise AssertionError(f"the worker died; its log:\n{self.log_text()}")
            time.sleep(interval)

    # --- internals -----------------------------------------------------------------------
    def _signal(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def _reap_group(self) -> None:
        # Orphaned prefork children would keep a connection to the test database open and
        # block pytest-django from dropping it.
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def make_log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="archreview-worker-"))
