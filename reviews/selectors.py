"""Shared reads: each query rule is written once, here, and pages, services, the API and
reports call it.

The banks of published (and deprecated) lens versions are built once per process and kept in a
bounded LRU cache keyed by version id (``bank``/``banks``): such a version can never change
(``questions.models.ImmutableVersionError``), so a cached bank cannot go stale, and a newer
version is a different key. Drafts are built on every call and never cached.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet

from config import rawsql
from questions import rules as rule_engine
from questions.models import Choice, Lens, LensVersion, Pillar, Question, RiskRule
from questions.vocab import VersionStatus
from reviews import scoring
from reviews.answer_state import AnswerState
from reviews.models import Answer, LensReview, Workload

# --- Lens reviews and answers -----------------------------------------------------------------
_LENS_REVIEW = rawsql.Columns(LensReview, "r")
_LENS_VERSION = rawsql.Columns(LensVersion, "v")
_LENS = rawsql.Columns(Lens, "l")
_ANSWER = rawsql.Columns(Answer, "a")
_SELECTED = rawsql.Converter(Answer, "selected")
_NOT_APPLICABLE = rawsql.Converter(Answer, "choices_not_applicable")


_NEWEST = rawsql.Columns(LensVersion, "nv")


def active_lens_reviews(
    workload: Workload | int, *, with_newest: bool = False, with_scoring: bool = False
) -> list[LensReview]:
    """The workload's active lens reviews in their order, with lens versions and lenses
    (1 hand-written query: every question page and save runs it). ``with_newest``: each also
    carries its lens's newest published version (``newest_version``, None if none is), in the
    same query, for the upgrade notice (``services.lens_reviews.newer_versions``).
    ``with_scoring``: each also carries ``scoring_states``' reading of its current answers
    (``answer_scoring``): in the same query on PostgreSQL (the answers as one JSON array per
    lens review), in a second one elsewhere."""
    t = rawsql.table
    workload_id = workload if isinstance(workload, int) else workload.pk
    newest_columns, newest_join, params = "", "", []
    if with_newest:
        newest_columns = f", {_NEWEST.sql()}"
        newest_join = (
            f"LEFT OUTER JOIN {t(LensVersion)} nv ON nv.id = ("  # noqa: S608 - names from the models
            f"SELECT n.id FROM {t(LensVersion)} n WHERE n.lens_id = v.lens_id AND n.status = %s "
            "ORDER BY n.number DESC LIMIT 1) "
        )
        params.append(VersionStatus.PUBLISHED)
    in_json = with_scoring and rawsql.vendor() == "postgresql"
    scoring_column = ""
    if in_json:
        # The columns and rule of _current_answer_rows, aggregated per lens review.
        scoring_column = (
            ", (SELECT json_agg(json_build_array(p.ref, q.ref, a.selected, a.is_applicable, "  # noqa: S608 - names from the models
            f"a.choices_not_applicable)) FROM {t(Answer)} a "
            f"INNER JOIN {t(Question)} q ON q.id = a.question_id "
            f"INNER JOIN {t(Pillar)} p ON p.id = q.pillar_id "
            "WHERE a.lens_review_id = r.id AND p.version_id = r.lens_version_id)"
        )
    rows = rawsql.fetch(
        f"SELECT {_LENS_REVIEW.sql()}, {_LENS_VERSION.sql()}, {_LENS.sql()}{newest_columns}"  # noqa: S608 - names from the models
        f"{scoring_column} FROM {t(LensReview)} r "
        f"INNER JOIN {t(LensVersion)} v ON v.id = r.lens_version_id "
        f"INNER JOIN {t(Lens)} l ON l.id = v.lens_id {newest_join}"
        "WHERE r.removed_at IS NULL AND r.workload_id = %s ORDER BY r.position, r.id",
        [*params, workload_id],
    )
    reviews = []
    a = len(_LENS_REVIEW)
    b = a + len(_LENS_VERSION)
    c = b + len(_LENS)
    d = c + len(_NEWEST) if with_newest else c
    for row in rows:
        review = _LENS_REVIEW.build(row[:a])
        version = _LENS_VERSION.build(row[a:b])
        version.lens = _LENS.build(row[b:c])
        review.lens_version = version
        if with_newest:
            review.newest_version = _NEWEST.build(row[c:d]) if row[c] is not None else None
        if in_json:
            review.answer_scoring = {
                scoring.answer_key(pillar_ref, question_ref): scoring.AnswerState(
                    selected=frozenset(selected or ()),
                    is_applicable=bool(applicable),
                    practices_not_applicable=frozenset(na or ()),
                )
                for pillar_ref, question_ref, selected, applicable, na in row[d] or ()
            }
        reviews.append(review)
    if with_scoring and not in_json:
        states = scoring_states(r.pk for r in reviews)
        for review in reviews:
            review.answer_scoring = states.get(review.pk, {})
    return reviews


def newest_published_versions(lens_ids: Iterable[int]) -> dict[int, LensVersion]:
    """The newest published version of each lens, by lens id (1 hand-written query: the
    question page runs it for its upgrade notice)."""
    ids = sorted(set(lens_ids))
    if not ids:
        return {}
    rows = rawsql.fetch(
        f"SELECT {_LENS_VERSION.sql()} FROM {rawsql.table(LensVersion)} v "  # noqa: S608 - names from the models
        f"WHERE v.lens_id IN ({rawsql.placeholders(ids)}) AND v.status = %s "
        "ORDER BY v.lens_id, v.number DESC",
        [*ids, VersionStatus.PUBLISHED],
    )
    newest: dict[int, LensVersion] = {}
    for row in rows:
        version = _LENS_VERSION.build(row)
        newest.setdefault(version.lens_id, version)
    return newest


def answer_to(lens_review_id: int | None, question_id: int) -> Answer | None:
    """The answer of a lens review to a question, if any (1 hand-written query)."""
    if lens_review_id is None:
        return None
    rows = rawsql.fetch(
        f"SELECT {_ANSWER.sql()} FROM {rawsql.table(Answer)} a "  # noqa: S608 - names from the models
        "WHERE a.lens_review_id = %s AND a.question_id = %s ORDER BY a.id LIMIT 1",
        [lens_review_id, question_id],
    )
    return _ANSWER.build(rows[0]) if rows else None


def current_answers() -> QuerySet[Answer]:
    """Answers to their lens review's current version. After a lens upgrade, answers to the old
    version's questions stay stored (history, milestones) but are no longer part of the review,
    and may share (pillar, question) ids with the new version's."""
    return Answer.objects.filter(question__pillar__version_id=F("lens_review__lens_version_id"))


def _current_answer_rows(lens_review_ids: Iterable[int], columns: str) -> list[tuple]:
    """(lens review id, pillar ref, question ref, *``columns`` of the answer ``a``) for each
    current answer (``current_answers``) of these lens reviews: 1 hand-written query."""
    ids = sorted(set(lens_review_ids))
    if not ids:
        return []
    t = rawsql.table
    return rawsql.fetch(
        f"SELECT a.lens_review_id, p.ref, q.ref, {columns} FROM {t(Answer)} a "  # noqa: S608 - names from the models
        f"INNER JOIN {t(LensReview)} r ON r.id = a.lens_review_id "
        f"INNER JOIN {t(Question)} q ON q.id = a.question_id "
        f"INNER JOIN {t(Pillar)} p ON p.id = q.pillar_id "
        "WHERE p.version_id = r.lens_version_id "
        f"AND a.lens_review_id IN ({rawsql.placeholders(ids)})",
        ids,
    )


def answer_states(lens_review_ids: Iterable[int]) -> dict[int, dict[str, AnswerState]]:
    """Each lens review's current answers (``current_answers``) keyed by
    ``scoring.answer_key`` (1 query)."""
    rows = _current_answer_rows(
        lens_review_ids,
        "a.selected, a.is_applicable, a.reason, a.notes, a.choices_not_applicable",
    )
    result: dict[int, dict[str, AnswerState]] = {}
    read_selected, read_na = _SELECTED.reader(), _NOT_APPLICABLE.reader()
    for review_id, pillar_ref, question_ref, selected, applicable, reason, notes, na in rows:
        result.setdefault(review_id, {})[scoring.answer_key(pillar_ref, question_ref)] = (
            AnswerState.from_values(
                selected=read_selected(selected),
                is_applicable=bool(applicable),
                reason=reason,
                notes=notes,
                not_applicable=read_na(na),
            )
        )
    return result


def scoring_states(lens_review_ids: Iterable[int]) -> dict[int, dict[str, scoring.AnswerState]]:
    """What scoring needs of each lens review's current answers, keyed by
    ``scoring.answer_key``: ``answer_states(...)``'s ``to_scoring()`` read straight from the
    rows, without the notes and reasons (1 query: the side navigation of every question page
    scores every answer of the workload)."""
    rows = _current_answer_rows(
        lens_review_ids, "a.selected, a.is_applicable, a.choices_not_applicable"
    )
    result: dict[int, dict[str, scoring.AnswerState]] = {}
    read_selected, read_na = _SELECTED.reader(), _NOT_APPLICABLE.reader()
    for review_id, pillar_ref, question_ref, selected, applicable, na in rows:
        result.setdefault(review_id, {})[scoring.answer_key(pillar_ref, question_ref)] = (
            scoring.AnswerState(
                selected=frozenset(read_selected(selected) or ()),
                is_applicable=bool(applicable),
                practices_not_applicable=frozenset(read_na(na) or ()),
            )
        )
    return result


def question_ids_by_key(version_id: int) -> dict[tuple[str, str], int]:
    """Question pks of a lens version by (pillar ref, question ref): free for a cached bank,
    else 1 query."""
    cached = bank_cache.get(version_id)
    if cached is not None:
        return dict(cached.ids_by_key)
    return {
        (pillar_ref, ref): pk
        for pk, pillar_ref, ref in Question.objects.filter(
            pillar__version_id=version_id
        ).values_list("pk", "pillar__ref", "ref")
    }


def question_located(workload: Workload, question_id: int) -> Question | None:
    """The question of a workload fetched with ``access.get_workload_for_question_or_404``, with its
    pillar, choices and rules, from the bank cache; None when no active lens review of the
    workload holds it."""
    version_id = getattr(workload, "question_version_id", None)
    if version_id is None:
        return None
    return bank(version_id).question(question_id)


# --- Banks -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionBank:
    """A lens version's content, built once: the scoring bank and the question rows.

    The rows are shared by every request of the process: read them, never change them
    (``question(pk)`` hands out a shallow copy for callers that set attributes). The version's
    ``status`` is not part of the content and may be out of date here.
    """

    version: LensVersion
    scoring_bank: scoring.Bank
    questions: tuple[Question, ...]  # bank order; pillar (with version), choices and rules loaded
    by_pk: Mapping[int, Question]
    scored: Mapping[int, scoring.Question]  # by question pk
    ids_by_key: Mapping[tuple[str, str], int]  # (pillar ref, question ref) -> question pk
    pillar_sizes: Mapping[int, int]  # questions per pillar pk

    @property
    def kind(self) -> str:
        return self.scoring_bank.kind

    def question(self, pk: int) -> Question | None:
        question = self.by_pk.get(pk)
        return copy.copy(question) if question is not None else None


def _compile(rule: RiskRule) -> rule_engine.CompiledRule:
    return rule_engine.CompiledRule(rule_engine.parse(rule.condition), rule.risk)


def _build(version_ids: set[int]) -> dict[int, VersionBank]:
    """Build the banks of ``version_ids`` in 5 queries whatever their number (versions,
    pillars, questions, choices, rules)."""
    versions = {v.pk: v for v in LensVersion.objects.filter(pk__in=version_ids)}
    pillars = (
        Pillar.objects.filter(version_id__in=versions)
        .order_by("version_id", "order", "id")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("order", "id").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("order", "id")),
                    Prefetch("risk_rules", queryset=RiskRule.objects.order_by("order", "id")),
                ),
            )
        )
    )
    parts: dict[int, list[tuple[Pillar, list[Question]]]] = {vid: [] for vid in versions}
    for pillar in pillars:
        pillar.version = versions[pillar.version_id]
        questions = list(pillar.questions.all())
        for question in questions:
            question.pillar = pillar
        parts[pillar.version_id].append((pillar, questions))
    built = {}
    for vid, version in versions.items():
        scored: dict[int, scoring.Question] = {}
        scoring_pillars = []
        for pillar, questions in parts[vid]:
            for q in questions:
                scored[q.pk] = scoring.Question(
                    ref=q.ref,
                    title=q.title,
                    practices=tuple(
                        scoring.Practice(
                            ref=c.ref,
                            title=c.title,
                            risk=c.risk or None,
                            is_none=c.is_none,
                            improvement_text=c.improvement_plan_text,
                            improvement_url=c.improvement_plan_url,
                        )
                        for c in q.choices.all()
                    ),
                    rules=tuple(_compile(r) for r in q.risk_rules.all()),
                )
            scoring_pillars.append(
                scoring.Pillar(pillar.ref, pillar.name, tuple(scored[q.pk] for q in questions))
            )
        questions_in_order = tuple(q for _, questions in parts[vid] for q in questions)
        built[vid] = VersionBank(
            version=version,
            scoring_bank=scoring.Bank(kind=version.kind, pillars=tuple(scoring_pillars)),
            questions=questions_in_order,
            by_pk={q.pk: q for q in questions_in_order},
            scored=scored,
            ids_by_key={(q.pillar.ref, q.ref): q.pk for q in questions_in_order},
            pillar_sizes={pillar.pk: len(questions) for pillar, questions in parts[vid]},
        )
    return built


class BankCache:
    """A bounded, thread-safe LRU of ``VersionBank`` by version id, for immutable versions."""

    CACHED_STATUSES = frozenset({VersionStatus.PUBLISHED, VersionStatus.DEPRECATED})

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[int, VersionBank] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, version_id: int) -> VersionBank | None:
        with self._lock:
            entry = self._entries.get(version_id)
            if entry is not None:
                self._entries.move_to_end(version_id)
            return entry

    def put(self, entry: VersionBank) -> None:
        if entry.version.status not in self.CACHED_STATUSES:
            return  # a draft can still change: never kept
        with self._lock:
            self._entries[entry.version.pk] = entry
            self._entries.move_to_end(entry.version.pk)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, version_id: int) -> bool:
        return version_id in self._entries


bank_cache = BankCache(settings.BANK_CACHE_SIZE)


def banks(version_ids: Iterable[int]) -> dict[int, VersionBank]:
    """The banks of ``version_ids`` (unknown ids left out): cached ones for free, the others
    built together in 5 queries and cached when published or deprecated."""
    ids = set(version_ids)
    found: dict[int, VersionBank] = {}
    for vid in ids:
        entry = bank_cache.get(vid)
        if entry is not None:
            found[vid] = entry
    missing = ids - set(found)
    if missing:
        for vid, entry in _build(missing).items():
            bank_cache.put(entry)
            found[vid] = entry
    return found


def bank(version_id: int) -> VersionBank:
    """One version's bank (``KeyError`` for an unknown id)."""
    return banks([version_id])[version_id]
