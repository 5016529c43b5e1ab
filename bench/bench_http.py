"""Benchmark: the answer path and the dashboard over HTTP, beside bare reference views (issue 12).

    make bench                      # every bench script
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/archreview_bench SECRET_KEY=bench-only \
        ARCHREVIEW_TESTING=1 .venv/bin/python bench/bench_http.py   # 5 rounds of 3 s

Builds a scratch PostgreSQL database beside DATABASE_URL's (its name + ``_http``, re-created
each run and dropped at the end): the REL 3-5 bank and three imported lenses, 10 architects
each with their own REL 3-5 workload and their own 42-question (Cognito lens) workload, and
two leads' teams for the dashboard, 10,000 and 100 workloads reviewed with three lenses each
(bulk inserts with exact stored counts), then VACUUM ANALYZE as autovacuum would. It serves
that database with gunicorn (2 sync workers, ``--preload`` as in the Procfile) on a loopback
port with ``bench.settings`` (the product's settings and URLs plus the bare views of
``bench/reference_views.py``), and drives it from 10 threads, one HTTP connection and one
signed-in user each, in interleaved rounds of fixed duration:

- htmx autosave: the POST the questionnaire's form makes (every field the page sends, its CSRF
  token and version, the htmx headers), each one a real write: the practices and the notes
  change every time, and the response must be 200 with the answer's version one higher;
- bare UPDATE: session auth + one UPDATE of an answer (its notes and version), same middleware;
- question page GET, REL 3-5 and the 42-question lens, and bare SELECT: session auth + one
  SELECT + a small template;
- the dashboard as a lead, one request at a time, at 100 and at 10,000 workloads alternately.

Prints requests per second and median latency per figure, the ratios against the reference
views with PASS/MISS for each target, and the load average. Exits 1 when the dashboard misses
its targets (median <= 100 ms at 10,000 workloads, <= 1.5x its median at 100, the pinned query
count at both) or when any response fails its check; the other ratios only print MISS.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dj_database_url  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.ensure_database import server_connection  # noqa: E402

LENSES = ROOT / "tests" / "reviews" / "data" / "lenses"
CONNECTIONS = 10
DASHBOARD_BUDGET = 0.100  # seconds, median at 10,000 workloads
DASHBOARD_RATIO = 1.5  # at most this times its median at 100 workloads
TARGETS = {  # figure -> (reference, minimum ratio of throughputs)
    "htmx autosave": ("bare UPDATE", 0.5),
    "question page, REL 3-5": ("bare SELECT + template", 0.5),
    "question page, 42 questions": ("bare SELECT + template", 0.4),
}


def scratch_database(url: str) -> str:
    """Drop and create ``<name>_http`` beside ``url``'s database; return its URL."""
    name = f"{dj_database_url.parse(url)['NAME']}_http"
    with server_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    with server_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(dj_database_url.parse(url)["NAME"])
            )
        )


# --- data, built in this process before the server starts ------------------------------------


@dataclass
class Slot:
    """One connection's user and rows."""

    cookies: dict[str, str]
    rel_workload: int = 0
    rel_question: int = 0
    big_workload: int = 0
    big_question: int = 0
    bare_answer: int = 0


@dataclass
class Data:
    slots: list[Slot] = field(default_factory=list)
    lead_big: dict[str, str] = field(default_factory=dict)
    lead_small: dict[str, str] = field(default_factory=dict)
    dashboard_queries: dict[int, int] = field(default_factory=dict)
    expected_queries: int = 0
    setup_seconds: float = 0.0


def build(workloads: int) -> Data:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from questions.banks import load_rel_bank
    from questions.importer import lens_import
    from questions.models import Question
    from reviews.models import Answer, LensReview, Membership, Team
    from tests.factories import UserFactory
    from tests.reviews.dashboard_data import populate_workloads
    from tests.reviews.test_dashboard import DASHBOARD_QUERIES

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    def imported(name: str):
        return lens_import(data=(LENSES / name).read_bytes(), publish=True).version

    rel = load_rel_bank()
    orr, connect, cognito = (
        imported(n)
        for n in ["orr-whitepaper-sample.json", "connect-reliability.json", "cognito-v1.0.json"]
    )

    def session_of(user) -> dict[str, str]:
        client = Client()
        client.force_login(user)
        return {"sessionid": client.cookies[settings.SESSION_COOKIE_NAME].value}

    def middle_question(version) -> int:
        ids = list(
            Question.objects.filter(pillar__version=version)
            .order_by("pillar__order", "order", "pk")
            .values_list("pk", flat=True)
        )
        return ids[len(ids) // 2]

    data = Data(expected_queries=DASHBOARD_QUERIES)
    team = Team.objects.create(name="HTTP bench architects")
    rel_workloads = populate_workloads(team=team, version=rel, count=CONNECTIONS, prefix="REL")
    big_workloads = populate_workloads(
        team=team, version=cognito, count=CONNECTIONS, prefix="Cognito"
    )
    rel_question, big_question = middle_question(rel), middle_question(cognito)
    for i in range(CONNECTIONS):
        user = UserFactory(username=f"http-bench-{i}")
        Membership.objects.create(user=user, team=team, role="architect")
        review = LensReview.objects.get(workload=rel_workloads[i])
        # The bare UPDATE writes another answer of the same workload than the autosave's.
        bare = Answer.objects.filter(lens_review=review).exclude(question_id=rel_question).first()
        if bare is None:
            other = Question.objects.filter(pillar__version=rel).exclude(pk=rel_question).first()
            bare = Answer.objects.create(lens_review=review, question=other, selected=[])
        data.slots.append(
            Slot(
                cookies=session_of(user),
                rel_workload=rel_workloads[i].pk,
                rel_question=rel_question,
                big_workload=big_workloads[i].pk,
                big_question=big_question,
                bare_answer=bare.pk,
            )
        )

    for count, attribute in [(workloads, "lead_big"), (100, "lead_small")]:
        lead_team = Team.objects.create(name=f"Dashboard {count}")
        lead = UserFactory(username=f"dashboard-lead-{count}")
        Membership.objects.create(user=lead, team=lead_team, role="lead")
        populate_workloads(team=lead_team, versions=[rel, orr, connect], count=count)
        setattr(data, attribute, session_of(lead))
        client = Client()
        client.force_login(lead)
        client.get("/", {"sort": "score"})
        reset_queries()  # request_started empties the log: start from an empty one
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/", {"sort": "score"})
        data.dashboard_queries[count] = len(queries)
        assert f"{count} workloads" in response.content.decode(), "dashboard total"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connections.close_all()
    data.setup_seconds = time.perf_counter() - started
    return data


# --- the load generator ----------------------------------------------------------------------


class FormFields(HTMLParser):
    """What a browser submits for the form ``form_id`` (inputs, checked boxes, textareas,
    selects), and every value each checkbox name offers."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.offered: dict[str, list[str]] = {}
        self._textarea: list[str] | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                self.offered.setdefault(name, []).append(a.get("value") or "on")
                if "checked" not in a:
                    return
            self.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "selected": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["selected"] = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea[0], self._textarea[1]))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            value = self._select["selected"] or self._select["first"]
            if value is not None:
                self.fields.append((self._select["name"], value))
            self._select = None


VERSION_INPUT = re.compile(r'<input[^>]*id="answer-version"[^>]*>')
VALUE = re.compile(r'value="(\d+)"')


def version_in(html: str) -> int | None:
    tag = VERSION_INPUT.search(html)
    value = VALUE.search(tag.group(0)) if tag else None
    return int(value.group(1)) if value else None


class Connection:
    """One client: an HTTP connection (re-opened when the sync worker closes it) and cookies."""

    def __init__(self, port: int, cookies: dict[str, str]) -> None:
        self.port = port
        self.cookies = dict(cookies)
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.csrf = ""
        self.form: list[tuple[str, str]] = []
        self.practices: list[str] = []
        self.version = 0
        self.saves = 0

    def request(
        self, method: str, path: str, body: list[tuple[str, str]] | None = None, **headers: str
    ) -> tuple[int, str]:
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **headers}
        payload = None
        if body is not None:
            payload = urlencode(body).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        self.http.request(method, path, body=payload, headers=head)
        response = self.http.getresponse()
        text = response.read().decode()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self.http.close()
        return response.status, text


class CheckFailed(Exception):
    pass


def question_path(workload: int, question: int) -> str:
    return f"/workloads/{workload}/questions/{question}/"


def open_question(conn: Connection, slot: Slot) -> None:
    """GET the REL question page as the browser does first: CSRF cookie and token, the form's
    fields, the practices offered and the answer's version."""
    status, html = conn.request("GET", question_path(slot.rel_workload, slot.rel_question))
    if status != 200:
        raise CheckFailed(f"question page: HTTP {status}")
    form = FormFields("answer-form")
    form.feed(html)
    conn.form = form.fields
    conn.practices = form.offered.get("selected", [])
    conn.csrf = dict(form.fields).get("csrfmiddlewaretoken", "")
    conn.version = int(dict(form.fields).get("version") or 0)
    if not (conn.csrf and conn.practices):
        raise CheckFailed("question page: no CSRF token or no practices in the form")


def autosave(conn: Connection, slot: Slot) -> None:
    conn.saves += 1
    n = conn.saves
    # Two different answers in turn, and new notes: every save changes the answer.
    selected = conn.practices[: 1 + n % 2]
    body = [(k, v) for k, v in conn.form if k not in ("selected", "notes", "version")]
    body += [("version", str(conn.version)), ("notes", f"save {n}")]
    body += [("selected", ref) for ref in selected]
    path = question_path(slot.rel_workload, slot.rel_question)
    status, html = conn.request(
        "POST",
        path,
        body,
        **{
            "HX-Request": "true",
            "HX-Current-URL": f"http://127.0.0.1:{conn.port}{path}",
            "HX-Target": "save-status",
            "HX-Trigger": "answer-form",
        },
    )
    version = version_in(html)
    if status != 200 or version is None or version <= conn.version:
        raise CheckFailed(f"autosave: HTTP {status}, version {conn.version} -> {version}")
    conn.version = version


def bare_update(conn: Connection, slot: Slot) -> None:
    conn.saves += 1
    body = [("csrfmiddlewaretoken", conn.csrf), ("notes", f"bare {conn.saves}")]
    status, text = conn.request("POST", f"/__bench__/update/{slot.bare_answer}/", body)
    if status != 200 or text != "saved":
        raise CheckFailed(f"bare update: HTTP {status} {text[:80]!r}")


def page(path_of: Callable[[Slot], str], marker: str) -> Callable[[Connection, Slot], None]:
    def get(conn: Connection, slot: Slot) -> None:
        status, html = conn.request("GET", path_of(slot))
        if status != 200 or marker not in html:
            raise CheckFailed(f"GET {path_of(slot)}: HTTP {status}")

    return get


SCENARIOS: dict[str, tuple[int, Callable[[Connection, Slot], None]]] = {
    "bare UPDATE": (CONNECTIONS, bare_update),
    "htmx autosave": (CONNECTIONS, autosave),
    "bare SELECT + template": (
        CONNECTIONS,
        page(lambda s: f"/__bench__/select/{s.rel_workload}/", "<h1>"),
    ),
    "question page, REL 3-5": (
        CONNECTIONS,
        page(lambda s: question_path(s.rel_workload, s.rel_question), 'id="answer-form"'),
    ),
    "question page, 42 questions": (
        CONNECTIONS,
        page(lambda s: question_path(s.big_workload, s.big_question), 'id="answer-form"'),
    ),
    "bare UPDATE, 1 connection": (1, bare_update),
    "htmx autosave, 1 connection": (1, autosave),
}


@dataclass
class Tally:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0


def run_phase(
    conns: list[Connection],
    slots: list[Slot],
    action: Callable[[Connection, Slot], None],
    seconds: float,
    tally: Tally | None,
    errors: list[str],
) -> None:
    """Every connection repeats ``action`` for ``seconds``; requests started before the end
    are finished and counted."""
    start_line = threading.Barrier(len(conns) + 1)
    latencies: list[list[float]] = [[] for _ in conns]
    ends = [0.0] * len(conns)
    deadline = [0.0]

    def worker(i: int) -> None:
        start_line.wait()
        try:
            while time.perf_counter() < deadline[0]:
                t = time.perf_counter()
                action(conns[i], slots[i])
                latencies[i].append(time.perf_counter() - t)
        except Exception as error:  # noqa: BLE001 - reported, and the run fails
            errors.append(f"{action.__name__}: {error}")
        ends[i] = time.perf_counter()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(conns))]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    if tally is not None:
        tally.requests += sum(len(x) for x in latencies)
        tally.seconds += max(ends) - started
        tally.latencies.extend(x for xs in latencies for x in xs)


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--preload",
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--no-control-socket",
    ]
    # Our own interpreter and fixed arguments; the port is a number we picked.
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/healthz")
            if probe.getresponse().status in (200, 503):
                return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per figure per round")
    parser.add_argument("--workloads", type=int, default=10_000, help="dashboard's big team")
    parser.add_argument("--dashboard-requests", type=int, default=15, help="per size per round")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    url = scratch_database(os.environ["DATABASE_URL"])
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    print(f"scratch database {dj_database_url.parse(url)['NAME']}; {load()}")
    server = None
    try:
        data = build(args.workloads)
        print(
            f"data built in {data.setup_seconds:.1f} s: {CONNECTIONS} architects, each with a "
            f"REL 3-5 and a 42-question workload; dashboards of {args.workloads:,} and 100 "
            "workloads x 3 lenses"
        )
        port = free_port()
        server = start_server(url, port)
        conns = [Connection(port, slot.cookies) for slot in data.slots]
        for conn, slot in zip(conns, data.slots, strict=True):
            open_question(conn, slot)
        errors: list[str] = []
        tallies = {name: Tally() for name in SCENARIOS}
        for n, action in SCENARIOS.values():  # warm both workers
            run_phase(conns[:n], data.slots[:n], action, 0.5, None, errors)
        dashboard = {args.workloads: [], 100: []}
        boards = {
            args.workloads: Connection(port, data.lead_big),
            100: Connection(port, data.lead_small),
        }
        params = [{"sort": "score"}, {"sort": "-high", "page": 3}, {"sort": "name"}]
        names = list(SCENARIOS)
        loads = [os.getloadavg()[0]]
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                n, action = SCENARIOS[name]
                run_phase(conns[:n], data.slots[:n], action, args.seconds, tallies[name], errors)
            for i in range(args.dashboard_requests + (1 if r == 0 else 0)):
                for size, conn in boards.items():
                    t = time.perf_counter()
                    status, html = conn.request("GET", "/?" + urlencode(params[i % 3]))
                    elapsed = time.perf_counter() - t
                    if status != 200 or f"{size} workloads" not in html:
                        errors.append(f"dashboard {size}: HTTP {status}")
                    if r or i:  # the first request of each size warms its worker
                        dashboard[size].append(elapsed)
            loads.append(os.getloadavg()[0])
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            drop_database(url)

    print(
        f"\ngunicorn, 2 sync workers, {CONNECTIONS} connections (one user and workload each), "
        f"{args.rounds} interleaved rounds of {args.seconds:g} s per figure:"
    )
    for name, tally in tallies.items():
        print(
            f"  {name:<30} {tally.rate:7.1f} req/s   p50 {tally.p50_ms:6.1f} ms   "
            f"({tally.requests} requests)"
        )
    print("ratios (throughput against the reference view in the same run):")
    for name, (reference, minimum) in TARGETS.items():
        ratio = tallies[name].rate / tallies[reference].rate if tallies[reference].rate else 0
        verdict = "PASS" if ratio >= minimum else "MISS"
        print(f"  {name:<30} {ratio:5.2f}x {reference:<24} target >= {minimum}x  {verdict}")
    one = tallies["htmx autosave, 1 connection"]
    one_ref = tallies["bare UPDATE, 1 connection"]
    print(
        f"  {'htmx autosave, 1 connection':<30} "
        f"{(one.rate / one_ref.rate if one_ref.rate else 0):5.2f}x bare UPDATE, 1 connection"
    )

    big, small = (statistics.median(dashboard[s]) for s in (args.workloads, 100))
    ratio = big / small if small else float("inf")
    queries_ok = all(n == data.expected_queries for n in data.dashboard_queries.values())
    print(
        f"dashboard as a lead, one request at a time ({len(dashboard[100])} per size, "
        "alternating sizes): "
        f"median {big * 1000:.1f} ms (min {min(dashboard[args.workloads]) * 1000:.1f}) at "
        f"{args.workloads:,} workloads x 3 lenses, {small * 1000:.1f} ms "
        f"(min {min(dashboard[100]) * 1000:.1f}) at 100; queries "
        + ", ".join(f"{n} at {size:,}" for size, n in data.dashboard_queries.items())
    )
    checks = [
        (f"median <= {DASHBOARD_BUDGET * 1000:.0f} ms", big <= DASHBOARD_BUDGET),
        (f"<= {DASHBOARD_RATIO}x the 100-workload median ({ratio:.2f}x)", ratio <= DASHBOARD_RATIO),
        (f"{data.expected_queries} queries at both sizes", queries_ok),
    ]
    for label, ok in checks:
        print(f"  dashboard {label:<44} {'PASS' if ok else 'MISS'}")
    print(f"load average (1 min) during the rounds: {min(loads):.2f}-{max(loads):.2f}; {load()}")
    if errors:
        print(f"FAILED CHECKS ({len(errors)}):", *sorted(set(errors))[:10], sep="\n  ")
        return 1
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
