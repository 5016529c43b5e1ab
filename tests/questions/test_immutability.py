from __future__ import annotations

import pytest

from questions.content import version_create, version_publish, version_tree
from questions.models import (
    Choice,
    ImmutableVersionError,
    Lens,
    LensVersion,
    Pillar,
    Question,
    RiskRule,
)
from tests.questions.helpers import row_counts


@pytest.fixture
def published(rel_bank):
    return rel_bank


def _content(version):
    return (
        Pillar.objects.filter(version=version).first(),
        Question.objects.filter(pillar__version=version).first(),
        Choice.objects.filter(question__pillar__version=version).first(),
    )


def test_saving_any_row_of_a_published_version_is_refused(published):
    before = version_tree(published)
    pillar, question, choice = _content(published)
    for row, field in ((pillar, "name"), (question, "title"), (choice, "title")):
        setattr(row, field, "changed")
        with pytest.raises(ImmutableVersionError, match="published lens version"):
            row.save()
    published.label = "changed"
    with pytest.raises(ImmutableVersionError):
        published.save()
    assert version_tree(published) == before


def test_adding_rows_under_a_published_version_is_refused(published):
    _pillar, question, _choice = _content(published)
    with pytest.raises(ImmutableVersionError):
        Choice.objects.create(question=question, ref="new", title="New")
    with pytest.raises(ImmutableVersionError):
        RiskRule.objects.create(question=question, condition="default", risk="NO_RISK")
    with pytest.raises(ImmutableVersionError):
        Choice.objects.bulk_create([Choice(question=question, ref="bulk", title="Bulk")])
    with pytest.raises(ImmutableVersionError):
        Pillar.objects.create(version=published, ref="extra", name="Extra")


def test_queryset_update_and_delete_are_refused(published):
    before = row_counts()
    with pytest.raises(ImmutableVersionError):
        Choice.objects.filter(question__pillar__version=published).update(title="x")
    with pytest.raises(ImmutableVersionError):
        Question.objects.filter(pillar__version=published).delete()
    with pytest.raises(ImmutableVersionError):
        LensVersion.objects.filter(pk=published.pk).update(label="x")
    with pytest.raises(ImmutableVersionError):
        LensVersion.objects.filter(pk=published.pk).update(status="draft")
    assert row_counts() == before
    assert not Choice.objects.filter(title="x").exists()


def test_deleting_a_published_version_directly_or_by_cascade_is_refused(published):
    before = row_counts()
    _pillar, question, choice = _content(published)
    for row in (choice, question, published):
        with pytest.raises(ImmutableVersionError):
            row.delete()
    with pytest.raises(ImmutableVersionError):
        Lens.objects.get(pk=published.lens_id).delete()
    assert row_counts() == before


def test_moving_a_row_out_of_a_published_version_is_refused(published):
    draft = version_create(lens=published.lens, tree=version_tree(published))
    question = Question.objects.filter(pillar__version=published).first()
    question.pillar = Pillar.objects.get(version=draft)
    question.ref = "moved"
    with pytest.raises(ImmutableVersionError):
        question.save()


def test_a_draft_is_freely_editable_until_published(published):
    draft = version_create(lens=published.lens, tree=version_tree(published))
    question = Question.objects.filter(pillar__version=draft).first()
    question.title = "Edited"
    question.save()
    Choice.objects.filter(question=question).update(description="edited")
    Choice.objects.create(question=question, ref="extra", title="Extra", risk="LOW", order=9)
    version_publish(version=draft)
    question.title = "Again"
    with pytest.raises(ImmutableVersionError):
        question.save()


def test_deprecating_a_published_version_is_the_one_allowed_change(published):
    LensVersion.objects.filter(pk=published.pk).update(status="deprecated")
    published.refresh_from_db()
    published.status = LensVersion.Status.PUBLISHED
    published.save()
    published.refresh_from_db()
    assert published.status == "published"


def test_a_draft_version_can_be_deleted(published):
    draft = version_create(lens=published.lens, tree=version_tree(published))
    before = row_counts()
    draft.delete()
    assert row_counts()[1] == before[1] - 1
