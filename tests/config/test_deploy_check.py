from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

# The production variables documented in README.md ("Deploying").
PRODUCTION_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "review.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://review.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_PROXY_SSL_HEADER": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
}


def _check_deploy(tmp_path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Start from a clean slate: nothing from the test run leaks into "production".
        if key not in {"ARCHREVIEW_TESTING", "DEBUG", "SECRET_KEY", *PRODUCTION_ENV}
    }
    env.update(SECRET_KEY=secrets.token_urlsafe(64), ARCHREVIEW_VAR_DIR=str(tmp_path), **extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warnings_with_the_documented_production_variables(tmp_path):
    result = _check_deploy(tmp_path, PRODUCTION_ENV)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_check_deploy_warns_when_https_settings_are_left_out(tmp_path):
    result = _check_deploy(tmp_path, {"DEBUG": "false", "ALLOWED_HOSTS": "review.example.com"})

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W004" in output  # SECURE_HSTS_SECONDS
    assert "security.W008" in output  # SECURE_SSL_REDIRECT
