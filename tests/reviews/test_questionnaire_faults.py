"""An answer save is decided by its commit: if the save committed and the database drops while
the rest of the response is built, the user is told "Saved" (with the new version and a reload
offer), never "Not saved". The drop is real: PostgreSQL ends the request's own backend."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from reviews.models import Answer
from tests import factories


@contextmanager
def database_drops_after_the_first_commit():
    """Ends this connection's backend (pg_terminate_backend) at the first query that runs
    outside a transaction after one ran inside: the first query after the save's commit."""
    seen: dict = {"atomic": False, "dropped": False}

    def wrapper(execute, sql, params, many, context):
        db = context["connection"]
        if db.in_atomic_block:
            seen["atomic"] = True
        elif seen["atomic"] and not seen["dropped"]:
            seen["dropped"] = True
            try:  # the backend ends while answering; the query below then meets a dead link
                db.connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            except Exception as exc:
                seen["error"] = exc
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen
    # What the next request does (Django closes a broken connection at request end; the test
    # client leaves that to us): the test's own queries get a fresh one.
    connection.close()


@pytest.fixture
def setup(transactional_db, client_for):
    # transactional_db: the view's transaction must really commit for the test to mean it.
    version = factories.make_bank(questions=3, practices=2)
    membership = factories.MembershipFactory(role="architect")
    workload = factories.WorkloadFactory(team=membership.team, lens_version=version)
    question = version.pillars.get().questions.order_by("order").first()
    url = reverse(
        "reviews:question", kwargs={"workload_id": workload.pk, "question_id": question.pk}
    )
    return client_for(membership.user), workload, question, url


def test_an_autosave_needs_no_database_after_its_commit(setup):
    client, workload, question, url = setup
    client.get(url)

    with database_drops_after_the_first_commit() as seen:
        response = client.post(url, {"version": 0, "selected": ["q0_c0"]}, HTTP_HX_REQUEST="true")

    # The answer swaps in the save's own figures: nothing ran after the commit.
    assert not seen["dropped"]
    assert "✓ Saved" in response.content.decode()


def test_a_committed_save_whose_page_then_fails_says_saved_not_not_saved(setup):
    client, workload, question, url = setup
    client.get(url)  # session and user loaded before the fault

    # "Save and go to next" reads the navigation after the commit, to find the next question.
    with database_drops_after_the_first_commit() as seen:
        response = client.post(
            url, {"version": 0, "selected": ["q0_c0"], "go": "next"}, HTTP_HX_REQUEST="true"
        )

    assert seen["dropped"] and seen["error"]  # the fault happened, after the commit
    answer = Answer.objects.get(lens_review__workload=workload, question=question)
    assert answer.selected == ["q0_c0"] and answer.version == 1
    body = response.content.decode()
    assert response.status_code == 200
    assert "✓ Saved" in body and "Not saved" not in body
    assert f'href="{url}">reload the page</a>' in body
    # The new version, so the next edit does not conflict with this save.
    assert 'name="version" value="1" id="answer-version" hx-swap-oob="true"' in body


def test_a_plain_save_needs_no_database_after_its_commit(setup):
    client, workload, question, url = setup
    client.get(url)

    with database_drops_after_the_first_commit() as seen:
        response = client.post(url, {"version": 0, "selected": ["q0_c0"]})

    # Nothing ran after the commit: the redirect and its "saved" message cannot fail this way.
    assert not seen["dropped"]
    assert response.status_code == 302 and response["Location"] == url
    assert "Your answer is saved." in client.get(url).content.decode()


def test_the_next_edit_after_such_a_save_goes_through(setup):
    client, workload, question, url = setup
    client.get(url)
    with database_drops_after_the_first_commit():
        client.post(
            url, {"version": 0, "selected": ["q0_c0"], "go": "next"}, HTTP_HX_REQUEST="true"
        )

    response = client.post(url, {"version": 1, "selected": ["q0_c1"]}, HTTP_HX_REQUEST="true")

    assert "✓ Saved" in response.content.decode()
    assert Answer.objects.get(lens_review__workload=workload, question=question).version == 2
