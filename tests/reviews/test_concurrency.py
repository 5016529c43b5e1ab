"""No lost updates: of two saves from the same starting version exactly one wins."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from questions.models import Question
from reviews.audit_actions import ItemAction
from reviews.models import Answer, AnswerChange, ImprovementItem, LensReview, Workload
from reviews.services.answers import AnswerConflict, answer_save
from reviews.services.counts import counts_recompute
from reviews.services.lens_reviews import lens_review_add, lens_review_remove
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


# --- The save's one statement, outside any transaction, as production runs it ----------------
# (Tests in a test transaction take a savepoint around it; these run in autocommit.)


def _items_open(workload) -> dict[str, bool]:
    return {
        item.practice_ref: item.resolved_at is None
        for item in ImprovementItem.objects.filter(workload=workload)
    }


def _save(user, workload, question, selected, version):
    return answer_save(
        workload=workload,
        question=question,
        data={"selected": selected},
        expected_version=version,
        user=user,
    )


@pytest.mark.django_db(transaction=True)
def test_a_save_that_moves_items_is_one_statement_outside_a_transaction():
    alice, _, workload, question = _team_of_two()
    _save(alice, workload, question, ["q0_c0"], 0)  # items for q0_c1..q0_c3
    _save(alice, workload, question, ["q0_c1"], 1)  # q0_c1's resolved, q0_c0's created
    assert _items_open(workload) == {"q0_c0": True, "q0_c1": False, "q0_c2": True, "q0_c3": True}
    events_before = AuditEvent.objects.count()

    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        saved = _save(alice, workload, question, ["q0_c0"], 2)
    # The read, then one write: answer, history, counts, both items and their audit rows.
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert saved.changed and saved.answer.version == 3
    assert _items_open(workload) == {"q0_c0": False, "q0_c1": True, "q0_c2": True, "q0_c3": True}
    resolved = ImprovementItem.objects.get(workload=workload, practice_ref="q0_c0")
    assert resolved.resolved_by == alice and resolved.resolved_at is not None
    audits = {
        (event.action, event.target_id, event.actor_id)
        for event in AuditEvent.objects.order_by("pk")[events_before:]
    }
    reopened = ImprovementItem.objects.get(workload=workload, practice_ref="q0_c1")
    assert audits == {
        (ItemAction.RESOLVED_BY_ANSWER, str(resolved.pk), alice.pk),
        (ItemAction.REOPENED_BY_ANSWER, str(reopened.pk), alice.pk),
    }
    assert AnswerChange.objects.filter(answer=saved.answer).count() == 3
    # The counts the response shows are the stored ones, and they are right.
    workload.refresh_from_db()
    assert saved.progress.workload_counts == workload.counts
    assert counts_recompute(fix=False) == []


def _wait_until_a_backend_waits_for_a_lock(timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("no save waited for the workload lock")


def _while_locked(change, *, ready: threading.Event, errors: list[BaseException]) -> None:
    """In its own transaction: ``change`` (which locks the workload), then hold it until a save
    waits for the lock, then commit."""
    try:
        with transaction.atomic():
            change()
            ready.set()
            _wait_until_a_backend_waits_for_a_lock()
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
        ready.set()
    finally:
        connection.close()


@contextlib.contextmanager
def _held_by(change):
    """Run ``change`` in another connection that keeps the workload locked until a save inside
    the block waits for it; afterwards, that connection finished without an error."""
    ready, errors = threading.Event(), []
    holder = threading.Thread(
        target=_while_locked, args=(change,), kwargs={"ready": ready, "errors": errors}
    )
    holder.start()
    assert ready.wait(20)
    yield
    holder.join(30)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_a_lens_removed_while_a_save_waits_for_the_lock_stops_the_save():
    alice, bob, workload, question = _team_of_two()
    lens_review_add(workload=workload, lens_version=factories.make_bank(), user=alice)
    review = LensReview.objects.get(workload=workload, lens_version=version_of(workload))
    counts_before = Workload.objects.get(pk=workload.pk).counts
    # The save reads the lens review as still active (the removal is not committed), then its
    # write waits for the workload lock and finds the lens review gone.
    with (
        _held_by(lambda: lens_review_remove(lens_review=review, user=bob)),
        pytest.raises(ValidationError) as raised,
    ):
        _save(alice, workload, question, ["q0_c0"], 0)
    assert raised.value.error_list[0].code == "other_lens"
    assert not Answer.objects.exists() and not ImprovementItem.objects.exists()
    assert Workload.objects.get(pk=workload.pk).counts != counts_before  # the removal's own
    assert counts_recompute(fix=False) == []


@pytest.mark.django_db(transaction=True)
def test_a_save_committed_while_another_waits_for_the_lock_makes_it_a_conflict():
    alice, bob, workload, question = _team_of_two()
    _save(alice, workload, question, ["q0_c0"], 0)
    # Alice read version 1 (Bob's save is not committed); her write waits for Bob's lock, then
    # finds version 2: a conflict carrying Bob's answer, and nothing of hers written.
    with (
        _held_by(lambda: _save(bob, workload, question, ["q0_c1"], 1)),
        pytest.raises(AnswerConflict) as raised,
    ):
        _save(alice, workload, question, ["q0_c2"], 1)
    assert raised.value.current.selected == ["q0_c1"]
    answer = Answer.objects.get()
    assert answer.version == 2 and answer.selected == ["q0_c1"]
    assert AnswerChange.objects.filter(answer=answer).count() == 2
    assert _items_open(workload) == {"q0_c0": True, "q0_c1": False, "q0_c2": True, "q0_c3": True}
    assert counts_recompute(fix=False) == []
