"""No lost updates: of two saves from the same starting version exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from questions.models import Question
from reviews.models import Answer, AnswerChange
from reviews.services.answers import AnswerConflict, answer_save
from tests import factories
from tests.factories import version_of


def _team_of_two():
    first = factories.MembershipFactory(role="architect")
    second = factories.MembershipFactory(team=first.team, role="architect")
    workload = factories.WorkloadFactory(team=first.team)
    question = (
        Question.objects.filter(pillar__version=version_of(workload))
        .select_related("pillar")
        .first()
    )
    return first.user, second.user, workload, question


def test_second_user_saving_from_a_stale_version_is_told_and_keeps_their_input(db):
    alice, bob, workload, question = _team_of_two()
    url = reverse(
        "reviews:question", kwargs={"workload_id": workload.pk, "question_id": question.pk}
    )
    clients = {}
    for user in (alice, bob):
        clients[user] = Client()
        clients[user].force_login(user)
        # Both open the page at version 0.
        page = clients[user].get(url)
        assert page.context["form"]["version"].value() == 0

    first = clients[alice].post(url, {"version": 0, "selected": ["q0_c0"]}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "Saved" in first.content.decode()

    bobs_input = {
        "version": 0,
        "selected": ["q0_c1", "q0_c2"],
        "notes": "Bob's careful reasoning about retries",
    }
    refused = clients[bob].post(url, bobs_input)  # plain POST, JavaScript off
    body = refused.content.decode()
    assert refused.status_code == 409
    assert "someone else changed this answer first" in body
    # What Alice saved is shown to Bob ...
    assert alice.username in body and "Practice 0.0" in body
    # ... and Bob's own input is still on the page to re-apply.
    assert "Bob&#x27;s careful reasoning about retries" in body
    assert 'value="q0_c1" id="bp-1" data-practice checked' in body
    assert 'value="q0_c2" id="bp-2" data-practice checked' in body
    assert 'name="replace_version" value="1" data-replace-version="1"' in body

    answer = Answer.objects.get()
    assert (answer.selected, answer.version, answer.updated_by) == (["q0_c0"], 1, alice)
    assert AnswerChange.objects.count() == 1

    # htmx autosave gets the same refusal as a fragment; the form on screen is not replaced.
    fragment = clients[bob].post(url, bobs_input, HTTP_HX_REQUEST="true").content.decode()
    assert "someone else changed this answer first" in fragment and "<html" not in fragment

    # Bob chooses to keep his answer: an explicit replace with the version he was shown.
    kept = clients[bob].post(url, {**bobs_input, "replace_version": "1"})
    assert kept.status_code == 302
    answer.refresh_from_db()
    assert (answer.selected, answer.version, answer.updated_by) == (["q0_c1", "q0_c2"], 2, bob)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [False, True], ids=["first-answer", "existing-answer"])
def test_two_concurrent_saves_from_the_same_version_exactly_one_wins(existing):
    alice, bob, workload, question = _team_of_two()
    start = 0
    if existing:
        answer_save(
            workload=workload,
            question=question,
            data={"selected": ["q0_c3"]},
            expected_version=0,
            user=alice,
        )
        start = 1
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(user, selected):
        try:
            barrier.wait()
            outcomes[user.username] = answer_save(
                workload=workload,
                question=question,
                data={"selected": selected},
                expected_version=start,
                user=user,
            )
        except AnswerConflict as conflict:
            outcomes[user.username] = conflict
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(alice, ["q0_c0"])),
        threading.Thread(target=save, args=(bob, ["q0_c1"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    conflicts = [o for o in outcomes.values() if isinstance(o, AnswerConflict)]
    wins = [o for o in outcomes.values() if not isinstance(o, AnswerConflict)]
    assert len(wins) == 1 and len(conflicts) == 1
    answer = Answer.objects.get()
    assert answer.version == start + 1
    assert answer.selected == wins[0].answer.selected
    # The loser is told what the winner saved.
    assert conflicts[0].current.selected == answer.selected
    assert AnswerChange.objects.filter(answer=answer).count() == start + 1
