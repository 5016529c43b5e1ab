"""Lens reviews, step 1 of 3 (0007-0009): new tables and columns; the old single-lens columns become
nullable so that 0008 can move the data and 0009 can drop them (and each step reverses)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _counts():
    return [
        (name, models.PositiveIntegerField(default=0))
        for name in (
            "unanswered_count",
            "high_count",
            "medium_count",
            "low_count",
            "none_count",
            "not_applicable_count",
        )
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("questions", "0001_initial"),
        ("reviews", "0006_workload_owner_account_ids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LensReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                *_counts(),
                ("position", models.PositiveIntegerField(default=0)),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("removed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "added_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "lens",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="questions.lens",
                    ),
                ),
                (
                    "lens_version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="questions.lensversion",
                    ),
                ),
                (
                    "removed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "workload",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lens_reviews",
                        to="reviews.workload",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("removed_at__isnull", True)),
                        fields=("workload", "lens"),
                        name="uniq_active_lens_review",
                    )
                ],
            },
        ),
        *(
            migrations.AddField(model_name="workload", name=name, field=field)
            for name, field in _counts()
        ),
        migrations.AddField(
            model_name="workload",
            name="pillar_priorities",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="answer",
            name="lens_review",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="reviews.lensreview",
            ),
        ),
        migrations.AlterField(
            model_name="answer",
            name="workload",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="reviews.workload",
            ),
        ),
        *(
            migrations.AlterField(
                model_name=model,
                name="lens_version",
                field=models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to="questions.lensversion",
                ),
            )
            for model in ("workload", "milestone", "report")
        ),
        migrations.CreateModel(
            name="MilestoneLens",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveIntegerField(default=0)),
                ("answers", models.JSONField(default=dict)),
                ("results", models.JSONField(default=dict)),
                (
                    "lens_review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.lensreview",
                    ),
                ),
                (
                    "lens_version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="questions.lensversion",
                    ),
                ),
                (
                    "milestone",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lenses",
                        to="reviews.milestone",
                    ),
                ),
            ],
            options={
                "ordering": ["position", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("milestone", "lens_review"), name="uniq_milestone_lens_review"
                    )
                ],
            },
        ),
    ]
