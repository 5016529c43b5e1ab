"""Writes to question banks that the admin and commands call (see ``questions.content`` for
the tree shape and the low-level create/publish)."""

from __future__ import annotations

from django.db import transaction

from questions.content import version_create, version_publish, version_tree
from questions.models import LensVersion
from questions.validation import tree_problems


class DraftNotPublishable(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@transaction.atomic
def draft_create(*, version: LensVersion, label: str = "") -> LensVersion:
    """A new draft holding a copy of ``version``'s content, numbered after the latest."""
    return version_create(lens=version.lens, tree=version_tree(version), label=label)


@transaction.atomic
def draft_publish(*, version: LensVersion) -> LensVersion:
    """Publish a draft after checking it; refuses with every blocking problem listed."""
    locked = LensVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != LensVersion.Status.DRAFT:
        raise DraftNotPublishable([f"{locked} is not a draft"])
    tree = version_tree(locked)
    errors = [str(p) for p in tree_problems(tree) if not p.is_warning]
    if errors:
        raise DraftNotPublishable(errors)
    return version_publish(version=locked, tree=tree)


def latest_published(lens_id: int, *, exclude: int | None = None) -> LensVersion | None:
    qs = LensVersion.objects.filter(lens_id=lens_id, status=LensVersion.Status.PUBLISHED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("-number").first()
