"""The web side of reports never loads WeasyPrint: only workers pay for it.

Checked in a fresh interpreter (this test process has usually imported WeasyPrint already
through other tests): Django set up as gunicorn runs it, the whole URLconf and the admin
loaded, then ``sys.modules`` is inspected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

WORKER_ONLY = (
    "weasyprint",
    "reviews.pdf",
    "reviews.tasks",
    "reviews.services.report_worker",
    "config.worker",
)

SCRIPT = """
import json, sys
from config.wsgi import application  # django.setup() as gunicorn runs it
from django.contrib import admin
from django.urls import get_resolver

def load(patterns):
    for pattern in patterns:
        load(getattr(pattern, "url_patterns", []))
        getattr(pattern, "callback", None)

load(get_resolver().url_patterns)
admin.autodiscover()
import reviews.services.reports  # what the views call to request and retry
web = sorted(sys.modules)
import reviews.tasks  # what a worker loads
print(json.dumps({"web": web, "worker": sorted(sys.modules)}))
"""


def _modules() -> dict[str, list[str]]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _is_worker_only(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in WORKER_ONLY)


def test_web_process_never_imports_weasyprint_but_a_worker_does():
    modules = _modules()
    assert [m for m in modules["web"] if _is_worker_only(m)] == []
    # The check can fail: the worker's task module does pull these in.
    assert {"weasyprint", "reviews.pdf", "reviews.tasks"} <= set(modules["worker"])


def test_web_modules_do_not_import_worker_modules_later_either():
    # A lazy import inside a function (as the old on-commit hook did) escapes the check above.
    loaded = [m for m in _modules()["web"] if m.split(".")[0] in {"config", "reviews"}]
    offenders = []
    for module in loaded:
        path = Path(settings.BASE_DIR, *module.split("."))
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if not source.exists():
            continue
        text = source.read_text(encoding="utf-8")
        offenders += [
            f"{module}: {name}"
            for name in WORKER_ONLY
            if f"import {name}" in text
            or f"from {name} " in text
            or (
                name.count(".") == 1
                and f"from {name.split('.')[0]} import {name.split('.')[1]}" in text
            )
        ]
    assert offenders == []
