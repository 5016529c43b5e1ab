from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.factories import UserFactory

User = get_user_model()


def _run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_ensure_admin_creates_one_administrator_and_prints_its_password_once(db, monkeypatch):
    monkeypatch.delenv("ARCHREVIEW_ADMIN_PASSWORD", raising=False)

    first = _run("ensure_admin")
    second = _run("ensure_admin")

    admin = User.objects.get(is_superuser=True)
    password = first.split("password: ")[1].split()[0]
    assert admin.username == "admin"
    assert admin.check_password(password)
    assert "exists already" in second
    assert password not in second
    assert User.objects.count() == 1


def test_ensure_admin_uses_the_password_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("ARCHREVIEW_ADMIN_PASSWORD", "a-chosen-passphrase-77")

    out = _run("ensure_admin")

    assert User.objects.get(is_superuser=True).check_password("a-chosen-passphrase-77")
    assert "a-chosen-passphrase-77" not in out


def test_ensure_admin_leaves_an_existing_administrator_alone(db):
    UserFactory(username="root", is_superuser=True, is_staff=True)

    _run("ensure_admin")

    assert list(User.objects.values_list("username", flat=True)) == ["root"]


def test_ensure_admin_refuses_to_promote_an_ordinary_user_silently(db):
    UserFactory(username="admin")

    with pytest.raises(CommandError, match="not an administrator"):
        _run("ensure_admin")

    assert not User.objects.filter(is_superuser=True).exists()


@pytest.mark.worker
def test_worker_ping_reports_the_worker_that_ran_the_heartbeat(live_worker):
    out = _run("worker_ping", "--timeout", "30")

    assert "ran the heartbeat" in out
    assert "test-" in out  # the live worker's node name


@pytest.mark.worker
def test_worker_ping_fails_clearly_when_no_worker_runs(worker_factory):
    worker_factory()  # purges the test queue; no worker is started

    with pytest.raises(CommandError, match="No worker ran the heartbeat"):
        _run("worker_ping", "--timeout", "1")


def test_prepare_gives_the_new_administrators_password_on_stdout_only_and_only_once(
    db, monkeypatch
):
    monkeypatch.delenv("ARCHREVIEW_ADMIN_PASSWORD", raising=False)
    first_out, first_log, second_out = StringIO(), StringIO(), StringIO()

    call_command("prepare", stdout=first_out, stderr=first_log)
    call_command("prepare", stdout=second_out, stderr=StringIO())

    values = dict(line.split("=", 1) for line in first_out.getvalue().split())
    assert User.objects.get(is_superuser=True).check_password(values["password"])
    assert values["username"] == "admin"
    assert values["password"] not in first_log.getvalue()
    assert "REL 3-5 bank" in first_log.getvalue()
    assert second_out.getvalue() == ""


def test_prepare_names_an_administrator_created_with_the_password_from_the_environment(
    db, monkeypatch
):
    monkeypatch.setenv("ARCHREVIEW_ADMIN_PASSWORD", "a-chosen-passphrase-77")
    out = StringIO()

    call_command("prepare", stdout=out, stderr=StringIO())

    assert out.getvalue().split() == ["username=admin"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("admin", "too short"),
        ("password123", "too common"),
        ("8273649182736", "entirely numeric"),
        ("administrator1", "too similar to the username"),
    ],
)
def test_ensure_admin_refuses_a_weak_password_from_the_environment(
    db, monkeypatch, password, reason
):
    monkeypatch.setenv("ARCHREVIEW_ADMIN_USERNAME", "administrator")
    monkeypatch.setenv("ARCHREVIEW_ADMIN_PASSWORD", password)

    with pytest.raises(CommandError, match="ARCHREVIEW_ADMIN_PASSWORD is refused") as excinfo:
        _run("ensure_admin")

    assert reason in str(excinfo.value)
    assert password not in str(excinfo.value)
    assert not User.objects.exists()
