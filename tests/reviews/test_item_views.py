"""Item pages: inline edits with and without htmx, My items, the team view and exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from reviews.models import ImprovementItem
from reviews.services.lens_reviews import lens_review_add, lens_review_remove
from tests import factories
from tests.factories import lens_review_of
from tests.reviews.test_items import answer

pytestmark = pytest.mark.django_db

Status = ImprovementItem.Status


@pytest.fixture
def team():
    architect = factories.MembershipFactory(role="architect")
    colleague = factories.MembershipFactory(team=architect.team, role="architect")
    lead = factories.MembershipFactory(team=architect.team, role="lead")
    workload = factories.WorkloadFactory(team=architect.team, name="Shop")
    answer(workload, "q0", architect.user, selected=["q0_c0"])  # q0_c1..c3 at risk
    return {
        "architect": architect.user,
        "colleague": colleague.user,
        "lead": lead.user,
        "workload": workload,
        "item": ImprovementItem.objects.get(practice_ref="q0_c1"),
    }


def _inline(item, **values):
    prefix = f"item-{item.pk}"
    data = {"inline": "1", f"{prefix}-owner": "", f"{prefix}-status": "not_started"}
    data.update({f"{prefix}-{k}": v for k, v in values.items()})
    return data


def test_an_architect_assigns_an_item_inline_with_htmx(team, client_for):
    item = team["item"]
    url = reverse("reviews:item_detail", args=[team["workload"].pk, item.pk])
    response = client_for(team["architect"]).post(
        url,
        _inline(item, owner=team["colleague"].pk, due_date="2030-03-01", status="in_progress"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="item-row-{item.pk}"')
    item.refresh_from_db()
    assert (item.owner, str(item.due_date), item.status) == (
        team["colleague"],
        "2030-03-01",
        Status.IN_PROGRESS,
    )


def test_the_inline_form_works_without_javascript(team, client_for):
    item = team["item"]
    url = reverse("reviews:item_detail", args=[team["workload"].pk, item.pk])
    client = client_for(team["architect"])
    response = client.post(url, _inline(item, owner=team["colleague"].pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:workload_items", args=[team["workload"].pk])
    assert "Saved" in client.get(response["Location"]).content.decode()
    # Accepting a risk needs a reason and a date (the item's own page has those fields).
    lead = client_for(team["lead"])
    bad = lead.post(url, _inline(item, status="risk_accepted"))
    assert bad.status_code == 302  # back to the list with the reason
    assert "Not saved" in lead.get(bad["Location"]).content.decode()
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED
    # ... and only a lead may accept one.
    assert client.post(url, _inline(item, status="risk_accepted")).status_code == 403


def test_a_bad_inline_edit_with_htmx_shows_the_reason_in_the_row(team, client_for):
    item = team["item"]
    url = reverse("reviews:item_detail", args=[team["workload"].pk, item.pk])
    stranger = factories.MembershipFactory().user
    response = client_for(team["architect"]).post(
        url, _inline(item, owner=stranger.pk), headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_removed_lens_takes_its_items_off_the_workload_plan(team, client_for):
    workload = team["workload"]
    url = reverse("reviews:workload_items", args=[workload.pk])
    client = client_for(team["architect"])
    assert team["item"].practice_title in client.get(url).content.decode()
    lens_review_add(workload=workload, lens_version=factories.make_bank(), user=team["architect"])
    lens_review_remove(lens_review=lens_review_of(workload), user=team["architect"])
    page = client.get(url).content.decode()
    assert team["item"].practice_title not in page
    # The item itself is kept, as the removed lens's answers are.
    assert ImprovementItem.objects.filter(pk=team["item"].pk).exists()


def test_my_items_lists_what_i_own_across_workloads(team, client_for):
    item = team["item"]
    ImprovementItem.objects.filter(pk=item.pk).update(owner=team["colleague"])
    page = client_for(team["colleague"]).get(reverse("reviews:my_items")).content.decode()
    assert item.practice_title in page
    other = ImprovementItem.objects.exclude(pk=item.pk).first()
    assert other.practice_title not in page


def test_overdue_items_are_highlighted_in_words(team, client_for):
    ImprovementItem.objects.filter(pk=team["item"].pk).update(due_date="2020-01-01")
    page = client_for(team["lead"]).get(reverse("reviews:item_list")).content.decode()
    assert "item-row-overdue" in page and "Overdue" in page
    filtered = client_for(team["lead"]).get(reverse("reviews:item_list"), {"due": "overdue"})
    assert filtered.content.decode().count('class="item-row-overdue"') == 1


def test_item_pages_run_a_fixed_number_of_queries(team, client_for, django_assert_num_queries):
    client = client_for(team["lead"])
    for n in range(1, 3):
        answer(team["workload"], f"q{n}", team["architect"], selected=[f"q{n}_c0"])
    ImprovementItem.objects.update(owner=team["lead"])  # "My items" has rows to show too
    with django_assert_num_queries(6):  # session, user, count, page, owners, lenses
        assert client.get(reverse("reviews:item_list")).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(reverse("reviews:my_items")).status_code == 200
    workload_url = reverse("reviews:workload_items", args=[team["workload"].pk])
    with django_assert_num_queries(5):  # session, user, workload, items, team members
        assert client.get(workload_url).status_code == 200
    detail = reverse("reviews:item_detail", args=[team["workload"].pk, team["item"].pk])
    with django_assert_num_queries(6):  # session, user, workload, item, history, members
        assert client.get(detail).status_code == 200


def test_the_team_csv_is_neutralised_and_follows_the_filters(team, client_for):
    item = team["item"]
    ImprovementItem.objects.filter(pk=item.pk).update(notes="=HYPERLINK(1)", status="done")
    client = client_for(team["lead"])
    response = client.get(reverse("reviews:item_export_csv"), {"status": "all"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == ImprovementItem.objects.count()
    mine = next(r for r in rows if r["id"] == str(item.pk))
    assert mine["notes"] == "'=HYPERLINK(1)"
    assert (mine["workload"], mine["status"]) == ("Shop", "done")
    only_open = client.get(reverse("reviews:item_export_json"))
    document = json.loads(b"".join(only_open.streaming_content))
    assert item.pk not in {i["id"] for i in document["items"]}
    assert document["meta"]["filters"] == {"status": "open"}


def test_another_teams_items_never_leave_in_an_export(team, client_for):
    outsider = factories.MembershipFactory(role="lead").user
    client = client_for(outsider)
    body = b"".join(client.get(reverse("reviews:item_export_csv")).streaming_content).decode()
    assert body.strip().count("\n") == 0  # the header only
    asked = client.get(reverse("reviews:item_export_csv"), {"workload": team["workload"].pk})
    assert asked.status_code == 404
