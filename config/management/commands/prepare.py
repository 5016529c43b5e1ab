"""Everything `make run` does to the database before serving, in one process.

One Django start-up instead of three keeps a restart with nothing to do within a few seconds.
The detail goes to stderr (the run log); stdout carries only the first administrator's
credentials, as `username=...` and `password=...` lines, for `scripts/run.py` to show in its box.
"""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

_CREDENTIAL = re.compile(r"^\s*(username|password): (\S+)\s*$", re.MULTILINE)
_CREATED = re.compile(r"Created the administrator '([^']+)'")


class Command(BaseCommand):
    help = (
        "Apply pending migrations, load the shipped REL 3-5 bank and make sure an administrator "
        "exists (what `make run` does before it starts the web server and the worker)."
    )
    # The system checks import every view (and with them WeasyPrint): seconds on a restart.
    # The web server and the worker run them when they start.
    requires_system_checks: list[str] = []

    def handle(self, *args, **options) -> None:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            call_command("migrate", interactive=False, stdout=self.stderr)
        else:
            self.stderr.write("Migrations: none to apply.")
        call_command("load_rel_bank", stdout=self.stderr)
        admin_out = StringIO()
        call_command("ensure_admin", stdout=admin_out)
        report = admin_out.getvalue()
        # The password is shown once, by the caller; it never reaches the log.
        self.stderr.write(_CREDENTIAL.sub(r"  \1: (shown on the terminal only)", report))
        created = _CREATED.search(report)
        if created:
            self.stdout.write(f"username={created.group(1)}")
        for key, value in _CREDENTIAL.findall(report):
            if key == "password":
                self.stdout.write(f"password={value}")
