"""Question banks ("lenses") and their immutable, versioned content.

Lens -> LensVersion -> Pillar -> Question -> Choice (best practice) and RiskRule.
Ids (``ref``) are the custom-lens JSON ids: unique within their parent only, because real
lenses reuse ids such as ``choice1`` in every question. Ordering is explicit (``order``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Risk(models.TextChoices):
    """A best practice's documented risk level in a native bank."""

    HIGH = "HIGH", "High"
    MEDIUM = "MEDIUM", "Medium"
    LOW = "LOW", "Low"


class RuleRisk(models.TextChoices):
    """The outcome of a custom-lens risk rule, spelled as in the JSON format."""

    HIGH = "HIGH_RISK", "High risk"
    MEDIUM = "MEDIUM_RISK", "Medium risk"
    NONE = "NO_RISK", "No risk"


class Lens(models.Model):
    slug = models.SlugField(max_length=140, unique=True)
    name = models.CharField(max_length=128, unique=True)
    description = models.TextField(max_length=2048, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "lenses"

    def __str__(self) -> str:
        return self.name


class LensVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        DEPRECATED = "deprecated", "Deprecated"

    class Kind(models.TextChoices):
        # Native banks derive their risk rules from each best practice's risk level;
        # imported banks carry explicit risk rules from the JSON file.
        NATIVE = "native", "Native (risk levels per best practice)"
        IMPORTED = "imported", "Imported (risk rules)"

    lens = models.ForeignKey(Lens, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… in order of creation")
    label = models.CharField(max_length=64, blank=True, help_text="Free text, e.g. 2024-06")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.IMPORTED)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    name = models.CharField(max_length=128, help_text="The lens name as of this version")
    description = models.TextField(max_length=2048, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["lens__name", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["lens", "number"], name="uniq_lens_version_number")
        ]

    def __str__(self) -> str:
        suffix = f" ({self.label})" if self.label else ""
        return f"{self.lens.name} v{self.number}{suffix}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Pillar(models.Model):
    version = models.ForeignKey(LensVersion, on_delete=models.CASCADE, related_name="pillars")
    ref = models.CharField("id", max_length=100)
    name = models.CharField(max_length=128)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "ref"], name="uniq_pillar_ref")]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="questions")
    ref = models.CharField("id", max_length=100)
    title = models.CharField(max_length=128)
    description = models.TextField(max_length=2048, blank=True)
    helpful_resource_text = models.TextField(max_length=2048, blank=True)
    helpful_resource_url = models.URLField(max_length=2048, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pillar__order", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["pillar", "ref"], name="uniq_question_ref")]

    def __str__(self) -> str:
        return self.title


class Choice(models.Model):
    """A best practice (or the "None of these" choice) of a question."""

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
        max_length=8, choices=Risk.choices, blank=True, help_text="Native banks only"
    )
    is_none = models.BooleanField('"None of these"', default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["question", "ref"], name="uniq_choice_ref")]

    def __str__(self) -> str:
        return self.title


class RiskRule(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="risk_rules")
    condition = models.TextField(max_length=2048)
    risk = models.CharField(max_length=16, choices=RuleRisk.choices)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.condition} -> {self.risk}"
