from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from questions.models import Choice
from reviews import loader, scoring
from reviews.models import Milestone
from reviews.services.milestones import MAX_MILESTONES, milestone_create
from reviews.vocab import Risk
from tests import factories
from tests.factories import version_of
from tests.reviews.review_helpers import Q3, Q4, Q5, practices, save

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    """The page's main content (the rest carries a fresh CSRF token on every request)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def lead(rel_bank):
    return factories.MembershipFactory(role="lead")


@pytest.fixture
def workload(lead, rel_bank):
    workload = factories.WorkloadFactory(team=lead.team, lens_version=rel_bank)
    save(workload, Q3, selected=practices(workload, Q3)[:2], notes="Split by domain.")  # medium
    save(workload, Q4, selected=["rel_prevent_interaction_failure_no"])  # high
    return workload


def test_milestone_snapshots_answers_results_and_lens_version(workload, lead):
    milestone = milestone_create(workload=workload, name="Baseline", user=lead.user)
    frozen = milestone.lenses.get()
    assert frozen.lens_version.pk == version_of(workload).pk
    assert frozen.answers[f"reliability/{Q3}"]["notes"] == "Split by domain."
    assert loader.result_for_milestone(milestone) == loader.result_for_workload(workload)
    assert frozen.results["counts"]["HIGH"] == 1
    assert frozen.results["counts"]["MEDIUM"] == 1


def test_changing_answers_after_a_milestone_leaves_it_unchanged(workload, lead, client_for):
    milestone = milestone_create(workload=workload, name="Baseline", user=lead.user)
    client = client_for(lead.user)
    url = reverse("reviews:milestone_detail", args=[workload.pk, milestone.pk])
    before_html = _main(client.get(url))
    before_result = loader.result_for_milestone(milestone)

    save(workload, Q3, selected=practices(workload, Q3), notes="All three now.")
    save(workload, Q4, is_applicable=False, reason="OTHER")
    save(workload, Q5, selected=practices(workload, Q5))

    assert loader.result_for_workload(workload) != before_result
    milestone.refresh_from_db()
    assert loader.result_for_milestone(milestone) == before_result
    assert before_result.counts["HIGH"] == before_result.counts["MEDIUM"] == 1
    response = client.get(url)
    assert response.context["result"].counts == before_result.counts
    assert _main(response) == before_html
    assert "Split by domain." in before_html and "All three now." not in before_html


def test_comparison_lists_exactly_the_changes_made(workload, lead, client_for):
    first = milestone_create(workload=workload, name="Baseline", user=lead.user)
    q3 = practices(workload, Q3)
    q5 = practices(workload, Q5)
    save(workload, Q3, selected=q3)  # medium -> none, third practice now followed
    save(workload, Q5, selected=q5[:5])  # unanswered -> medium
    # notes only: no risk or practice change, so not a change in the comparison
    save(workload, Q4, selected=["rel_prevent_interaction_failure_no"], notes="Later.")

    client = client_for(lead.user)
    url = reverse("reviews:milestone_compare", args=[workload.pk])
    changes = client.get(url, {"from": first.pk, "to": "now"}).context["changes"]
    titles = dict(
        Choice.objects.filter(question__pillar__version=version_of(workload)).values_list(
            "ref", "title"
        )
    )
    assert [(c.question_ref, c.risk_before, c.risk_after) for c in changes] == [
        (Q3, Risk.MEDIUM, Risk.NONE),
        (Q5, Risk.UNANSWERED, Risk.MEDIUM),
    ]
    assert changes[0].newly_followed == (titles[q3[2]],)
    assert changes[0].no_longer_followed == ()
    assert changes[1].newly_followed == tuple(titles[r] for r in q5[:5])
    assert changes[1].no_longer_followed == ()

    # a second milestone, then a practice dropped: milestone-to-milestone shows both steps
    second = milestone_create(workload=workload, name="After fixes", user=lead.user)
    save(workload, Q3, selected=q3[1:])  # first practice no longer followed -> high
    between = scoring.compare_results(
        loader.result_for_milestone(first), loader.result_for_milestone(second)
    )
    assert [c.question_ref for c in between] == [Q3, Q5]
    response = client.get(url, {"from": second.pk, "to": "now"})
    (change,) = response.context["changes"]
    assert (change.question_ref, change.risk_before, change.risk_after) == (
        Q3,
        Risk.NONE,
        Risk.HIGH,
    )
    assert change.no_longer_followed == (titles[q3[0]],) and change.newly_followed == ()
    assert "− " + titles[q3[0]] in response.content.decode()


def test_milestone_names_are_unique_per_workload(workload, lead):
    milestone_create(workload=workload, name="Baseline", user=lead.user)
    with pytest.raises(ValidationError, match="already has a milestone named"):
        milestone_create(workload=workload, name=" baseline ", user=lead.user)
    other = factories.WorkloadFactory(team=lead.team, lens_version=version_of(workload))
    assert milestone_create(workload=other, name="Baseline", user=lead.user).pk
    assert Milestone.objects.filter(workload=workload).count() == 1


def test_a_workload_keeps_at_most_100_milestones(workload, lead, client_for):
    Milestone.objects.bulk_create(
        Milestone(workload=workload, name=f"M{i}") for i in range(MAX_MILESTONES)
    )
    with pytest.raises(ValidationError, match="100 milestones"):
        milestone_create(workload=workload, name="One more", user=lead.user)
    response = client_for(lead.user).post(
        reverse("reviews:milestone_new", args=[workload.pk]), {"name": "One more"}
    )
    assert response.status_code == 400
    assert "100 milestones" in response.content.decode()
    assert Milestone.objects.filter(workload=workload).count() == MAX_MILESTONES


def test_taking_a_milestone_through_the_page(workload, lead, client_for):
    client = client_for(lead.user)
    response = client.post(
        reverse("reviews:milestone_new", args=[workload.pk]), {"name": "  Before launch "}
    )
    milestone = Milestone.objects.get(workload=workload)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "reviews:milestone_detail", args=[workload.pk, milestone.pk]
    )
    assert milestone.name == "Before launch"
    assert milestone.created_by == lead.user


def test_empty_or_duplicate_name_is_refused_with_a_message(workload, lead, client_for):
    client = client_for(lead.user)
    url = reverse("reviews:milestone_new", args=[workload.pk])
    assert client.post(url, {"name": "   "}).status_code == 400
    client.post(url, {"name": "Baseline"})
    response = client.post(url, {"name": "Baseline"})
    assert response.status_code == 400
    assert "already has a milestone named" in response.content.decode()
    assert Milestone.objects.filter(workload=workload).count() == 1


def test_only_team_members_may_take_or_see_milestones(workload, lead, client_for):
    milestone = milestone_create(workload=workload, name="Baseline", user=lead.user)
    stranger = factories.MembershipFactory(role="architect").user
    client = client_for(stranger)
    assert (
        client.post(reverse("reviews:milestone_new", args=[workload.pk]), {"name": "X"}).status_code
        == 404
    )
    for url in [
        reverse("reviews:milestone_list", args=[workload.pk]),
        reverse("reviews:milestone_detail", args=[workload.pk, milestone.pk]),
        reverse("reviews:milestone_compare", args=[workload.pk]),
    ]:
        assert client.get(url).status_code == 404
    # a milestone of another workload is not found through this workload's URL
    other = factories.WorkloadFactory(team=lead.team, lens_version=version_of(workload))
    url = reverse("reviews:milestone_detail", args=[other.pk, milestone.pk])
    assert client_for(lead.user).get(url).status_code == 404


def test_list_shows_trend_of_high_and_medium_risks(
    workload, lead, client_for, django_assert_num_queries
):
    milestone_create(workload=workload, name="Baseline", user=lead.user)
    save(workload, Q4, selected=practices(workload, Q4))
    milestone_create(workload=workload, name="Fixed REL 4", user=lead.user)
    client = client_for(lead.user)
    url = reverse("reviews:milestone_list", args=[workload.pk])
    # session, user, workload, milestones, their lenses, current result (lens reviews 1,
    # answers 1; the banks from the bank cache)
    with django_assert_num_queries(7):
        response = client.get(url)
    html = response.content.decode()
    assert (
        "Baseline: 1 high, 1 medium; Fixed REL 4: 0 high, 1 medium; Now: 0 high, 1 medium" in html
    )
    assert 'role="img"' in html and "<title" in html


def test_milestone_pages_run_a_fixed_number_of_queries(
    workload, lead, client_for, django_assert_num_queries
):
    first = milestone_create(workload=workload, name="Baseline", user=lead.user)
    second = milestone_create(workload=workload, name="Later", user=lead.user)
    client = client_for(lead.user)
    with django_assert_num_queries(5):  # session, user, workload, milestone, its lenses
        client.get(reverse("reviews:milestone_detail", args=[workload.pk, first.pk]))
    compare = reverse("reviews:milestone_compare", args=[workload.pk])
    with django_assert_num_queries(5):  # session, user, workload, milestones, their lenses
        client.get(compare, {"from": first.pk, "to": second.pk})
    with django_assert_num_queries(7):  # ... and the current result (lens reviews, answers)
        client.get(compare, {"from": first.pk, "to": "now"})


def test_architects_may_take_milestones_too(workload, client_for):
    architect = factories.MembershipFactory(team=workload.team, role="architect").user
    response = client_for(architect).post(
        reverse("reviews:milestone_new", args=[workload.pk]), {"name": "By the architect"}
    )
    assert response.status_code == 302


def test_milestone_page_shows_the_answers_as_they_were(workload, lead, client_for):
    save(workload, Q5, is_applicable=False, reason="BUSINESS_PRIORITIES", notes="Batch only.")
    milestone = milestone_create(workload=workload, name="Baseline", user=lead.user)
    save(workload, Q5, selected=practices(workload, Q5))
    url = reverse("reviews:milestone_detail", args=[workload.pk, milestone.pk])
    html = client_for(lead.user).get(url).content.decode()
    assert "Marked not applicable: business priorities." in html
    assert "Batch only." in html and "Split by domain." in html
    assert "(not followed, medium risk)" in html  # REL 3's third practice at the milestone


def test_taking_a_milestone_runs_a_fixed_number_of_queries(
    workload, lead, client_for, django_assert_num_queries
):
    client = client_for(lead.user)
    url = reverse("reviews:milestone_new", args=[workload.pk])
    # session, user, workload; savepoint, row lock, names, lens reviews, answers (the banks
    # from the bank cache), milestone insert, lenses insert, audit event, webhook endpoints
    # wanting the event, release
    with django_assert_num_queries(13):
        response = client.post(url, {"name": "Baseline"})
    assert response.status_code == 302


def test_compare_without_milestones_says_so_whatever_the_parameters(workload, lead, client_for):
    url = reverse("reviews:milestone_compare", args=[workload.pk])
    client = client_for(lead.user)
    # "to" naming a milestone that does not exist used to be a KeyError (500).
    for params in [{}, {"to": "5"}, {"from": "abc", "to": "now"}, {"from": "1", "to": "x"}]:
        response = client.get(url, params)
        assert response.status_code == 200
        assert "Take a milestone first" in response.content.decode()


@pytest.mark.parametrize("side", ["from", "to"])
def test_compare_refuses_a_milestone_of_another_workload_with_a_message(
    workload, lead, client_for, side
):
    mine = milestone_create(workload=workload, name="Mine", user=lead.user)
    other = factories.WorkloadFactory(team=lead.team, lens_version=version_of(workload))
    theirs = milestone_create(workload=other, name="Theirs", user=lead.user)
    params = {"from": mine.pk, "to": "now", side: theirs.pk}
    response = client_for(lead.user).get(
        reverse("reviews:milestone_compare", args=[workload.pk]), params
    )
    body = response.content.decode()
    assert response.status_code == 404
    assert "not one of this workload" in body
    assert response.context["changes"] is None and "Theirs" not in body


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "\u00b2"])
def test_compare_refuses_garbage_milestone_ids_with_a_message(workload, lead, client_for, value):
    milestone_create(workload=workload, name="Mine", user=lead.user)
    url = reverse("reviews:milestone_compare", args=[workload.pk])
    response = client_for(lead.user).get(url, {"from": value})
    assert response.status_code == 404
    assert "not one of this workload" in response.content.decode()


def test_compare_defaults_to_the_newest_milestone_against_now(workload, lead, client_for):
    milestone_create(workload=workload, name="Old", user=lead.user)
    newest = milestone_create(workload=workload, name="New", user=lead.user)
    save(workload, Q5, selected=practices(workload, Q5))
    response = client_for(lead.user).get(reverse("reviews:milestone_compare", args=[workload.pk]))
    assert response.status_code == 200
    assert (response.context["base"], response.context["other"]) == (str(newest.pk), "now")
    assert [c.question_ref for c in response.context["changes"]] == [Q5]


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "This field is required"),
        ("   ", "This field is required"),
        ("m" * 101, "at most 100 characters"),
        ("Base\x00line", "Null characters are not allowed"),
    ],
)
def test_bad_milestone_names_are_refused_with_a_message(workload, lead, client_for, name, message):
    response = client_for(lead.user).post(
        reverse("reviews:milestone_new", args=[workload.pk]), {"name": name}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Milestone.objects.exists()


def test_taking_a_milestone_by_get_is_refused_and_takes_nothing(workload, lead, client_for):
    response = client_for(lead.user).get(reverse("reviews:milestone_new", args=[workload.pk]))
    assert response.status_code == 405
    assert not Milestone.objects.exists()
