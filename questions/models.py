"""Question banks ("lenses") and their immutable, versioned content.

Lens -> LensVersion -> Pillar -> Question -> Choice (best practice) and RiskRule.
Ids (``ref``) are the custom-lens JSON ids: unique within their parent only, because real
lenses reuse ids such as ``choice1`` in every question. Ordering is explicit (``order``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from questions.vocab import (
    BANK_KIND_LABELS,
    FROZEN_STATUSES,
    LEVEL_LABELS,
    RULE_RISK_LABELS,
    VERSION_STATUS_LABELS,
    BankKind,
    VersionStatus,
    choices,
)


class ImmutableVersionError(Exception):
    """A write that would change a published (or deprecated) lens version or its content."""


def _refuse(what: str) -> ImmutableVersionError:
    return ImmutableVersionError(
        f"{what} belongs to a published lens version, which cannot be changed; "
        "create a draft from it, edit the draft and publish that as a new version"
    )


_Method = TypeVar("_Method", bound=Callable[..., Any])


def queryset_only(method: _Method) -> _Method:
    """Keeps a guarded bulk method (``update``, ``delete``) off the managers, as Django does
    for its own ``delete``: the guard lives on the queryset."""
    method.queryset_only = True  # type: ignore[attr-defined]  # Django's marker attribute
    return method


class BankContentQuerySet(models.QuerySet):
    """Refuses bulk writes that would touch the content of a published version.

    ``version_path`` is the lookup from the model to its ``LensVersion``; ``parent_field``
    the foreign key to check on bulk_create.
    """

    version_path = ""
    parent_lookup = ""  # from LensVersion down to the parent model

    def frozen(self) -> models.QuerySet:
        return self.filter(**{f"{self.version_path}__status__in": FROZEN_STATUSES})

    @queryset_only
    def update(self, **kwargs):
        if self.frozen().exists():
            raise _refuse(f"A {self.model._meta.verbose_name}")
        return super().update(**kwargs)

    @queryset_only
    def delete(self):
        if self.frozen().exists():
            raise _refuse(f"A {self.model._meta.verbose_name}")
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        parent_ids = {getattr(o, self.model.parent_field + "_id") for o in objs}
        frozen = LensVersion.objects.filter(
            **{f"{self.parent_lookup}__in": parent_ids, "status__in": FROZEN_STATUSES}
        )
        if parent_ids and frozen.exists():
            raise _refuse(f"A new {self.model._meta.verbose_name}")
        return super().bulk_create(objs, *args, **kwargs)


class BankContent(models.Model):
    """Pillars, questions, choices and rules: writable only while their version is a draft."""

    parent_field = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self._is_frozen():
            raise _refuse(f"This {self._meta.verbose_name}")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._is_frozen():
            raise _refuse(f"This {self._meta.verbose_name}")
        return super().delete(*args, **kwargs)

    def _is_frozen(self) -> bool:
        qs = type(self)._default_manager.all()
        assert isinstance(qs, BankContentQuerySet)
        parent_id = getattr(self, self.parent_field + "_id")
        under_frozen_parent = LensVersion.objects.filter(
            **{qs.parent_lookup: parent_id, "status__in": FROZEN_STATUSES}
        ).exists()
        return under_frozen_parent or (
            self.pk is not None and qs.filter(pk=self.pk).frozen().exists()
        )


class PillarQuerySet(BankContentQuerySet):
    version_path, parent_lookup = "version", "pk"


class QuestionQuerySet(BankContentQuerySet):
    version_path, parent_lookup = "pillar__version", "pillars"


class QuestionPartQuerySet(BankContentQuerySet):
    """Choices and risk rules."""

    version_path, parent_lookup = "question__pillar__version", "pillars__questions"


class LensQuerySet(models.QuerySet):
    @queryset_only
    def delete(self):
        if LensVersion.objects.filter(lens__in=self, status__in=FROZEN_STATUSES).exists():
            raise _refuse("A lens with a published version")
        return super().delete()


class Lens(models.Model):
    slug = models.SlugField(max_length=140, unique=True)
    name = models.CharField(max_length=128, unique=True)
    description = models.TextField(max_length=2048, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LensQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "lenses"

    def __str__(self) -> str:
        return self.name

    def delete(self, *args, **kwargs):
        if self.versions.filter(status__in=FROZEN_STATUSES).exists():
            raise _refuse("A lens with a published version")
        return super().delete(*args, **kwargs)


class LensVersionQuerySet(models.QuerySet):
    @queryset_only
    def update(self, **kwargs):
        # The one change a published version accepts is its lifecycle status
        # (published <-> deprecated); publishing a draft is an update of draft rows.
        lifecycle_only = set(kwargs) == {"status"} and kwargs["status"] in FROZEN_STATUSES
        if not lifecycle_only and self.filter(status__in=FROZEN_STATUSES).exists():
            raise _refuse("A lens version")
        return super().update(**kwargs)

    @queryset_only
    def delete(self):
        if self.filter(status__in=FROZEN_STATUSES).exists():
            raise _refuse("A lens version")
        return super().delete()


class LensVersion(models.Model):
    Status = VersionStatus
    Kind = BankKind

    lens = models.ForeignKey(Lens, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… in order of creation")
    label = models.CharField(max_length=64, blank=True, help_text="Free text, e.g. 2024-06")
    kind = models.CharField(
        max_length=16, choices=choices(BANK_KIND_LABELS), default=BankKind.IMPORTED.value
    )
    status = models.CharField(
        max_length=16, choices=choices(VERSION_STATUS_LABELS), default=VersionStatus.DRAFT.value
    )
    name = models.CharField(max_length=128, help_text="The lens name as of this version")
    description = models.TextField(max_length=2048, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LensVersionQuerySet.as_manager()

    class Meta:
        ordering = ["lens__name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["lens", "number"], name="uniq_lens_version_number")
        ]

    def __str__(self) -> str:
        suffix = f" ({self.label})" if self.label else ""
        return f"{self.lens.name} v{self.number}{suffix}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_frozen:
                changed = [
                    f.name
                    for f in self._meta.concrete_fields
                    if getattr(stored, f.attname) != getattr(self, f.attname)
                ]
                if set(changed) - {"status"} or self.status not in FROZEN_STATUSES:
                    raise _refuse("This lens version")
        super().save(*args, **kwargs)

    def _stored_is_frozen(self) -> bool:
        return type(self).objects.filter(pk=self.pk, status__in=FROZEN_STATUSES).exists()

    def delete(self, *args, **kwargs):
        if self.pk is not None and self._stored_is_frozen():
            raise _refuse("This lens version")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_frozen(self) -> bool:
        """Published or deprecated: its content can no longer change."""
        return self.status in FROZEN_STATUSES


class Pillar(BankContent):
    parent_field = "version"
    version = models.ForeignKey(LensVersion, on_delete=models.CASCADE, related_name="pillars")
    ref = models.CharField("id", max_length=100)
    name = models.CharField(max_length=128)
    order = models.PositiveIntegerField(default=0)

    objects = PillarQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "ref"], name="uniq_pillar_ref")]

    def __str__(self) -> str:
        return self.name


class Question(BankContent):
    parent_field = "pillar"
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="questions")
    ref = models.CharField("id", max_length=100)
    title = models.CharField(max_length=128)
    description = models.TextField(max_length=2048, blank=True)
    helpful_resource_text = models.TextField(max_length=2048, blank=True)
    helpful_resource_url = models.URLField(max_length=2048, blank=True)
    order = models.PositiveIntegerField(default=0)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["pillar__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["pillar", "ref"], name="uniq_question_ref")]

    def __str__(self) -> str:
        return self.title


class Choice(BankContent):
    """A best practice (or the "None of these" choice) of a question."""

    parent_field = "question"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    ref = models.CharField("id", max_length=100)
    title = models.CharField(max_length=128)
    description = models.TextField(max_length=2048, blank=True)
    helpful_resource_text = models.TextField(
        max_length=2048, blank=True, help_text="How to tell whether the workload follows it"
    )
    helpful_resource_url = models.URLField(max_length=2048, blank=True)
    improvement_plan_text = models.TextField(
        max_length=2048, blank=True, help_text="First steps to improve"
    )
    improvement_plan_url = models.URLField(max_length=2048, blank=True)
    additional_resources = models.JSONField(default=list, blank=True)
    risk = models.CharField(
        max_length=8, choices=choices(LEVEL_LABELS), blank=True, help_text="Native banks only"
    )
    is_none = models.BooleanField('"None of these"', default=False)
    order = models.PositiveIntegerField(default=0)

    objects = QuestionPartQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "ref"], name="uniq_choice_ref")]

    def __str__(self) -> str:
        return self.title


class RiskRule(BankContent):
    parent_field = "question"
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="risk_rules")
    condition = models.TextField(max_length=2048)
    risk = models.CharField(max_length=16, choices=choices(RULE_RISK_LABELS))
    order = models.PositiveIntegerField(default=0)

    objects = QuestionPartQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.condition} -> {self.risk}"


@receiver(pre_delete, sender=LensVersion)
def _refuse_cascaded_delete(sender, instance: LensVersion, **kwargs) -> None:
    # A backstop for cascades that bypass the checks above (e.g. from another model): the
    # deletion is refused, though by then the surrounding transaction is spoiled.
    if instance.is_frozen:
        raise _refuse("This lens version")
