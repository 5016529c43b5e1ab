from __future__ import annotations

import os
import time

import pytest

from config.models import WorkerHeartbeat
from config.tasks import worker_heartbeat

pytestmark = pytest.mark.worker


def test_heartbeat_task_travels_through_redis_to_a_worker_that_writes_the_database(live_worker):
    assert not WorkerHeartbeat.objects.exists()

    worker_heartbeat.delay()

    beat = live_worker.wait_until(lambda: WorkerHeartbeat.objects.first())
    assert beat.hostname.startswith("test-")
    assert beat.beats == 1


def test_a_killed_worker_is_replaced_and_the_next_task_is_processed(live_worker):
    worker_heartbeat.delay()
    live_worker.wait_until(lambda: WorkerHeartbeat.objects.filter(beats=1).exists())
    first_pid = live_worker.pid

    live_worker.kill()
    assert not live_worker.is_alive
    live_worker.start()
    worker_heartbeat.delay()

    live_worker.wait_until(lambda: WorkerHeartbeat.objects.count() == 2)
    assert live_worker.pid != first_pid


def test_stopping_a_prefork_worker_ends_its_whole_process_group(worker_factory):
    worker = worker_factory().start(pool="prefork")
    group = worker.pid

    worker.stop()

    assert not worker.is_alive
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _group_exists(group):
        time.sleep(0.1)
    assert not _group_exists(group)


def _group_exists(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
