from __future__ import annotations

import copy

from questions.content import version_create, version_tree
from questions.diff import diff_trees, diff_versions
from questions.models import Choice, Question
from questions.validation import tree_problems


def test_identical_versions_have_no_changes(rel_bank):
    draft = version_create(lens=rel_bank.lens, tree=version_tree(rel_bank))
    assert not diff_versions(rel_bank, draft)


def test_diff_lists_added_removed_and_changed_questions_and_choices(rel_bank):
    draft = version_create(lens=rel_bank.lens, tree=version_tree(rel_bank))
    q3 = Question.objects.get(pillar__version=draft, ref="service-architecture")
    q3.title = "Renamed"
    q3.save()
    Question.objects.filter(pillar__version=draft, ref="mitigate-interaction-failure").delete()
    Choice.objects.filter(question=q3, ref="rel_service_architecture_api_contracts").update(
        risk="HIGH"
    )
    Choice.objects.create(question=q3, ref="rel_new", title="New practice", risk="LOW", order=9)
    diff = diff_versions(rel_bank, draft)
    assert [(c.level, c.path) for c in diff.removed] == [
        ("question", "reliability/mitigate-interaction-failure")
    ]
    assert [(c.level, c.path) for c in diff.added] == [
        ("choice", "reliability/service-architecture/rel_new")
    ]
    assert {(c.level, c.path, c.fields) for c in diff.changed} == {
        ("question", "reliability/service-architecture", ("title",)),
        (
            "choice",
            "reliability/service-architecture/rel_service_architecture_api_contracts",
            ("risk",),
        ),
    }
    assert diff.removed_questions() == {("reliability", "mitigate-interaction-failure")}


def test_reordering_is_a_change_of_order():
    tree = {
        "pillars": [
            {
                "ref": "p",
                "name": "P",
                "questions": [
                    {"ref": "a", "title": "A", "choices": [], "rules": []},
                    {"ref": "b", "title": "B", "choices": [], "rules": []},
                ],
            }
        ]
    }
    swapped = copy.deepcopy(tree)
    swapped["pillars"][0]["questions"].reverse()
    diff = diff_trees(tree, swapped)
    assert {(c.path, c.fields) for c in diff.changed} == {("p/a", ("order",)), ("p/b", ("order",))}


def test_rule_changes_are_reported_on_the_question():
    def tree(condition):
        return {
            "pillars": [
                {
                    "ref": "p",
                    "name": "P",
                    "questions": [
                        {
                            "ref": "q",
                            "title": "Q",
                            "choices": [],
                            "rules": [{"condition": condition, "risk": "NO_RISK"}],
                        }
                    ],
                }
            ]
        }

    diff = diff_trees(tree("a"), tree("a && b"))
    assert [(c.path, c.fields) for c in diff.changed] == [("p/q", ("rules",))]


def test_validation_names_unknown_ids_and_empty_questions():
    tree = {
        "kind": "imported",
        "pillars": [
            {
                "ref": "p",
                "questions": [
                    {
                        "ref": "q1",
                        "choices": [{"ref": "a", "risk": "", "is_none": False}],
                        "rules": [{"condition": "a && ghost", "risk": "NO_RISK"}],
                    },
                    {
                        "ref": "q2",
                        "choices": [],
                        "rules": [{"condition": "default", "risk": "HIGH_RISK"}],
                    },
                ],
            }
        ],
    }
    messages = [str(p) for p in tree_problems(tree)]
    assert "p/q1: risk rule 1 ('a && ghost'): unknown choice id 'ghost' at position 5" in messages
    assert "p/q1: no 'default' rule: HIGH_RISK applies when none matches" in messages
    assert "p/q2: has no choices; add at least one" in messages
