"""Benchmark: CPU seconds for sign-in tries that are refused (HTTP 429) vs accepted.

    make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=x \
        ARCHREVIEW_TESTING=1 .venv/bin/python bench/bench_signin.py --tries 200

Through Django's test client in this process (middleware, allauth's form, our throttle, the
database cache), with the real password hasher (PBKDF2, Django's iterations). Three runs of
`--tries` POSTs each, timed with `time.process_time()` (this process only; PostgreSQL's own
CPU is not included):

- accepted: the right password, each try from its own client address (the per-address limit
  on sign-in POSTs would refuse a flood of successes too);
- refused, locked account: the right password for an account locked by 10 failures;
- flood from one address: a different unknown name each time; the first 30 are hashed, the
  rest are refused by the per-address limit.

Everything happens in a transaction that is rolled back. Exits 1 if a refused try hashed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import PBKDF2PasswordHasher  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from tests.factories import UserFactory  # noqa: E402

PASSWORD = "correct-horse-battery"  # noqa: S105 - what UserFactory sets
LOGIN = "/accounts/login/"
HASHES = {"count": 0}


class CountingHasher(PBKDF2PasswordHasher):
    def encode(self, password, salt, iterations=None):
        HASHES["count"] += 1
        return super().encode(password, salt, iterations)


class Rollback(Exception):
    pass


def run(label: str, tries: int, post) -> tuple[float, int, dict[int, int]]:
    HASHES["count"] = 0
    statuses: dict[int, int] = {}
    start = time.process_time()
    for i in range(tries):
        status = post(i)
        statuses[status] = statuses.get(status, 0) + 1
    cpu = time.process_time() - start
    print(
        f"{label:<34} {tries:>4} tries  {cpu:7.2f} CPU s  {1000 * cpu / tries:7.1f} ms/try  "
        f"hashes {HASHES['count']:>4}  statuses {dict(sorted(statuses.items()))}"
    )
    return cpu, HASHES["count"], statuses


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    hasher = "__main__.CountingHasher"  # this script, run as a program
    failed = False
    with override_settings(PASSWORD_HASHERS=[hasher], ALLOWED_HOSTS=["testserver"]):
        try:
            with transaction.atomic():
                UserFactory(username="ada")
                UserFactory(username="grace")

                def accepted(i: int) -> int:
                    client = Client(REMOTE_ADDR=f"10.1.{i // 250}.{i % 250 + 1}")
                    return client.post(LOGIN, {"login": "ada", "password": PASSWORD}).status_code

                ok_cpu, _, ok = run("accepted (right password)", args.tries, accepted)

                locker = Client(REMOTE_ADDR="10.2.0.1")
                for _ in range(10):
                    locker.post(LOGIN, {"login": "grace", "password": "wrong"})

                def locked(i: int) -> int:
                    client = Client(REMOTE_ADDR=f"10.3.{i // 250}.{i % 250 + 1}")
                    return client.post(LOGIN, {"login": "grace", "password": PASSWORD}).status_code

                locked_cpu, locked_hashes, _ = run("refused: locked account", args.tries, locked)
                flood_client = Client(REMOTE_ADDR="10.4.0.1")

                def flood(i: int) -> int:
                    data = {"login": f"nobody{i}", "password": "guess"}
                    return flood_client.post(LOGIN, data).status_code

                flood_cpu, flood_hashes, flooded = run("flood from one address", args.tries, flood)
                print(f"refused / accepted CPU: {locked_cpu / ok_cpu:.3f}")
                print(f"flood / accepted CPU:   {flood_cpu / ok_cpu:.3f}")
                failed = locked_hashes != 0 or flood_hashes > 30 or ok.get(302, 0) != args.tries
                raise Rollback
        except Rollback:
            pass
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
