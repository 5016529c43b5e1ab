from __future__ import annotations

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from questions.content import content_hash, version_tree
from questions.exporter import version_export
from questions.importer import lens_import
from questions.models import Choice, LensVersion, Question
from tests.factories import UserFactory
from tests.questions.helpers import LENSES, row_counts


@pytest.fixture
def admin_client(client, db):
    # ContentType's cache lives as long as the process: start cold, so that the query counts
    # below do not depend on which tests (any admin save) ran before in this process.
    ContentType.objects.clear_cache()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def draft(rel_bank, admin_client):
    response = admin_client.post(reverse("admin:questions_lensversion_draft", args=[rel_bank.pk]))
    version = LensVersion.objects.get(lens=rel_bank.lens, status="draft")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:questions_lensversion_change", args=[version.pk])
    return version


def _question_post(question: Question, **changes) -> dict[str, str]:
    """The question page's form data as the browser would send it back, with ``changes``."""
    data = {
        "order": str(question.order),
        "ref": question.ref,
        "title": question.title,
        "description": question.description,
        "helpful_resource_text": "",
        "helpful_resource_url": "",
    }
    choices = list(question.choices.order_by("order"))
    rules = list(question.risk_rules.order_by("order"))
    for prefix, rows in (("choices", choices), ("risk_rules", rules)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    for i, c in enumerate(choices):
        for field in (
            "order",
            "ref",
            "title",
            "risk",
            "description",
            "helpful_resource_text",
            "helpful_resource_url",
            "improvement_plan_text",
            "improvement_plan_url",
        ):
            data[f"choices-{i}-{field}"] = str(getattr(c, field))
        if c.is_none:
            data[f"choices-{i}-is_none"] = "on"
        data[f"choices-{i}-id"] = str(c.pk)
        data[f"choices-{i}-question"] = str(question.pk)
    for i, r in enumerate(rules):
        data.update(
            {
                f"risk_rules-{i}-order": str(r.order),
                f"risk_rules-{i}-condition": r.condition,
                f"risk_rules-{i}-risk": r.risk,
                f"risk_rules-{i}-id": str(r.pk),
                f"risk_rules-{i}-question": str(question.pk),
            }
        )
    data.update(changes)
    return data


def test_version_list_shows_the_rel_bank_in_fixed_queries(
    admin_client, rel_bank, django_assert_num_queries
):
    url = reverse("admin:questions_lensversion_changelist")
    # session, user, 2x count, versions with their lens, lens filter choices
    with django_assert_num_queries(6):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert "Reliability: workload architecture (REL 3-5)" in response.content.decode()
    assert "Import a custom lens" in response.content.decode()


def test_lens_list_in_fixed_queries(admin_client, rel_bank, django_assert_num_queries):
    with django_assert_num_queries(5):
        response = admin_client.get(reverse("admin:questions_lens_changelist"))
    assert response.status_code == 200


def test_published_version_page_is_read_only(admin_client, rel_bank, django_assert_num_queries):
    url = reverse("admin:questions_lensversion_change", args=[rel_bank.pk])
    # session, user, version, pillars inline, questions overview, 4 for the problems
    # (the version's tree), content type for the history link
    with django_assert_num_queries(10):
        response = admin_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in page
    assert "cannot change" in page
    assert "service-architecture" in page
    assert "1 pillar(s), 3 question(s), 14 best practice(s): 9 High, 4 Medium, 1 Low." in page
    assert 'name="pillars-0-name"' not in page  # inline rows are shown, not editable
    before = version_tree(rel_bank)
    response = admin_client.post(url, {"label": "hacked", "name": "hacked"})
    assert response.status_code == 403
    assert version_tree(rel_bank) == before
    delete = reverse("admin:questions_lensversion_delete", args=[rel_bank.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert LensVersion.objects.filter(pk=rel_bank.pk).exists()


def test_published_question_page_is_read_only(admin_client, rel_bank, django_assert_num_queries):
    question = Question.objects.get(pillar__version=rel_bank, ref="service-architecture")
    url = reverse("admin:questions_question_change", args=[question.pk])
    # session, user, question+pillar+version+lens, choices, content type (view-only page), 2
    # for the problems panel; no rules inline in a native bank
    with django_assert_num_queries(7):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    response = admin_client.post(url, _question_post(question, title="Hacked"))
    assert response.status_code == 403
    question.refresh_from_db()
    assert question.title != "Hacked"


def test_draft_question_can_be_edited_and_reordered(admin_client, draft, django_assert_num_queries):
    question = Question.objects.get(pillar__version=draft, ref="service-architecture")
    url = reverse("admin:questions_question_change", args=[question.pk])
    # with a cold ContentType cache (see admin_client), the history link costs one query
    with django_assert_num_queries(7):
        assert admin_client.get(url).status_code == 200
    data = _question_post(question, title="REL 3. Service architecture?")
    data["choices-0-order"], data["choices-1-order"] = "1", "0"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert question.title == "REL 3. Service architecture?"
    assert list(question.choices.order_by("order").values_list("ref", flat=True))[:2] == [
        "rel_service_architecture_business_domains",
        "rel_service_architecture_monolith_soa_microservice",
    ]


@pytest.fixture
def imported_draft(db):
    return lens_import(data=(LENSES / "orr-whitepaper-sample.json").read_bytes()).version


def test_rule_naming_an_unknown_choice_is_shown_inline_and_nothing_saved(
    admin_client, imported_draft
):
    question = Question.objects.filter(pillar__version=imported_draft).order_by("id").first()
    rules_before = list(question.risk_rules.values_list("condition", flat=True))
    data = _question_post(question, title="Changed")
    data["risk_rules-0-condition"] = f"{question.choices.first().ref} && ghost"
    url = reverse("admin:questions_question_change", args=[question.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "unknown choice id &#x27;ghost&#x27;" in response.content.decode()
    question.refresh_from_db()
    assert question.title != "Changed"
    assert list(question.risk_rules.values_list("condition", flat=True)) == rules_before


def test_native_question_page_offers_no_risk_rules_that_would_be_ignored(admin_client, draft):
    question = Question.objects.get(pillar__version=draft, ref="service-architecture")
    url = reverse("admin:questions_question_change", args=[question.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="risk_rules-TOTAL_FORMS"' not in page
    assert 'name="choices-0-risk"' in page

    data = _question_post(question)
    data.update({"risk_rules-TOTAL_FORMS": "1", "risk_rules-0-order": "0"})
    data.update({"risk_rules-0-condition": "default", "risk_rules-0-risk": "NO_RISK"})
    assert admin_client.post(url, data).status_code == 302
    assert not question.risk_rules.exists()


def test_adding_a_native_question_with_risk_rules_is_refused(admin_client, draft):
    pillar = draft.pillars.get()
    data = {"pillar": str(pillar.pk), "order": "9", "ref": "extra", "title": "Extra?"}
    for prefix in ("choices", "risk_rules"):
        data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
    data.update({"choices-0-order": "0", "choices-0-ref": "a", "choices-0-title": "A"})
    data["choices-0-risk"] = "HIGH"
    data.update({"risk_rules-0-order": "0", "risk_rules-0-condition": "a"})
    data["risk_rules-0-risk"] = "NO_RISK"

    response = admin_client.post(reverse("admin:questions_question_add"), data)

    assert response.status_code == 200
    assert "risk rules would have no effect" in response.content.decode()
    assert not Question.objects.filter(pillar=pillar, ref="extra").exists()


def test_question_without_choices_is_refused_inline(admin_client, draft):
    question = Question.objects.get(pillar__version=draft, ref="service-architecture")
    data = _question_post(question)
    for i in range(question.choices.count()):
        data[f"choices-{i}-DELETE"] = "on"
    url = reverse("admin:questions_question_change", args=[question.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Please submit at least 1 form" in response.content.decode()
    assert question.choices.count() == 4


def test_compare_shows_the_diff_and_publish_makes_a_new_version(
    admin_client, rel_bank, draft, django_assert_num_queries
):
    published_before = version_tree(rel_bank)
    question = Question.objects.get(pillar__version=draft, ref="prevent-interaction-failure")
    Choice.objects.filter(question=question, ref__endswith="constant_work").delete()
    Choice.objects.create(question=question, ref="rel_new_practice", title="New", risk="MEDIUM")
    url = reverse("admin:questions_lensversion_compare", args=[draft.pk])
    # session, user, version, other versions, 4 per tree (old and new)
    with django_assert_num_queries(12):
        response = admin_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "rel_prevent_interaction_failure_constant_work" in page
    assert "prevent-interaction-failure/rel_new_practice" in page
    assert "1 added, 1 removed, 0 changed" in page
    assert f"Publish {draft}" in page

    response = admin_client.post(reverse("admin:questions_lensversion_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    assert draft.content_hash == content_hash(version_tree(draft))
    assert draft.number == rel_bank.number + 1
    rel_bank.refresh_from_db()
    assert rel_bank.status == "published"
    assert version_tree(rel_bank) == published_before  # the version it came from is untouched


def test_draft_with_problems_cannot_be_published(admin_client, draft):
    question = Question.objects.filter(pillar__version=draft).first()
    Choice.objects.filter(question=question, is_none=False).update(risk="")
    Choice.objects.filter(question=question).delete()
    response = admin_client.post(reverse("admin:questions_lensversion_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "draft"
    page = admin_client.get(response["Location"]).content.decode()
    assert "has no choices" in page


def test_import_page_lists_every_problem_and_changes_nothing(
    admin_client, rel_bank, django_assert_num_queries
):
    url = reverse("admin:questions_lensversion_import")
    with django_assert_num_queries(2):
        assert admin_client.get(url).status_code == 200
    doc = json.loads((LENSES / "orr-whitepaper-sample.json").read_text(encoding="utf-8"))
    doc["schemaVersion"] = "2019"
    doc["pillars"][1]["questions"][3]["riskRules"][0]["condition"] = "zzz"
    before = row_counts()
    upload = SimpleUploadedFile("lens.json", json.dumps(doc).encode(), "application/json")
    response = admin_client.post(url, {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400
    assert "fix 2 problems" in page
    assert "schemaVersion: is &quot;2019&quot;" in page
    assert "pillars[1].questions[3].riskRules[0].condition: unknown choice id" in page
    assert row_counts() == before


def test_import_page_imports_a_good_file(admin_client, db):
    upload = SimpleUploadedFile(
        "lens.json", (LENSES / "elasticache-v2.0.json").read_bytes(), "application/json"
    )
    response = admin_client.post(
        reverse("admin:questions_lensversion_import"), {"file": upload, "publish": "on"}
    )
    version = LensVersion.objects.get()
    assert response.status_code == 302
    assert version.status == "published"
    assert version.pillars.count() == 5


def test_export_download_is_the_lens_json(admin_client, rel_bank, django_assert_num_queries):
    url = reverse("admin:questions_lensversion_export", args=[rel_bank.pk])
    # session, user, version+lens, the export rate (audit events), 4 for the tree, audit event
    with django_assert_num_queries(9):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rel-3-5-v1.json"'
    assert json.loads(response.content) == version_export(rel_bank)


def test_non_staff_users_cannot_reach_the_bank_admin(client, rel_bank):
    client.force_login(UserFactory())
    for url in (
        reverse("admin:questions_lensversion_import"),
        reverse("admin:questions_lensversion_export", args=[rel_bank.pk]),
        reverse("admin:questions_lensversion_compare", args=[rel_bank.pk]),
    ):
        assert client.get(url).status_code == 302  # to the admin login
    assert client.post(reverse("admin:questions_lensversion_draft", args=[rel_bank.pk]))
    assert LensVersion.objects.count() == 1


def test_question_list_in_fixed_queries(admin_client, rel_bank, draft, django_assert_num_queries):
    # session, user, 2x count, questions with pillar/version/lens, the lens filter list
    with django_assert_num_queries(6):
        response = admin_client.get(reverse("admin:questions_question_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count("service-architecture") == 2


def test_a_question_can_be_added_to_a_draft_only(admin_client, rel_bank, draft):
    response = admin_client.get(reverse("admin:questions_question_add"))
    page = response.content.decode()
    assert response.status_code == 200
    pillar = draft.pillars.get()
    assert f'value="{pillar.pk}"' in page
    assert f'value="{rel_bank.pillars.get().pk}"' not in page


def test_pillar_page_reorders_its_questions(admin_client, draft, django_assert_num_queries):
    pillar = draft.pillars.get()
    questions = list(pillar.questions.order_by("order"))
    url = reverse("admin:questions_pillar_change", args=[pillar.pk])
    # session, user, pillar+version+lens, questions inline, content type
    with django_assert_num_queries(5):
        assert admin_client.get(url).status_code == 200
    data = {
        "order": "0",
        "ref": pillar.ref,
        "name": pillar.name,
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(len(questions)),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for i, q in enumerate(questions):
        data.update(
            {
                f"questions-{i}-id": str(q.pk),
                f"questions-{i}-pillar": str(pillar.pk),
                f"questions-{i}-ref": q.ref,
                f"questions-{i}-title": q.title,
                f"questions-{i}-order": str(len(questions) - i),  # reverse the order
            }
        )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert list(pillar.questions.order_by("order").values_list("ref", flat=True)) == [
        q.ref for q in reversed(questions)
    ]


def test_published_pillar_page_is_read_only(admin_client, rel_bank):
    url = reverse("admin:questions_pillar_change", args=[rel_bank.pillars.get().pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.post(url, {"name": "x"}).status_code == 403


def test_native_practice_without_risk_level_is_refused_inline(admin_client, draft):
    question = Question.objects.get(pillar__version=draft, ref="service-architecture")
    data = _question_post(question, **{"choices-0-risk": ""})
    url = reverse("admin:questions_question_change", args=[question.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Pick the risk level" in response.content.decode()
    assert not question.choices.filter(risk="").exclude(is_none=True).exists()


def test_deprecate_action_changes_only_the_status(admin_client, rel_bank):
    before = version_tree(rel_bank)
    response = admin_client.post(
        reverse("admin:questions_lensversion_changelist"),
        {"action": "deprecate", "_selected_action": [rel_bank.pk]},
    )
    assert response.status_code == 302
    rel_bank.refresh_from_db()
    assert rel_bank.status == "deprecated"
    assert version_tree(rel_bank) == before
