"""Writes to question banks that the admin and commands call (see ``questions.content`` for
the tree shape and the low-level create/publish)."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import audit_record
from questions.audit_actions import LensAction
from questions.content import version_create, version_publish, version_tree
from questions.models import LensVersion
from questions.validation import tree_problems


class DraftNotPublishable(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@transaction.atomic
def draft_create(*, version: LensVersion, label: str = "", actor=None, request=None) -> LensVersion:
    """A new draft holding a copy of ``version``'s content, numbered after the latest."""
    draft = version_create(lens=version.lens, tree=version_tree(version), label=label)
    audit_record(
        action=LensAction.DRAFT_CREATED,
        actor=actor,
        request=request,
        target=draft,
        data={"from": version.number},
    )
    return draft


@transaction.atomic
def version_deprecate(*, versions, actor=None, request=None) -> int:
    """Mark the published ones among ``versions`` deprecated; return how many."""
    locked = list(
        LensVersion.objects.select_for_update()
        .select_related("lens")
        .filter(pk__in=[v.pk for v in versions], status=LensVersion.Status.PUBLISHED)
    )
    LensVersion.objects.filter(pk__in=[v.pk for v in locked]).update(
        status=LensVersion.Status.DEPRECATED
    )
    for version in locked:
        audit_record(action=LensAction.DEPRECATED, actor=actor, request=request, target=version)
    return len(locked)


@transaction.atomic
def draft_publish(*, version: LensVersion, actor=None, request=None) -> LensVersion:
    """Publish a draft after checking it; refuses with every blocking problem listed."""
    locked = LensVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != LensVersion.Status.DRAFT:
        raise DraftNotPublishable([f"{locked} is not a draft"])
    tree = version_tree(locked)
    errors = [str(p) for p in tree_problems(tree) if not p.is_warning]
    if errors:
        raise DraftNotPublishable(errors)
    published = version_publish(version=locked, tree=tree)
    audit_record(action=LensAction.PUBLISHED, actor=actor, request=request, target=published)
    return published


def latest_published(lens_id: int, *, exclude: int | None = None) -> LensVersion | None:
    qs = LensVersion.objects.filter(lens_id=lens_id, status=LensVersion.Status.PUBLISHED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("-number").first()
