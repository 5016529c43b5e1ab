"""Access by team: every reviews URL that takes an object id is a 404 for another team.

The URL patterns are read from the resolver, so pages added later are covered without
editing this file; a pattern with a kwarg this file cannot fill fails loudly instead.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from questions.models import Question
from reviews.models import Answer, Milestone, Report
from tests import factories
from tests.factories import lens_review_of, version_of


def _walk(patterns, namespace: str | None = None, wanted: str = "reviews"):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            yield from _walk(entry.url_patterns, inner, wanted)
        elif isinstance(entry, URLPattern) and namespace == wanted and entry.name:
            yield entry


def reviews_patterns_with_ids() -> list[URLPattern]:
    return [p for p in _walk(get_resolver().url_patterns) if p.pattern.converters]


@pytest.fixture
def other_team_objects(db):
    """Objects of team B, one of each kind a URL can point to."""
    workload = factories.WorkloadFactory()
    question = Question.objects.filter(pillar__version=version_of(workload)).first()
    review = lens_review_of(workload)
    answer = Answer.objects.create(lens_review=review, question=question, selected=["q0_c0"])
    milestone = Milestone.objects.create(workload=workload, name="Baseline")
    report = Report.objects.create(workload=workload, milestone=milestone)
    from reviews.models import ImprovementItem

    item = ImprovementItem.objects.create(
        lens_review=review,
        workload=workload,
        pillar_ref=question.pillar.ref,
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
    return {
        "consolidated_id": consolidated.pk,
        "item_id": item.pk,
        "workload_id": workload.pk,
        "question_id": question.pk,
        "answer_id": answer.pk,
        "milestone_id": milestone.pk,
        "report_id": report.pk,
        "lens_review_id": review.pk,
        "pk": workload.pk,
    }


def test_the_walk_finds_the_questionnaire_pages():
    names = {p.name for p in reviews_patterns_with_ids()}
    assert {"question", "question_history", "workload_overview", "workload_edit"} <= names


@pytest.mark.parametrize("pattern", reviews_patterns_with_ids(), ids=lambda p: p.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_teams_objects_are_not_found(pattern, method, other_team_objects, client_for):
    # An architect of team A, so a 403 for role reasons cannot hide a missing team check.
    outsider = factories.MembershipFactory(role="architect").user
    missing = set(pattern.pattern.converters) - set(other_team_objects)
    assert not missing, f"teach test_permissions how to build {missing} for {pattern.name}"
    kwargs = {name: other_team_objects[name] for name in pattern.pattern.converters}
    url = reverse(f"reviews:{pattern.name}", kwargs=kwargs)
    before = list(Answer.objects.values_list("pk", "version", "selected"))
    data = {"selected": ["q0_c1"], "version": 0}
    response = getattr(client_for(outsider), method)(url, data)
    assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}"
    assert list(Answer.objects.values_list("pk", "version", "selected")) == before


def test_staff_see_every_team(other_team_objects, client_for):
    admin = factories.UserFactory(is_staff=True)
    url = reverse(
        "reviews:workload_overview", kwargs={"workload_id": other_team_objects["workload_id"]}
    )
    assert client_for(admin).get(url).status_code == 200


def test_lead_reads_questions_but_cannot_save(db, client_for):
    lead = factories.MembershipFactory(role="lead")
    workload = factories.WorkloadFactory(team=lead.team)
    question = Question.objects.filter(pillar__version=version_of(workload)).first()
    url = reverse(
        "reviews:question", kwargs={"workload_id": workload.pk, "question_id": question.pk}
    )
    client = client_for(lead.user)
    page = client.get(url)
    assert page.status_code == 200
    assert "Only architects" in page.content.decode()
    assert client.post(url, {"version": 0, "selected": ["q0_c0"]}).status_code == 403
    assert not Answer.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(other_team_objects, client):
    for pattern in reviews_patterns_with_ids():
        kwargs = {name: other_team_objects[name] for name in pattern.pattern.converters}
        response = client.get(reverse(f"reviews:{pattern.name}", kwargs=kwargs))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- teams, members and invitations (accounts:) -------------------------------------------------
def team_patterns() -> list[URLPattern]:
    """Every accounts URL about one team (the invitation link itself is public and has its own
    tests in tests/accounts/test_invitations.py)."""
    return [
        p
        for p in _walk(get_resolver().url_patterns, wanted="accounts")
        if "team_id" in p.pattern.converters
    ]


# What each role of the team itself may do: the team page for everyone in it; members and
# invitations for leads; renaming and archiving for admins only.
LEAD_REFUSED = {"team_edit", "team_archive"}
ARCHITECT_ALLOWED = {"team_detail"}


@pytest.fixture
def team_objects(db):
    """A team with a lead, an architect and a pending invitation, and the URL kwargs for it."""
    from accounts.invitations import invitation_create
    from reviews.models import GrantedRole

    lead = factories.MembershipFactory(role="lead")
    architect = factories.MembershipFactory(team=lead.team, role="architect")
    invitation, _ = invitation_create(
        actor=lead.user, team=lead.team, email="x@example.com", role=GrantedRole.ARCHITECT
    )
    kwargs = {
        "team_id": lead.team_id,
        "membership_id": architect.pk,
        "invitation_id": invitation.pk,
    }
    return {"lead": lead, "architect": architect, "kwargs": kwargs}


def _team_state():
    from accounts.models import Invitation
    from reviews.models import Membership, Team

    return (
        list(Team.objects.values_list("pk", "name", "archived_at")),
        list(Membership.objects.values_list("pk", "role")),
        list(Invitation.objects.values_list("pk", "token_hash", "revoked_at")),
    )


def test_the_walk_finds_the_team_pages():
    names = {p.name for p in team_patterns()}
    assert {"team_detail", "team_invite", "member_role", "invitation_revoke"} <= names


def _team_url(pattern, kwargs) -> str:
    missing = set(pattern.pattern.converters) - set(kwargs)
    assert not missing, f"teach test_permissions how to build {missing} for {pattern.name}"
    return reverse(
        f"accounts:{pattern.name}", kwargs={k: kwargs[k] for k in pattern.pattern.converters}
    )


@pytest.mark.parametrize("pattern", team_patterns(), ids=lambda p: p.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_teams_lead_gets_404_on_every_team_url(pattern, method, team_objects, client_for):
    outsider = factories.MembershipFactory(role="lead").user
    url = _team_url(pattern, team_objects["kwargs"])
    before = _team_state()
    data = {"role": "lead", "name": "Taken over", "archived": "1", "email": "y@example.com"}
    response = getattr(client_for(outsider), method)(url, data)
    assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}"
    assert _team_state() == before


@pytest.mark.parametrize("pattern", team_patterns(), ids=lambda p: p.name)
@pytest.mark.parametrize("role", ["architect", "lead"])
def test_team_roles_that_may_not_act_get_403(pattern, role, team_objects, client_for):
    user = team_objects[role].user
    url = _team_url(pattern, team_objects["kwargs"])
    before = _team_state()
    data = {"role": "admin", "name": "Taken over", "archived": "1", "email": "y@example.com"}
    response = client_for(user).post(url, data)
    refused = (
        pattern.name not in ARCHITECT_ALLOWED
        if role == "architect"
        else (
            pattern.name in LEAD_REFUSED or pattern.name == "member_role"  # role=admin: admins only
        )
    )
    if refused:
        assert response.status_code == 403, f"{role} POST {url} -> {response.status_code}"
        assert _team_state() == before
    else:
        assert response.status_code != 403, f"{role} POST {url} -> 403"


def test_signed_out_visitors_are_sent_to_sign_in_from_team_urls(team_objects, client):
    for pattern in team_patterns():
        response = client.get(_team_url(pattern, team_objects["kwargs"]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


# --- webhooks (webhooks:) -----------------------------------------------------------------------
def webhook_patterns() -> list[URLPattern]:
    return [
        p for p in _walk(get_resolver().url_patterns, wanted="webhooks") if p.pattern.converters
    ]


@pytest.fixture
def webhook_objects(db):
    """An endpoint of team B with one delivery. Webhooks are for admins only, so even the
    endpoint's own team gets a 404."""
    from webhooks.models import Delivery

    endpoint = factories.EndpointFactory(team=factories.TeamFactory())
    delivery = Delivery.objects.create(endpoint=endpoint, event="milestone.taken", payload={})
    return {"endpoint_id": endpoint.pk, "delivery_id": delivery.pk, "team": endpoint.team}


def _webhook_state():
    from webhooks.models import Delivery, Endpoint

    return (
        list(Endpoint.objects.values_list("pk", "name", "url", "secret", "events", "is_active")),
        list(Delivery.objects.values_list("pk", "status")),
    )


def test_the_walk_finds_the_webhook_pages():
    names = {p.name for p in webhook_patterns()}
    assert {"endpoint_detail", "endpoint_edit", "delivery_resend"} <= names


@pytest.mark.parametrize("pattern", webhook_patterns(), ids=lambda p: p.name)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("same_team", [False, True])
def test_users_who_are_not_admins_get_404_on_every_webhook_url(
    pattern, method, same_team, webhook_objects, client_for
):
    team = webhook_objects["team"] if same_team else factories.TeamFactory()
    user = factories.MembershipFactory(team=team, role="lead").user
    missing = set(pattern.pattern.converters) - set(webhook_objects)
    assert not missing, f"teach test_permissions how to build {missing} for {pattern.name}"
    kwargs = {name: webhook_objects[name] for name in pattern.pattern.converters}
    url = reverse(f"webhooks:{pattern.name}", kwargs=kwargs)
    before = _webhook_state()
    data = {"name": "Taken over", "url": "https://evil.example/", "events": ["item.created"]}
    response = getattr(client_for(user), method)(url, data)
    assert response.status_code == 404, f"{method.upper()} {url} -> {response.status_code}"
    assert _webhook_state() == before


def test_signed_out_visitors_are_sent_to_sign_in_from_webhook_urls(webhook_objects, client):
    for pattern in webhook_patterns():
        kwargs = {name: webhook_objects[name] for name in pattern.pattern.converters}
        response = client.get(reverse(f"webhooks:{pattern.name}", kwargs=kwargs))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
