"""Sort orders of the workload dashboard, and the indexes that serve them.

Each order is an ORDER BY on the stored counts of active workloads, ties by name then id. The
same expressions build the partial indexes in ``Workload.Meta.indexes``, so the database reads
one page in index order (LIMIT/OFFSET) instead of sorting every visible workload. An index
serves its order exactly, and the reverse order by a backward scan plus an incremental sort of
the rows tied on the key. No index uses NULLS FIRST/LAST (SQLite refuses it in an index):
the score, NULL for a workload with nothing scored yet, sorts with a sentinel per direction so
those workloads come last both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import BaseExpression, Combinable, OrderBy
from django.db.models.functions import Cast, Coalesce, Lower, NullIf

from reviews.labels import RISK_LABELS
from reviews.vocab import Risk

ACTIVE = Q(archived_at__isnull=True)


def _float(expression: Combinable) -> Cast:
    return Cast(expression, models.FloatField())


_ANSWERED = (
    F("high_count")
    + F("medium_count")
    + F("low_count")
    + F("none_count")
    + F("not_applicable_count")
)
_SCORED = F("high_count") + F("medium_count") + F("low_count") + F("none_count")
# The figures shown are rounded in Python (``RiskCounts``); rounding never reorders.
PROGRESS = Coalesce(
    _float(_ANSWERED) / NullIf(_float(_ANSWERED + F("unanswered_count")), 0),
    0,
    output_field=models.FloatField(),
)
_SCORE = _float(F("none_count") * 100 + F("low_count") * 75 + F("medium_count") * 50) / NullIf(
    _float(_SCORED), 0
)
# Scores run 0-100: unscored workloads last ascending (101) and descending (-1).
SCORE_ASCENDING = Coalesce(_SCORE, 101, output_field=models.FloatField())
SCORE_DESCENDING = Coalesce(_SCORE, -1, output_field=models.FloatField())


@dataclass(frozen=True, slots=True)
class Sort:
    label: str
    ascending: F | BaseExpression  # the key expression for an ascending sort
    descending: F | BaseExpression  # ... and for a descending one (differs only for the score)


SORTS: dict[str, Sort] = {
    "name": Sort("Name", Lower("name"), Lower("name")),
    "high": Sort(RISK_LABELS[Risk.HIGH], F("high_count"), F("high_count")),
    "medium": Sort(RISK_LABELS[Risk.MEDIUM], F("medium_count"), F("medium_count")),
    "progress": Sort("Progress", PROGRESS, PROGRESS),
    "score": Sort("Score", SCORE_ASCENDING, SCORE_DESCENDING),
    "changed": Sort("Last change", F("updated_at"), F("updated_at")),
}


def workload_ordering(sort: str) -> list[OrderBy]:
    """ORDER BY for ``sort`` (a key of ``SORTS``, ``-`` in front for descending): ties by
    name (alphabetical whichever the direction, except when sorting by name), then id."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    if key == "name":
        if descending:
            return [Lower("name").desc(), F("id").desc()]
        return [Lower("name").asc(), F("id").asc()]
    expression = SORTS[key].descending if descending else SORTS[key].ascending
    column = expression.desc() if descending else expression.asc()
    return [column, Lower("name").asc(), F("id").asc()]


def _index(name: str, *ordering: OrderBy) -> models.Index:
    return models.Index(*ordering, name=name, condition=ACTIVE)


def dashboard_indexes() -> list[models.Index]:
    """One partial index per sort (its first-click direction; the score both ways), and one
    for the dashboard's totals (count, high, medium) read from the index alone."""
    indexes = [
        _index(f"workload_sort_{key}", *workload_ordering(key if key == "name" else f"-{key}"))
        for key in SORTS
    ]
    indexes.append(_index("workload_sort_score_asc", *workload_ordering("score")))
    indexes.append(
        models.Index(
            fields=["team", "high_count", "medium_count"], name="workload_totals", condition=ACTIVE
        )
    )
    return indexes
