"""Queue the heartbeat task and wait until a worker has run it: an end-to-end worker check."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.models import WorkerHeartbeat
from config.tasks import worker_heartbeat


class Command(BaseCommand):
    help = "Send a heartbeat task through the broker and wait for a worker to record it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--timeout", type=float, default=30, help="seconds to wait")

    def handle(self, *args, timeout: float, **options) -> None:
        sent_at = timezone.now()
        worker_heartbeat.delay()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            beat = WorkerHeartbeat.objects.filter(last_beat_at__gte=sent_at).first()
            if beat is not None:
                waited = (beat.last_beat_at - sent_at).total_seconds()
                self.stdout.write(f"Worker {beat.hostname} ran the heartbeat after {waited:.2f} s.")
                return
            time.sleep(0.2)
        raise CommandError(
            f"No worker ran the heartbeat within {timeout:g} s. Is a worker running "
            "(`make run` starts one) and pointed at the same broker and database?"
        )
