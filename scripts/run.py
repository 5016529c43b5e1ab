"""`make run`: prepare and serve archreview quietly; the detail goes to var/log/run.log.

Standard library only: the first step creates the virtualenv everything else runs in.

Steps print one progress line each; the URL and the first administrator's credentials come last,
in a box, once the server answers. Ctrl-C stops the web server and the worker and exits 0.

Why the process-group dance: a Ctrl-C in a terminal signals the whole foreground process group,
`make` included, and GNU make re-raises SIGINT on itself after its recipe ends (exit 130 and
"make: *** ... Interrupt") whatever the recipe returns. So this script moves itself and its
children into their own process group and makes that the terminal's foreground group; only
they see the Ctrl-C, and `make` sees a recipe that exited 0. honcho runs each process in its own
session and stops them all with SIGTERM (graceful for gunicorn and Celery); honcho's own exit
code after a signal is 130 by design, which is why this script decides the final status.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
LOG = VAR / "log" / "run.log"
PYTHON = ROOT / ".venv" / "bin" / "python"
MAKE = os.environ.get("MAKE", "make")
PORT = os.environ.get("PORT", "8000")
SERVE_DEADLINE = 120.0  # seconds for gunicorn to answer /healthz after start


class StepFailed(Exception):
    pass


class Terminated(KeyboardInterrupt):
    """SIGTERM to this script: stop like a Ctrl-C (honcho did not get the signal itself)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated


def _private_log():
    """Open the run log for this start (owner-only, replaced each time)."""
    LOG.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(LOG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "w", buffering=1, encoding="utf-8")


def _tail(lines: int = 20) -> str:
    try:
        text = LOG.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


class Runner:
    def __init__(self, log) -> None:
        self.log = log
        self.number = 0

    def step(self, title: str, command: list[str], *, note: str = "") -> str:
        """Run one step with its output in the log; print a line with its outcome and time."""
        self.number += 1
        print(f"  [{self.number}/5] {title}{(' ' + note) if note else ''} ...", end=" ", flush=True)
        self.log.write(f"\n=== {title}: {' '.join(command)}\n")
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - our own fixed commands
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=self.log, text=True, check=False
        )
        self.log.write(result.stdout if not title.startswith("Database") else "")
        if result.returncode != 0:
            print("failed")
            raise StepFailed(title)
        print(f"done ({time.monotonic() - started:.1f} s)")
        return result.stdout


def _take_the_terminal() -> tuple[int, int] | None:
    """Become the terminal's foreground process group; return (tty fd, previous group)."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return None
    try:
        previous = os.tcgetpgrp(tty)
        if previous != os.getpgrp():
            os.close(tty)
            return None  # started in the background: leave the terminal alone
        os.setpgid(0, 0)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # we write to the tty while switching
        os.tcsetpgrp(tty, os.getpgrp())
    except OSError:
        os.close(tty)
        return None
    return tty, previous


def _give_back_the_terminal(taken: tuple[int, int] | None) -> None:
    if taken is None:
        return
    tty, previous = taken
    with contextlib.suppress(OSError):
        os.tcsetpgrp(tty, previous)
    os.close(tty)


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _box(lines: list[str]) -> str:
    try:
        "┌".encode(sys.stdout.encoding or "ascii")
        tl, tr, bl, br, h, v = "┌", "┐", "└", "┘", "─", "│"
    except (UnicodeEncodeError, LookupError):
        tl, tr, bl, br, h, v = "+", "+", "+", "+", "-", "|"
    width = max(len(line) for line in lines) + 2
    body = [f"{v} {line.ljust(width - 2)} {v}" for line in lines]
    return "\n".join([tl + h * width + tr, *body, bl + h * width + br])


def _credentials_lines(output: str) -> list[str]:
    values = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    if "password" in values:
        return [
            f"First administrator: {values.get('username', 'admin')}",
            f"Password:            {values['password']}",
            "Shown this once only: write it down, change it after signing in.",
        ]
    if "username" in values:
        return [
            f"First administrator: {values['username']}",
            "Password:            the one in ARCHREVIEW_ADMIN_PASSWORD",
        ]
    return [
        "Administrator: exists already (password not shown again).",
        "Lost it? .venv/bin/python manage.py changepassword admin",
    ]


def main() -> int:
    VAR.mkdir(exist_ok=True, mode=0o700)
    url = f"http://127.0.0.1:{PORT}/"
    taken = _take_the_terminal()
    signal.signal(signal.SIGTERM, _on_sigterm)
    honcho = None
    log = _private_log()
    runner = Runner(log)
    print(f"archreview: make run (details in {LOG.relative_to(ROOT)})", flush=True)
    make = [MAKE, "--no-print-directory", "-s"]
    try:
        first = not (ROOT / ".venv" / ".installed").exists()
        runner.step(
            "Python packages",
            [*make, "install"],
            note="(first start: installing, a few minutes)" if first else "",
        )
        runner.step("Secret key and static files", [*make, "static"])
        credentials = runner.step(
            "Database: migrations, REL 3-5 bank, administrator",
            [str(PYTHON), "manage.py", "prepare"],
        )
        runner.number += 1
        print(f"  [{runner.number}/5] Web server and worker (port {PORT}) ...", end=" ", flush=True)
        log.write(f"\n=== Web server and worker: honcho start --port {PORT}\n")
        started = time.monotonic()
        honcho = subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "honcho"), "start", "--no-colour", "--port", PORT],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = started + SERVE_DEADLINE
        while not _serving(url):
            if honcho.poll() is not None or time.monotonic() > deadline:
                print("failed")
                raise StepFailed(f"the web server did not start (is port {PORT} free?)")
            time.sleep(0.1)
        print(f"done ({time.monotonic() - started:.1f} s)")
        runner.number += 1
        print(f"  [{runner.number}/5] Ready.")
        print(
            _box(
                [
                    f"archreview is running at {url}",
                    *_credentials_lines(credentials),
                    f"Logs: {LOG.relative_to(ROOT)}   Stop: Ctrl-C",
                ]
            ),
            flush=True,
        )
        honcho.wait()
        print(f"The web server or the worker stopped. Last lines of {LOG.relative_to(ROOT)}:")
        print(_tail())
        return 1
    except StepFailed as failure:
        print(f"archreview could not start: {failure}. Last lines of {LOG.relative_to(ROOT)}:")
        print(_tail())
        return 1
    except KeyboardInterrupt as stop:
        if honcho is None:
            print("\nInterrupted before the server started; `make run` again carries on.")
            return 130
        print("\nStopping the web server and the worker ...", end=" ", flush=True)
        if isinstance(stop, Terminated):
            honcho.terminate()
        # On a Ctrl-C honcho got the same SIGINT and stops its processes itself.
        with contextlib.suppress(KeyboardInterrupt):
            try:
                honcho.wait(timeout=30)
            except subprocess.TimeoutExpired:
                honcho.kill()
                honcho.wait()
        print("stopped.")
        return 0
    finally:
        if honcho is not None and honcho.poll() is None:
            honcho.terminate()
            honcho.wait()
        log.close()
        _give_back_the_terminal(taken)


if __name__ == "__main__":
    sys.exit(main())
