"""factory_boy factories shared by the tests. Add yours here, grouped by app."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from questions.models import Choice, Lens, LensVersion, Pillar, Question, RiskRule
from reviews.models import COUNT_FIELDS, LensReview, Membership, Team, Workload


# --- accounts ---------------------------------------------------------------------------------
class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


# --- questions --------------------------------------------------------------------------------
class LensFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lens

    name = factory.Sequence(lambda n: f"Lens {n}")
    slug = factory.Sequence(lambda n: f"lens-{n}")


class LensVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LensVersion

    lens = factory.SubFactory(LensFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda v: v.lens.name)
    kind = LensVersion.Kind.NATIVE
    status = LensVersion.Status.DRAFT


class PillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pillar

    version = factory.SubFactory(LensVersionFactory)
    ref = factory.Sequence(lambda n: f"pillar{n}")
    name = factory.Sequence(lambda n: f"Pillar {n}")
    order = factory.Sequence(lambda n: n)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    pillar = factory.SubFactory(PillarFactory)
    ref = factory.Sequence(lambda n: f"question{n}")
    title = factory.Sequence(lambda n: f"Question {n}?")
    order = factory.Sequence(lambda n: n)


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory)
    ref = factory.Sequence(lambda n: f"choice{n}")
    title = factory.Sequence(lambda n: f"Best practice {n}")
    risk = "HIGH"
    order = factory.Sequence(lambda n: n)


class RiskRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskRule

    question = factory.SubFactory(QuestionFactory)
    condition = "default"
    risk = "HIGH_RISK"
    order = factory.Sequence(lambda n: n)


def make_bank(
    *, questions: int = 3, practices: int = 4, kind: str = "native", publish: bool = True
) -> LensVersion:
    """A small published bank built row by row: one pillar, N questions, each with M
    practices (risks cycling High/Medium/Low) and a "None of these" choice."""
    version = LensVersionFactory(kind=kind)
    pillar = PillarFactory(version=version, ref="pillar", name="Pillar", order=0)
    risks = ["HIGH", "MEDIUM", "LOW"]
    for q in range(questions):
        question = QuestionFactory(pillar=pillar, ref=f"q{q}", title=f"Question {q}?", order=q)
        for c in range(practices):
            ChoiceFactory(
                question=question,
                ref=f"q{q}_c{c}",
                title=f"Practice {q}.{c}",
                risk=risks[c % 3] if kind == "native" else "",
                order=c,
            )
        ChoiceFactory(
            question=question,
            ref=f"q{q}_no",
            title="None of these",
            risk="",
            is_none=True,
            order=practices,
        )
        if kind != "native":
            RiskRuleFactory(
                question=question,
                condition=" && ".join(f"q{q}_c{c}" for c in range(practices)),
                risk="NO_RISK",
                order=0,
            )
            RiskRuleFactory(question=question, condition="default", risk="HIGH_RISK", order=1)
    if publish:
        LensVersion.objects.filter(pk=version.pk).update(
            status=LensVersion.Status.PUBLISHED, published_at=timezone.now()
        )
        version.refresh_from_db()
    return version


# --- reviews ----------------------------------------------------------------------------------
class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = "architect"


class WorkloadFactory(factory.django.DjangoModelFactory):
    """A workload with one lens review: ``WorkloadFactory(lens_version=v)`` picks its lens
    (default: a new 3-question bank), added through the real service so counts are stored."""

    class Meta:
        model = Workload
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Workload {n}")
    description = "A workload under review"

    @factory.post_generation
    def lens_version(obj, create, extracted, **kwargs):  # noqa: N805
        from reviews.services.lens_reviews import lens_review_add

        if not create:
            return
        version = extracted if extracted is not None else make_bank(questions=3)
        lens_review_add(workload=obj, lens_version=version, user=None)
        obj.refresh_from_db(fields=[*COUNT_FIELDS, "updated_at"])


def lens_review_of(workload: Workload, lens_version: LensVersion | None = None) -> LensReview:
    """The workload's active lens review (of ``lens_version``'s lens when given)."""
    reviews = LensReview.objects.active().filter(workload=workload).select_related("lens_version")
    if lens_version is not None:
        reviews = reviews.filter(lens_id=lens_version.lens_id)
    return reviews.order_by("position", "pk").first()


def store_counts(workload: Workload) -> Workload:
    """Rescore ``workload``'s lens reviews and store their counts, after a test wrote answers
    directly instead of through ``answer_save``."""
    from reviews.services.counts import lens_review_counts_store, workload_counts_store

    lens_review_counts_store(lens_reviews=LensReview.objects.filter(workload=workload))
    workload_counts_store(workload_ids=[workload.pk])
    workload.refresh_from_db(fields=COUNT_FIELDS)
    return workload


def version_of(workload: Workload) -> LensVersion:
    """The lens version of the workload's first active lens review."""
    return lens_review_of(workload).lens_version


# --- webhooks ---------------------------------------------------------------------------------
class EndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "webhooks.Endpoint"

    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = "https://hooks.example.com/archreview"
    events = factory.LazyFunction(lambda: ["milestone.taken"])
