"""Lens reviews, step 3 of 3: answers belong to a lens review; the single-lens columns go."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0008_lens_reviews_data"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="answer", name="uniq_answer"),
        migrations.RemoveField(model_name="answer", name="workload"),
        migrations.AlterField(
            model_name="answer",
            name="lens_review",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="reviews.lensreview",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.UniqueConstraint(
                fields=("lens_review", "question"), name="uniq_answer"
            ),
        ),
        migrations.RemoveField(model_name="workload", name="lens_version"),
        migrations.RemoveField(model_name="milestone", name="lens_version"),
        migrations.RemoveField(model_name="milestone", name="answers"),
        migrations.RemoveField(model_name="milestone", name="results"),
        migrations.RemoveField(model_name="report", name="lens_version"),
    ]
