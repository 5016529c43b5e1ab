"""Every API route, read from the URL resolver (routes added later are covered too):

- with another team's write token, each route that names a team's object is a 404 for
  every method it offers, and nothing changes;
- with a read-only token of the object's own team, every write is a 403.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from api.models import ApiToken
from questions.models import Question
from reviews.models import Answer, ImprovementItem, LensReview, Milestone, Report, Workload
from tests import factories
from tests.factories import lens_review_of, version_of

WRITES = {"post", "put", "patch", "delete"}
# Routes whose id is not a team's object (the bank is shared by every team).
SHARED = {"lens-version-detail", "lens-version-export"}


def _walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and namespace == "api" and entry.name:
            yield entry


def api_routes() -> list[tuple[URLPattern, str]]:
    routes = []
    for pattern in _walk(get_resolver().url_patterns):
        actions = getattr(pattern.callback, "actions", None)
        if actions:  # viewset routes; the schema and docs are plain views
            routes += [(pattern, method) for method in actions]
    return routes


def _kwargs(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex)


@pytest.fixture
def team_b(db):
    """Objects of team B, one of each kind a route can name; ``pk`` per route family."""
    workload = factories.WorkloadFactory()
    question = Question.objects.filter(pillar__version=version_of(workload)).first()
    Answer.objects.create(
        lens_review=lens_review_of(workload), question=question, selected=["q0_c0"]
    )
    milestone = Milestone.objects.create(workload=workload, name="Baseline")
    report = Report.objects.create(workload=workload)
    item = ImprovementItem.objects.create(
        lens_review=lens_review_of(workload),
        workload=workload,
        pillar_ref=question.pillar.ref,
        question_ref=question.ref,
        practice_ref="q0_c1",
        question=question,
        practice_title="Practice",
        risk="MEDIUM",
    )
    member = factories.MembershipFactory(team=workload.team, role="architect").user
    return {
        "workload": workload,
        "member": member,
        "workload_id": workload.pk,
        "lens_review_id": lens_review_of(workload).pk,
        "pk": {
            "lens-review": lens_review_of(workload).pk,
            "workload": workload.pk,
            "team": workload.team_id,
            "report": report.pk,
            "milestone": milestone.pk,
            "lens-version": version_of(workload).pk,
            "question": question.pk,
            "workload-item": item.pk,
        },
    }


def _url(pattern: URLPattern, objects: dict) -> str:
    from django.urls import reverse

    family = pattern.name.rsplit("-", 1)[0]
    kwargs = {}
    for name in _kwargs(pattern):
        if name == "pk":
            assert family in objects["pk"], f"teach test_permissions the pk of {pattern.name}"
            kwargs["pk"] = objects["pk"][family]
        else:
            assert name in objects, f"teach test_permissions how to build {name}"
            kwargs[name] = objects[name]
    return reverse(f"api:{pattern.name}", kwargs=kwargs)


def _state():
    return (
        list(Workload.objects.values_list("pk", "name", "notes", "archived_at")),
        list(Answer.objects.values_list("pk", "version")),
        list(LensReview.objects.values_list("pk", "lens_version_id", "removed_at")),
        Report.objects.count(),
        Milestone.objects.count(),
        list(ImprovementItem.objects.values_list("pk", "owner_id", "status", "notes", "due_date")),
    )


def test_the_walk_finds_the_routes():
    names = {p.name for p, _ in api_routes()}
    assert {"workload-detail", "workload-archive", "report-download", "team-detail"} <= names
    assert {"item-list", "workload-item-list", "workload-item-detail"} <= names


@pytest.mark.parametrize(
    ("pattern", "method"),
    [(p, m) for p, m in api_routes() if _kwargs(p) and p.name not in SHARED],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_another_teams_objects_are_not_found(pattern, method, team_b, api_for):
    # An architect of team A with a write token: a 403 for role or scope cannot hide a missing
    # team check.
    outsider = api_for(factories.MembershipFactory(role="architect").user, "write")
    url = _url(pattern, team_b)
    before = _state()
    response = getattr(outsider, method)(url, {}, content_type="application/json")
    assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}"
    assert response["Content-Type"] == "application/problem+json"
    assert _state() == before


@pytest.mark.parametrize(
    ("pattern", "method"),
    [(p, m) for p, m in api_routes() if m in WRITES],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_a_read_only_token_may_not_write(pattern, method, team_b, api_for):
    # The team's own architect (and an administrator for the bank's routes): only the
    # token's scope forbids the write.
    user = team_b["member"]
    if pattern.name.startswith("lens-version"):
        user = factories.UserFactory(is_staff=True)
    client = api_for(user, "read")
    url = _url(pattern, team_b)
    before = _state()
    response = getattr(client, method)(url, {}, content_type="application/json")
    assert response.status_code == 403, f"{method.upper()} {url} -> {response.status_code}"
    assert "read-only" in response.json()["detail"]
    assert _state() == before
    assert ApiToken.objects.filter(scope="read").count() == 1
