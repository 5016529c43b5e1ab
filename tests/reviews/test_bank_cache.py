"""The per-process bank cache (reviews.selectors): published versions built once, drafts never
cached, a new version a new key, the bound kept; and the save's workload.risk_changed event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from questions.models import LensVersion, Question
from reviews import selectors
from reviews.selectors import BankCache, bank_cache
from reviews.services.answers import answer_save
from tests import factories
from tests.reviews.test_upgrade import next_version
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries)


def test_a_published_bank_is_built_once_then_served_from_memory():
    version = factories.make_bank(questions=2)
    first, built = _queries(lambda: selectors.bank(version.pk))
    again, cached = _queries(lambda: selectors.bank(version.pk))
    assert (built, cached) == (5, 0)
    assert again is first and version.pk in bank_cache
    assert [q.ref for q in again.questions] == ["q0", "q1"]


def test_a_draft_is_never_cached_and_always_read_afresh():
    draft = factories.make_bank(questions=1, publish=False)
    assert [q.ref for q in selectors.bank(draft.pk).questions] == ["q0"]
    assert draft.pk not in bank_cache and len(bank_cache) == 0
    # The draft changes (drafts may): the next read sees the change, at the full price.
    pillar = draft.pillars.get()
    factories.QuestionFactory(pillar=pillar, ref="q1", title="Added?", order=1)
    again, cost = _queries(lambda: selectors.bank(draft.pk))
    assert [q.ref for q in again.questions] == ["q0", "q1"] and cost == 5
    assert draft.pk not in bank_cache


def test_publishing_a_draft_caches_what_is_published():
    draft = factories.make_bank(questions=1, publish=False)
    selectors.bank(draft.pk)  # read while a draft: not kept
    LensVersion.objects.filter(pk=draft.pk).update(status=LensVersion.Status.PUBLISHED)
    assert [q.ref for q in selectors.bank(draft.pk).questions] == ["q0"]
    assert draft.pk in bank_cache


def test_a_new_version_is_a_new_key_never_the_old_bank():
    old = factories.make_bank(questions=1)
    old_bank = selectors.bank(old.pk)
    new = next_version(old, {"q0": ["q0_c0", "q0_no"], "q9": ["q9_c0"]})
    new_bank = selectors.bank(new.pk)
    assert new_bank is not old_bank
    assert [q.ref for q in new_bank.questions] == ["q0", "q9"]
    assert [q.ref for q in selectors.bank(old.pk).questions] == ["q0"]
    assert {old.pk, new.pk} <= set(bank_cache._entries)


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used():
    cache = BankCache(2)
    versions = [factories.make_bank(questions=1) for _ in range(3)]
    built = selectors._build({v.pk for v in versions})
    cache.put(built[versions[0].pk])
    cache.put(built[versions[1].pk])
    assert cache.get(versions[0].pk) is not None  # now the most recently used
    cache.put(built[versions[2].pk])
    assert len(cache) == 2
    assert versions[1].pk not in cache and {versions[0].pk, versions[2].pk} <= set(cache._entries)


def test_the_process_cache_is_bounded_by_the_setting(settings):
    assert bank_cache.size == settings.BANK_CACHE_SIZE > 0


def test_a_question_handed_out_is_a_copy_of_the_cached_row():
    version = factories.make_bank(questions=1)
    question_id = Question.objects.get(pillar__version=version).pk
    handed = selectors.bank(version.pk).question(question_id)
    handed.risk = "HIGH"  # what the API does to serialise a question
    assert not hasattr(selectors.bank(version.pk).by_pk[question_id], "risk")


def test_a_save_that_moves_the_workloads_counts_emits_workload_risk_changed():
    membership = factories.MembershipFactory(role="architect")
    workload = factories.WorkloadFactory(team=membership.team)
    Endpoint.objects.create(
        name="risks", url="https://hooks.example.com/x", events=["workload.risk_changed"]
    )
    question = Question.objects.select_related("pillar").filter(
        pillar__version=factories.version_of(workload)
    )[0]

    def save(data, version):
        answer_save(
            workload=workload,
            question=question,
            data=data,
            expected_version=version,
            user=membership.user,
        )

    save({"selected": ["q0_c0"]}, 0)  # unanswered -> high risk
    save({"selected": ["q0_c0"], "notes": "counts unchanged"}, 1)
    deliveries = list(Delivery.objects.filter(event="workload.risk_changed"))
    assert len(deliveries) == 1
    data = deliveries[0].payload["data"]
    assert data["workload"]["id"] == workload.pk
    assert data["counts"]["before"]["UNANSWERED"] == data["counts"]["after"]["UNANSWERED"] + 1
    assert data["counts"]["after"]["HIGH"] == data["counts"]["before"]["HIGH"] + 1
