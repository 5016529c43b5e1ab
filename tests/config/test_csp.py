"""Content-Security-Policy and Permissions-Policy on every response, app and admin.

The URL patterns are read from the resolver (app, admin, and whatever is added later), each
filled with the id of a real object of the right kind and fetched as an administrator. Every
response must carry both headers, and every HTML page must hold no inline code the policy would
refuse (so a page that breaks the policy fails here, not only in a browser journey).
"""

from __future__ import annotations

import json
import logging
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from api.services import token_create
from questions.models import Question
from reviews.models import Answer, Milestone, Report
from tests import factories
from tests.factories import lens_review_of, version_of

REQUIRED_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "report-uri /csp-report/",
)
# Scripts of these types are data, never run.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCodeFinder(HTMLParser):
    """Collects what a strict policy refuses: script bodies, style blocks, style and event
    handler attributes, hx-on / hx-vars, htmx trigger filters (eval) and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and "src" not in values:
            kind = (values.get("type") or "").lower()
            self._in_script = None if kind in DATA_SCRIPT_TYPES else self.get_starttag_text()
        if tag == "style":
            self.found.append(f"<style> block: {self.get_starttag_text()}")
        for name, value in attrs:
            value = value or ""
            if name == "style" or name.startswith(("on", "hx-on", "data-hx-on")):
                self.found.append(f"{name}= attribute on <{tag}>: {value[:80]}")
            elif name in ("hx-vars", "data-hx-vars") or value.lstrip().startswith(
                ("js:", "javascript:")
            ):
                self.found.append(f"{name}= runs code on <{tag}>: {value[:80]}")
            elif name in ("hx-trigger", "data-hx-trigger") and "[" in value:
                self.found.append(f"hx-trigger filter (needs eval) on <{tag}>: {value[:80]}")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline script: {self._in_script} {data.strip()[:80]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix, entry


def all_routes() -> list[tuple[str, URLPattern]]:
    return list(_walk(get_resolver().url_patterns))


# The path segment before an id names the kind of object it points to.
APP_SEGMENTS = {
    "workloads": "workload",
    "questions": "question",
    "milestones": "milestone",
    "reports": "report",
    "teams": "team",
    "lens-versions": "lens_version",
    "api-tokens": "api_token",
    "lens-reviews": "lens_review",
    "items": "item",
}
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@pytest.fixture
def objects(db):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    workload = factories.WorkloadFactory()
    question = Question.objects.filter(pillar__version=version_of(workload)).first()
    Answer.objects.create(
        lens_review=lens_review_of(workload), question=question, selected=["q0_c0"]
    )
    milestone = Milestone.objects.create(workload=workload, name="Baseline")
    report = Report.objects.create(workload=workload, milestone=milestone)
    Group.objects.create(name="Reviewers")
    from accounts.invitations import invitation_create
    from reviews.models import GrantedRole

    member = factories.MembershipFactory(team=workload.team, role="architect")
    invitation, token = invitation_create(
        actor=admin, team=workload.team, email="x@example.com", role=GrantedRole.ARCHITECT
    )
    from reviews.models import ImprovementItem

    item = ImprovementItem.objects.create(
        lens_review=factories.lens_review_of(workload),
        workload=workload,
        pillar_ref="pillar",
        question_ref=question.ref,
        practice_ref="q0_c1",
        question=question,
        practice_title="Practice",
        risk="HIGH",
    )
    from reviews.models import ConsolidatedReport

    consolidated = ConsolidatedReport.objects.create(
        team=workload.team, workload_ids=[workload.pk], status=ConsolidatedReport.Status.FAILED
    )
    endpoint = factories.EndpointFactory()
    delivery = endpoint.deliveries.create(event="ping", payload={"type": "ping"})
    return {
        "admin": admin,
        "team": workload.team_id,
        "membership": member.pk,
        "invitation": invitation.pk,
        "token": token,
        "provider": "sso",  # single sign-on (not configured here: a 404)
        "workload": workload.pk,
        "question": question.pk,
        "milestone": milestone.pk,
        "report": report.pk,
        "content_type": ContentType.objects.get_for_model(workload).pk,
        "endpoint": endpoint.pk,
        "item": item.pk,
        "consolidated": consolidated.pk,
        "delivery": delivery.pk,
        "lens_version": version_of(workload).pk,
        "lens_review": lens_review_of(workload).pk,
        "api_token": token_create(user=admin, name="csp", scope="read")[0].pk,
    }


def concrete_path(prefix: str, pattern: URLPattern, objects: dict) -> str:
    """The pattern's path with every parameter filled with an id of the right kind."""
    if isinstance(pattern.pattern, RegexPattern):
        regex = pattern.pattern.regex.pattern
        if "app_label" in regex:  # the admin's per-app index
            return "/" + prefix + "questions/"
        if regex == "(?P<url>.*)$":  # the admin's catch-all: an unknown admin page
            return "/" + prefix + "no-such-page/"
        if "uidb36" in regex:  # allauth's password-reset link
            return "/" + prefix + "password/reset/key/1-not-a-key/"
        if regex.startswith("^confirm-email/"):  # allauth's e-mail confirmation link
            return "/" + prefix + "confirm-email/not-a-key/"
        raise AssertionError(f"teach test_csp how to fill the regex {regex!r}")
    route = prefix + str(pattern.pattern)

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        before = route[: match.start()].rstrip("/").split("/")
        if route.startswith("admin/r/"):  # the admin's "view on site" redirect
            return str(objects["content_type" if name == "content_type_id" else "workload"])
        if before[0] == "admin" and len(before) >= 3 and name in ("object_id", "pk", "id"):
            model = apps.get_model(before[1], before[2])
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            return str(first if first is not None else 999_999)
        kind = APP_SEGMENTS.get(before[-1]) if name in ("pk", "id") else None
        kind = kind or name.removesuffix("_id")
        if kind not in objects:
            raise AssertionError(f"teach test_csp how to fill <{name}> in {route}")
        return str(objects[kind])

    return "/" + CONVERTER.sub(fill, route)


def assert_policies(response, path: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    for directive in REQUIRED_DIRECTIVES:
        assert directive in policy, f"{path}: no {directive!r} in {policy!r}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), path


def test_the_walk_covers_the_app_and_the_admin():
    routes = {prefix + str(p.pattern) for prefix, p in all_routes()}
    assert "workloads/<int:workload_id>/questions/<int:question_id>/" in routes
    assert "admin/questions/lensversion/<int:pk>/compare/" in routes


def test_every_page_carries_the_policy_and_no_inline_code(objects):
    client = Client()
    client.force_login(objects["admin"])
    html_pages = 0
    problems: list[str] = []
    for prefix, pattern in all_routes():
        path = concrete_path(prefix, pattern, objects)
        response = client.get(path)
        assert_policies(response, path)
        if response.get("Content-Type", "").startswith("text/html") and not getattr(
            response, "streaming", False
        ):
            html_pages += 1
            problems += [f"{path}: {found}" for found in inline_code(response.content.decode())]
    assert not problems, "\n".join(problems)
    assert html_pages > 40  # app and admin pages really rendered, not only redirects


@pytest.mark.urls("tests.config.error_urls")
@pytest.mark.parametrize("path", ["/no/such/page/", "/test-errors/403/", "/test-errors/500/"])
def test_error_pages_carry_the_policy_and_no_inline_code(db, settings, path):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(factories.UserFactory())
    response = client.get(path)
    assert response.status_code >= 400
    assert_policies(response, path)
    assert not inline_code(response.content.decode())


def test_the_signed_out_login_page_carries_the_policy(db, client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_policies(response, "/accounts/login/")
    assert not inline_code(response.content.decode())


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">',
        '<button onclick="go()">',
        '<form hx-on:submit="go()">',
        '<a href="javascript:go()">',
        '<div hx-trigger="keyup[ctrlKey]">',
        '<div hx-vals="js:{a: go()}">',
    ],
)
def test_the_inline_code_finder_catches_what_the_policy_refuses(html):
    assert inline_code(html)


def test_the_inline_code_finder_allows_files_and_data():
    html = (
        '<script src="/static/js/app.js"></script><link rel="stylesheet" href="/a.css">'
        '<script type="application/json" id="x">{"a": 1}</script>'
        '<div hx-trigger="change, archreview:typed delay:1s" hx-headers=\'{"X": "1"}\'>'
    )
    assert inline_code(html) == []


# --- the report endpoint ---------------------------------------------------------------------
REPORT = {
    "csp-report": {
        "document-uri": "https://review.example.com/workloads/",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "blocked-uri": "inline",
        "source-file": "https://review.example.com/workloads/",
        "line-number": 12,
        "original-policy": "default-src 'self'",
    }
}


def test_a_violation_report_is_logged(client, caplog):
    caplog.set_level(logging.WARNING, logger="archreview.csp")
    response = client.post(
        "/csp-report/", json.dumps(REPORT), content_type="application/csp-report"
    )
    assert response.status_code == 204
    (record,) = [r for r in caplog.records if r.name == "archreview.csp"]
    logged = json.loads(record.getMessage().removeprefix("CSP violation: "))
    assert logged["violated-directive"] == "style-src-attr"
    assert logged["document-uri"] == "https://review.example.com/workloads/"
    assert "original-policy" not in logged  # only the fields worth a log line


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[" * 5_000 + b"]" * 5_000, b'{"csp-report": "x"}', b"{}", b"[]"],
    ids=["garbage", "deep", "string", "empty", "list"],
)
def test_a_malformed_report_is_refused_without_logging(client, caplog, body):
    caplog.set_level(logging.WARNING, logger="archreview.csp")
    response = client.post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.name == "archreview.csp"]


def test_an_oversized_report_is_refused(client):
    body = json.dumps({"csp-report": {"blocked-uri": "x" * 20_000}})
    response = client.post("/csp-report/", body, content_type="application/csp-report")
    assert response.status_code == 413


def test_long_fields_are_cut_short(client, caplog):
    caplog.set_level(logging.WARNING, logger="archreview.csp")
    report = {"csp-report": {"blocked-uri": "x" * 5_000}}
    client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")
    (record,) = [r for r in caplog.records if r.name == "archreview.csp"]
    assert len(record.getMessage()) < 400
