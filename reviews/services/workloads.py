"""Creating, editing and archiving workloads (lenses: ``reviews.services.lens_reviews``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from accounts.audit import audit_record
from questions.banks import REL_BANK_SLUG
from questions.models import LensVersion, Pillar
from reviews import scoring
from reviews.audit_actions import ReviewAction
from reviews.models import COUNT_FIELDS, LensReview, Team, Workload, validate_account_ids
from reviews.services.lens_reviews import lens_review_add

# The shipped REL 3-5 bank is the default lens of new workloads.
DEFAULT_LENS_SLUG = REL_BANK_SLUG

WORKLOAD_FIELDS = (
    "name",
    "description",
    "environment",
    "regions",
    "account_ids",
    "owner",
    "review_owner",
    "architectural_design",
    "industry",
    "notes",
)

_DUPLICATE_NAME = "A workload with this name already exists in this team. Choose another name."


def published_versions():
    """The latest published version of each lens: what a new review may start on."""
    newer = LensVersion.objects.filter(
        lens=OuterRef("lens"), status=LensVersion.Status.PUBLISHED, number__gt=OuterRef("number")
    )
    return (
        LensVersion.objects.filter(status=LensVersion.Status.PUBLISHED)
        .filter(~Exists(newer))
        .select_related("lens")
        .order_by("lens__name", "-number")
    )


def default_lens_version() -> LensVersion | None:
    """The newest published REL 3-5 version, else the newest published version of any lens."""
    versions = published_versions()
    return (
        versions.filter(lens__slug=DEFAULT_LENS_SLUG).first()
        or versions.order_by("-published_at", "-pk").first()
    )


def _check_account_ids(data: dict[str, Any]) -> None:
    if "account_ids" in data:
        try:
            validate_account_ids(data["account_ids"])
        except ValidationError as exc:
            raise ValidationError({"account_ids": exc.messages}) from None


@transaction.atomic
def workload_create(
    *,
    team: Team,
    user,
    data: dict[str, Any],
    lens_version: LensVersion | None = None,
    request=None,
) -> Workload:
    """A new workload with its first lens review (``lens_version``, else the default lens)."""
    fields = {k: data[k] for k in WORKLOAD_FIELDS if k in data}
    _check_account_ids(fields)
    lens_version = lens_version or data.get("lens_version") or default_lens_version()
    if lens_version is None:
        raise ValidationError("No lens is published yet: ask an administrator to load one.")
    try:
        with transaction.atomic():
            workload = Workload.objects.create(team=team, created_by=user, **fields)
    except IntegrityError:
        # The form checks the name first; this covers two people creating it at once.
        raise ValidationError({"name": _DUPLICATE_NAME}) from None
    audit_record(
        action=ReviewAction.WORKLOAD_CREATED,
        actor=user,
        request=request,
        target=workload,
        team=team,
    )
    lens_review_add(workload=workload, lens_version=lens_version, user=user, request=request)
    workload.refresh_from_db(fields=[*COUNT_FIELDS, "updated_at"])
    return workload


@transaction.atomic
def workload_update(
    *, workload: Workload, data: dict[str, Any], actor=None, request=None
) -> Workload:
    # Lenses change only through the lens review services, which carry answers over.
    _check_account_ids(data)
    for key in WORKLOAD_FIELDS:
        if key in data:
            setattr(workload, key, data[key])
    workload.updated_at = timezone.now()
    try:
        with transaction.atomic():
            workload.save()
    except IntegrityError:
        raise ValidationError({"name": _DUPLICATE_NAME}) from None
    audit_record(
        action=ReviewAction.WORKLOAD_EDITED,
        actor=actor,
        request=request,
        target=workload,
        team=workload.team_id,
    )
    return workload


def workload_pillars(workload: Workload) -> list[tuple[str, str]]:
    """(pillar id, name) of the workload's active lenses, in the workload's pillar priority
    order: the prioritised ones first, then the rest in lens and bank order (1 query). A pillar
    id shared by several lenses is one pillar, as in the AWS tool."""
    rows = (
        Pillar.objects.filter(
            version__in=LensReview.objects.active()
            .filter(workload=workload)
            .values("lens_version_id")
        )
        .annotate(
            position=Subquery(
                LensReview.objects.active()
                .filter(workload=workload, lens_version_id=OuterRef("version_id"))
                .values("position")[:1]
            )
        )
        .order_by("position", "order", "pk")
        .values_list("ref", "name")
    )
    names: dict[str, str] = {}
    for ref, name in rows:
        names.setdefault(ref, name)
    rank = scoring.pillar_rank(workload.pillar_priorities or [])
    return sorted(names.items(), key=lambda item: rank(item[0]))


@transaction.atomic
def workload_set_pillar_priorities(*, workload: Workload, pillar_refs: list[str]) -> Workload:
    """Order the workload's pillars (the improvement plan follows). Unknown ids are refused."""
    known = {ref for ref, _ in workload_pillars(workload)}
    refs = list(dict.fromkeys(pillar_refs))
    unknown = [ref for ref in refs if ref not in known]
    if unknown:
        raise ValidationError(
            "Unknown pillar: %(ids)s. Reload the page.", params={"ids": ", ".join(unknown)}
        )
    workload.pillar_priorities = refs
    Workload.objects.filter(pk=workload.pk).update(pillar_priorities=refs)
    return workload


@transaction.atomic
def workload_archive(
    *, workload: Workload, archived: bool = True, actor=None, request=None
) -> Workload:
    workload.archived_at = timezone.now() if archived else None
    Workload.objects.filter(pk=workload.pk).update(archived_at=workload.archived_at)
    audit_record(
        action=ReviewAction.WORKLOAD_ARCHIVED if archived else ReviewAction.WORKLOAD_RESTORED,
        actor=actor,
        request=request,
        target=workload,
        team=workload.team_id,
    )
    return workload
