"""Workloads: list, create, edit, archive; names unique within a team; leads read only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import Workload
from tests import factories
from tests.factories import lens_review_of, version_of

pytestmark = pytest.mark.django_db


def valid_data(team, version, **overrides):
    data = {
        "name": "Payments",
        "description": "Card payments for the shop",
        "team": team.pk,
        "environment": "PREPRODUCTION",
        "lens_version": version.pk,
        "regions": " eu-west-1 ,eu-west-1, us-east-1,, ",
        "review_owner": "Ada",
        "architectural_design": "https://wiki.example.com/payments",
        "industry": "Retail",
        "notes": "First review",
    }
    data.update(overrides)
    return data


def test_new_workload_form_defaults_to_the_rel_lens(rel_bank, architect, client_for):
    factories.make_bank(questions=2)  # another published lens, created later
    response = client_for(architect).get(reverse("reviews:workload_new"))
    assert response.status_code == 200
    assert response.context["form"]["lens_version"].value() == rel_bank.pk


def test_architect_creates_a_workload_with_every_field(architect, client_for):
    version = factories.make_bank()
    team = architect.memberships.get().team
    response = client_for(architect).post(
        reverse("reviews:workload_new"), valid_data(team, version)
    )
    assert response.status_code == 302
    workload = Workload.objects.get()
    assert (workload.team, version_of(workload), workload.created_by) == (team, version, architect)
    assert workload.regions == ["eu-west-1", "us-east-1"]
    assert workload.environment == "PREPRODUCTION"
    assert workload.architectural_design == "https://wiki.example.com/payments"


def test_duplicate_name_in_the_same_team_is_a_form_error(architect, client_for):
    team = architect.memberships.get().team
    existing = factories.WorkloadFactory(team=team, name="Payments")
    response = client_for(architect).post(
        reverse("reviews:workload_new"), valid_data(team, version_of(existing), name="payments")
    )
    assert response.status_code == 400
    assert "already exists in this team" in response.content.decode()
    assert Workload.objects.count() == 1


def test_same_name_in_another_team_is_allowed(architect, client_for):
    team = architect.memberships.get().team
    other = factories.WorkloadFactory(name="Payments")
    response = client_for(architect).post(
        reverse("reviews:workload_new"), valid_data(team, version_of(other))
    )
    assert response.status_code == 302
    assert Workload.objects.filter(name="Payments").count() == 2


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "ab", "at least 3 characters"),
        ("name", "x" * 101, "at most 100 characters"),
        ("description", "ab", "at least 3 characters"),
        ("description", "x" * 251, "at most 250 characters"),
        ("architectural_design", "not a link", "Enter a valid URL"),
        ("name", "Pay\x00ments", "Null characters are not allowed"),
        # A NUL inside a region used to reach PostgreSQL's JSON type and fail with a 500.
        ("regions", "eu-west-1, eu-\x00west-2", "cannot contain null characters"),
        ("regions", "x" * 101, "limited to 100 characters"),
    ],
)
def test_out_of_range_fields_are_refused_with_a_message(
    architect, client_for, field, value, message
):
    team = architect.memberships.get().team
    data = valid_data(team, factories.make_bank(), **{field: value})
    response = client_for(architect).post(reverse("reviews:workload_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Workload.objects.exists()


@pytest.mark.parametrize("view", ["workload_new", "workload_edit"])
def test_a_post_with_no_fields_gets_the_required_messages(architect, client_for, view):
    team = architect.memberships.get().team
    workload = factories.WorkloadFactory(team=team, name="Orders")
    args = [] if view == "workload_new" else [workload.pk]
    response = client_for(architect).post(reverse(f"reviews:{view}", args=args), {})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    workload.refresh_from_db()
    assert Workload.objects.count() == 1 and workload.name == "Orders"


def test_edit_refuses_a_null_character_in_a_region_and_keeps_the_workload(architect, client_for):
    team = architect.memberships.get().team
    workload = factories.WorkloadFactory(team=team, name="Orders", regions=["eu-west-1"])
    url = reverse("reviews:workload_edit", args=[workload.pk])
    data = valid_data(team, version_of(workload), name="Orders", regions="us-\x00east-1")
    response = client_for(architect).post(url, data)
    assert response.status_code == 400
    assert "cannot contain null characters" in response.content.decode()
    workload.refresh_from_db()
    assert workload.regions == ["eu-west-1"] and workload.review_owner == ""


def test_team_must_be_one_where_the_user_is_architect(architect, client_for):
    lead_team = factories.MembershipFactory(user=architect, role="lead").team
    data = valid_data(lead_team, factories.make_bank())
    response = client_for(architect).post(reverse("reviews:workload_new"), data)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Workload.objects.exists()


def test_draft_lens_versions_cannot_be_chosen(architect, client_for):
    team = architect.memberships.get().team
    draft = factories.make_bank(publish=False)
    response = client_for(architect).post(reverse("reviews:workload_new"), valid_data(team, draft))
    assert response.status_code == 400
    assert not Workload.objects.exists()


def test_lead_reads_but_cannot_create_edit_or_archive(client_for):
    lead = factories.MembershipFactory(role="lead")
    workload = factories.WorkloadFactory(team=lead.team)
    client = client_for(lead.user)
    assert client.get(reverse("reviews:workload_list")).status_code == 200
    assert client.get(reverse("reviews:workload_new")).status_code == 403
    urls = [
        reverse(f"reviews:{name}", kwargs={"workload_id": workload.pk})
        for name in ("workload_edit", "workload_archive")
    ]
    urls.append(
        reverse("reviews:lens_review_upgrade", args=[workload.pk, lens_review_of(workload).pk])
    )
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "Renamed"}).status_code == 403
    workload.refresh_from_db()
    assert workload.archived_at is None and workload.name != "Renamed"


def test_edit_keeps_team_and_lens_and_checks_the_name(architect, client_for):
    team = architect.memberships.get().team
    workload = factories.WorkloadFactory(team=team, name="Orders")
    factories.WorkloadFactory(team=team, name="Billing")
    url = reverse("reviews:workload_edit", kwargs={"workload_id": workload.pk})
    data = valid_data(team, version_of(workload), name="Billing")
    assert client_for(architect).post(url, data).status_code == 400
    data["name"] = "Orders v2"
    assert client_for(architect).post(url, data).status_code == 302
    workload.refresh_from_db()
    assert workload.name == "Orders v2" and workload.regions == ["eu-west-1", "us-east-1"]


def test_archived_workloads_are_hidden_until_asked_for(architect, client_for):
    team = architect.memberships.get().team
    workload = factories.WorkloadFactory(team=team, name="Legacy batch")
    client = client_for(architect)
    url = reverse("reviews:workload_archive", kwargs={"workload_id": workload.pk})
    assert client.post(url, {"archive": "1"}).status_code == 302
    listing = reverse("reviews:workload_list")

    def names(url):
        return [w.name for w in client.get(url).context["rows"]]

    assert names(listing) == []
    assert names(listing + "?archived=1") == ["Legacy batch"]
    client.post(url, {"archive": "0"})
    assert names(listing) == ["Legacy batch"]


def test_list_shows_only_the_users_teams(architect, client_for):
    factories.WorkloadFactory(team=architect.memberships.get().team, name="Mine")
    factories.WorkloadFactory(name="Theirs")
    page = client_for(architect).get(reverse("reviews:workload_list")).content.decode()
    assert "Mine" in page and "Theirs" not in page


def test_admins_manage_teams_and_members_in_the_admin(client_for):
    admin_user = factories.UserFactory(is_staff=True, is_superuser=True)
    membership = factories.MembershipFactory(role="lead")
    client = client_for(admin_user)
    team_page = client.get(reverse("admin:reviews_team_change", args=[membership.team.pk]))
    assert (
        team_page.status_code == 200
        and "members (architects edit" in team_page.content.decode().lower()
    )
    listing = client.get(reverse("admin:reviews_membership_changelist") + "?role=lead")
    assert membership.user.username in listing.content.decode()


def test_an_archived_team_takes_no_new_workloads(architect, client_for):
    from django.utils import timezone

    team = architect.memberships.get().team
    team.archived_at = timezone.now()
    team.save()
    response = client_for(architect).post(
        reverse("reviews:workload_new"), valid_data(team, factories.make_bank())
    )
    assert response.status_code == 403
    assert not Workload.objects.exists()


def test_team_names_are_unique_whatever_their_case(db):
    from django.core.exceptions import ValidationError

    from reviews.models import Team

    factories.TeamFactory(name="Payments")
    with pytest.raises(ValidationError, match="A team with this name exists already"):
        Team(name="PAYMENTS").full_clean()


def test_new_workload_form_lists_only_the_latest_published_version_of_each_lens(
    rel_bank, architect, client_for
):
    from questions.services import draft_create, draft_publish

    newer = draft_publish(version=draft_create(version=rel_bank))
    other = factories.make_bank(questions=2)
    draft_create(version=newer)  # a draft is never offered

    response = client_for(architect).get(reverse("reviews:workload_new"))

    offered = list(response.context["form"].fields["lens_version"].queryset)
    assert sorted(v.pk for v in offered) == sorted([newer.pk, other.pk])
    assert response.context["form"]["lens_version"].value() == newer.pk


@pytest.mark.parametrize(
    "raw, message",
    [
        ("12345678901", "An AWS account id is 12 digits; not: 12345678901"),
        ("123456789012, 1234567890123", "not: 1234567890123"),
        ("12345678901a", "not: 12345678901a"),
        ("１２３４５６７８９０１２", "An AWS account id is 12 digits"),  # full-width digits
        (" ".join(f"{i:012d}" for i in range(101)), "At most 100 account ids; these are 101"),
    ],
    ids=["short", "long", "letter", "fullwidth", "too-many"],
)
def test_account_ids_are_validated_and_nothing_saved(architect, client_for, raw, message):
    version = factories.make_bank()
    team = architect.memberships.get().team
    response = client_for(architect).post(
        reverse("reviews:workload_new"), valid_data(team, version, account_ids=raw)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Workload.objects.exists()


def test_account_ids_and_owner_are_kept_and_shown(architect, client_for):
    version = factories.make_bank()
    team = architect.memberships.get().team
    ids = " ".join(f"{i:012d}" for i in range(100))
    client = client_for(architect)
    response = client.post(
        reverse("reviews:workload_new"),
        valid_data(team, version, account_ids=f"{ids},\n000000000001", owner="Platform team"),
    )
    assert response.status_code == 302
    workload = Workload.objects.get()
    assert workload.account_ids == [f"{i:012d}" for i in range(100)]  # duplicates dropped
    assert workload.owner == "Platform team"
    page = client.get(reverse("reviews:workload_overview", args=[workload.pk])).content.decode()
    for shown in ("Platform team", "000000000099", "Retail", "First review", "Ada"):
        assert shown in page


def test_the_service_refuses_bad_account_ids_whatever_the_caller(architect):
    from django.core.exceptions import ValidationError

    from reviews.services.workloads import workload_create

    team = architect.memberships.get().team
    with pytest.raises(ValidationError, match="12 digits"):
        workload_create(
            team=team,
            user=architect,
            data={
                "name": "Api",
                "description": "Made by the API",
                "account_ids": [123456789012],
                "lens_version": factories.make_bank(),
            },
        )
    assert not Workload.objects.exists()
