"""Lens authoring checks: what each question's rules do over every possible answer."""

from __future__ import annotations

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from questions import rules as rule_engine
from questions.content import version_tree
from questions.coverage import is_none_choice, question_coverage
from questions.importer import lens_import
from questions.models import Choice, LensVersion
from questions.services import draft_publish
from questions.validation import tree_problems
from questions.vocab import RULE_RISKS
from tests.factories import UserFactory
from tests.questions.helpers import LENSES, dump, load, row_counts


def _valid_answers(choices):
    """Every answer the app accepts, the slow way: non-empty practice sets or one "None"."""
    practices = [ref for ref, is_none in choices if not is_none]
    nones = [ref for ref, is_none in choices if is_none]
    for size in range(1, len(practices) + 1):
        yield from (frozenset(c) for c in itertools.combinations(practices, size))
    yield from (frozenset({ref}) for ref in nones)


def test_a_rule_shadowed_by_an_earlier_one_can_never_fire():
    coverage = question_coverage(
        [("a", False), ("b", False), ("c_no", True)],
        [("a", "NO_RISK"), ("a && b", "MEDIUM_RISK"), ("default", "HIGH_RISK")],
    )
    assert coverage.dead_rules == (1,)
    assert coverage.unmatched == 0
    assert coverage.answers == 4  # a, b, a+b, None of these
    assert coverage.reaches_no_risk
    assert coverage.all_practices_risk == "NO_RISK"


def test_answers_no_rule_matches_are_counted_with_an_example():
    coverage = question_coverage(
        [("a", False), ("b", False)], [("a && b", "NO_RISK"), ("a && !b", "MEDIUM_RISK")]
    )
    assert coverage.unmatched == 1
    assert coverage.unmatched_example == ("b",)
    assert coverage.dead_rules == ()


def test_a_no_risk_rule_needing_none_of_these_with_practices_is_unreachable():
    coverage = question_coverage(
        [("a", False), ("b", False), ("n", True)],
        [("a && b && n", "NO_RISK"), ("a || b", "MEDIUM_RISK"), ("default", "HIGH_RISK")],
    )
    assert coverage.dead_rules == (0,)
    assert not coverage.reaches_no_risk
    assert coverage.all_practices_risk == "MEDIUM_RISK"


def test_fifteen_choices_are_evaluated_exhaustively():
    choices = [(f"c{i}", False) for i in range(14)] + [("c_no", True)]
    all_practices = " && ".join(f"c{i}" for i in range(14))
    coverage = question_coverage(
        choices, [(all_practices, "NO_RISK"), ("c0", "MEDIUM_RISK"), ("c1", "MEDIUM_RISK")]
    )
    assert coverage.answers == 2**14 - 1 + 1
    # neither all fourteen, nor c0, nor c1: the sets of c2..c13 (non-empty), and "None" alone
    assert coverage.unmatched == 2**12 - 1 + 1
    assert coverage.all_practices_risk == "NO_RISK"


_IDS = ["a", "b", "c", "d"]


def _condition():
    leaf = st.sampled_from(_IDS)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(lambda c: f"!({c})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]}) && ({p[1]})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]}) || ({p[1]})"),
        ),
        max_leaves=6,
    )


@settings(max_examples=150, deadline=None)
@given(
    nones=st.lists(st.booleans(), min_size=4, max_size=4),
    conditions=st.lists(_condition(), min_size=1, max_size=3),
    risks=st.lists(st.sampled_from(RULE_RISKS), min_size=3, max_size=3),
    with_default=st.booleans(),
)
def test_truth_tables_agree_with_evaluating_every_answer_one_by_one(
    nones, conditions, risks, with_default
):
    choices = list(zip(_IDS, nones, strict=True))
    rules = [(c, risks[i]) for i, c in enumerate(conditions)]
    if with_default:
        rules.append(("default", "MEDIUM_RISK"))
    coverage = question_coverage(choices, rules)

    compiled = [rule_engine.CompiledRule(rule_engine.parse(c), r) for c, r in rules]
    answers = list(_valid_answers(choices))
    deciding = []
    for answer in answers:
        first = next(
            (
                i
                for i, rule in enumerate(compiled)
                if not rule.is_default and rule.node.evaluate(answer)
            ),
            None,
        )
        if first is None and with_default:
            first = len(rules) - 1
        deciding.append(first)
    assert coverage.answers == len(answers)
    assert coverage.unmatched == deciding.count(None)
    assert set(coverage.dead_rules) == set(range(len(conditions))) - set(deciding)
    assert coverage.reaches_no_risk == any(
        rule_engine.evaluate(compiled, answer) == "NO_RISK" for answer in answers
    )


def test_none_of_these_is_known_by_its_id_or_its_title():
    assert is_none_choice("sec_no", "Nothing")
    assert is_none_choice("waf_ec_ops_dp2_bp3", "  None of these ")
    assert is_none_choice("x", "None of the above.")
    assert not is_none_choice("waf_ec_ops_dp2_bp1", "None of these alarms fire twice")


# --- real public lenses (tests/questions/data/lenses, see SOURCES.md there) -------------------
def test_elasticache_none_of_these_marked_by_title_only_is_recognised(db):
    result = lens_import(data=(LENSES / "elasticache-v2.0.json").read_bytes())

    nones = Choice.objects.filter(question__pillar__version=result.version, is_none=True)
    assert nones.count() == 19
    assert not any(ref.endswith("_no") for ref in nones.values_list("ref", flat=True))
    assert set(nones.values_list("title", flat=True)) == {"None of these"}
    assert any(
        '(waf_ec_ops_dp2_bp7): read as "None of these" from its title' in w for w in result.warnings
    )


def test_elasticache_warns_where_no_answer_reaches_no_risk(db):
    result = lens_import(data=(LENSES / "elasticache-v2.0.json").read_bytes())

    # Its NO_RISK rule needs "None of these" ticked together with every practice.
    assert (
        "pillars[0].questions[1] (waf_ec_1_ops/waf_ec_ops_dp2): no answer reaches NO_RISK"
        in result.warnings
    )
    assert any(
        w.startswith("pillars[0].questions[1] (waf_ec_1_ops/waf_ec_ops_dp2): riskRules[2] ")
        and "can never fire" in w
        for w in result.warnings
    )
    assert any(
        w.startswith("pillars[1].questions[0] (waf_ec_2_sec/waf_ec_sec_dp4): 1 of 256 possible")
        for w in result.warnings
    )
    assert (
        "pillars[1].questions[2] (waf_ec_2_sec/waf_ec_sec_dp9): following every best practice "
        "gives HIGH_RISK, not NO_RISK" in result.warnings
    )


def test_orr_sample_rule_that_contradicts_itself_is_reported_and_still_imported(db):
    result = lens_import(data=(LENSES / "orr-whitepaper-sample.json").read_bytes(), publish=True)

    assert result.version.status == LensVersion.Status.PUBLISHED
    assert (
        "pillars[0].questions[5] (architecture/architecture_rpo_rto): riskRules[1] "
        "('(rto_defined) && (!rto_defined)' -> MEDIUM_RISK) can never fire"
    ) in "\n".join(result.warnings)


def test_draft_checks_show_the_same_warnings_and_publishing_is_not_refused(db):
    version = lens_import(data=(LENSES / "elasticache-v2.0.json").read_bytes()).version

    warnings = [str(p) for p in tree_problems(version_tree(version)) if p.is_warning]
    assert "pillars[0].questions[1] (waf_ec_1_ops/waf_ec_ops_dp2): no answer reaches NO_RISK" in (
        warnings
    )
    draft_publish(version=version)
    version.refresh_from_db()
    assert version.status == LensVersion.Status.PUBLISHED


def test_compare_page_shows_the_rule_warnings_before_publishing(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    version = lens_import(data=(LENSES / "orr-whitepaper-sample.json").read_bytes()).version

    page = client.get(reverse("admin:questions_lensversion_compare", args=[version.pk]))

    assert "pillars[0].questions[5] (architecture/architecture_rpo_rto): riskRules[1]" in (
        page.content.decode()
    )


# --- re-importing ---------------------------------------------------------------------------
@pytest.mark.parametrize("publish", [False, True])
def test_reimporting_an_identical_file_creates_nothing_and_says_so(db, publish):
    data = (LENSES / "cognito-v1.0.json").read_bytes()
    first = lens_import(data=data, publish=publish)
    before = row_counts()

    again = lens_import(data=data, publish=True, label="another label")

    assert not again.created
    assert again.version == first.version
    assert row_counts() == before
    assert again.summary() == (
        f"Nothing imported: the file is identical to '{first.version.name}' version 1 "
        f"({'published' if publish else 'draft'})."
    )


def test_a_changed_file_is_a_new_version(db):
    doc = load("cognito-v1.0.json")
    lens_import(data=dump(doc), publish=True)
    doc["pillars"][0]["questions"][0]["title"] += " (revised)"

    result = lens_import(data=dump(doc))

    assert result.created and result.version.number == 2


def test_admin_import_of_an_identical_file_says_which_version(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = (LENSES / "connect-reliability.json").read_bytes()
    first = lens_import(data=data, publish=True).version
    url = reverse("admin:questions_lensversion_import")

    response = client.post(
        url, {"file": SimpleUploadedFile("l.json", data, "application/json")}, follow=True
    )

    assert LensVersion.objects.count() == 1
    assert f"the file is identical to &#x27;{first.name}&#x27; version 1" in (
        response.content.decode()
    )
