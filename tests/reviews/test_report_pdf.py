"""The PDF report a lead hands on, checked on the real render (WeasyPrint, then pypdf and
pdftotext): the cover's properties, each count said once, "None of these" and not-applicable
reasons in words, the change since the previous milestone as the comparison page shows it,
text that extracts as words, titled links, the organisation's name and logo, and a short
report for a big lens with one answer."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from questions.importer import lens_import
from questions.models import Question
from reviews import pdf as report_pdf
from reviews.labels import RISK_LABELS
from reviews.models import Answer, LensReview
from reviews.report_context import build_context
from reviews.scoring import score_from_counts
from reviews.services.lens_reviews import lens_review_add
from reviews.services.milestones import milestone_create
from tests import factories
from tests.factories import lens_review_of
from tests.questions.helpers import LENSES
from tests.reviews.reports_data import answered_rel_workload

pytestmark = pytest.mark.django_db


def pdftotext(pdf: bytes, *, page: int | None = None) -> str:
    """Text as a reader's copy and paste would get it (poppler's pdftotext, as `make test`
    installs it), whitespace collapsed."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is missing; make test installs it"
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    out = subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode("utf-8").split())


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


@pytest.fixture
def workload(rel_bank):
    workload = answered_rel_workload(rel_bank, name="Payments Platform")
    workload.environment = "PREPRODUCTION"
    workload.regions = ["eu-west-1", "eu-central-1"]
    workload.account_ids = ["123456789012", "000000000042"]
    workload.industry = "Retail banking"
    workload.owner = "Platform team"
    workload.review_owner = "Ada Lovelace"
    workload.architectural_design = "https://wiki.example.com/payments"
    workload.notes = "Card payments for the web shop."
    workload.save()
    return workload


def test_cover_lists_every_property_lens_version_and_the_milestone(workload, rel_bank):
    taker = factories.UserFactory(username="jordan")
    milestone = milestone_create(workload=workload, name="Before launch", user=taker)

    pdf = report_pdf.render_pdf(build_context(workload, milestone=milestone))
    cover = pdftotext(pdf, page=1)

    for value in (
        "Payments Platform",
        workload.team.name,
        "Pre-production",
        "eu-west-1, eu-central-1",
        "123456789012, 000000000042",
        "Retail banking",
        "Platform team",
        "Ada Lovelace",
        f"{rel_bank.lens.name}, version {rel_bank.number}",
        "Architectural design document",
        "Card payments for the web shop.",
        f"“Before launch”, taken {milestone.created_at:%-d %B %Y} by jordan",
    ):
        assert value in cover, value
    links = [a["/A"]["/URI"] for a in _annotations(pdf, 0)]
    assert "https://wiki.example.com/payments" in links


def _annotations(pdf: bytes, page: int) -> list:
    reader = PdfReader(io.BytesIO(pdf))
    return [a.get_object() for a in reader.pages[page].get("/Annots", [])]


def test_executive_summary_says_each_number_once(workload):
    context = build_context(workload)
    pdf = report_pdf.render_pdf(context)
    summary = _section(pdftotext(pdf, page=2), "Executive summary", "Priorities")
    counts = context["counts"]

    numbers = [int(n) for n in re.findall(r"\d+", summary)]
    expected = [
        context["result"].total,
        context["result"].answered,
        counts["HIGH"],
        counts["MEDIUM"],
        counts["LOW"],
        counts["NONE"],
        counts["NOT_APPLICABLE"],
        context["score"],
        100,  # "out of 100"
    ]
    assert numbers == expected, summary  # the chart repeats none of them
    assert "Questions by risk level" in summary


def test_none_of_these_and_not_applicable_reasons_are_said_in_words(workload):
    none = Answer.objects.get(
        lens_review__workload=workload, question__ref="prevent-interaction-failure"
    )
    none.selected = ["rel_prevent_interaction_failure_no"]
    none.save()
    na = Answer.objects.get(
        lens_review__workload=workload, question__ref="mitigate-interaction-failure"
    )
    na.is_applicable, na.reason = False, "ARCHITECTURE_CONSTRAINTS"
    na.save()
    practice = Answer.objects.get(
        lens_review__workload=workload, question__ref="service-architecture"
    )
    practice.choices_not_applicable = {
        "rel_service_architecture_api_contracts": {"reason": "OUT_OF_SCOPE", "note": "No API"}
    }
    practice.save()

    text = pdftotext(report_pdf.render_pdf(build_context(workload)))

    assert "Answered “None of these”: the workload follows none of this question’s best" in text
    assert "Not applicable to this workload. Reason: Architecture constraints" in text
    assert "Not applicable: Out of scope — No API" in text


def test_change_since_the_previous_milestone_matches_the_comparison_page(
    workload, client_for, rel_bank
):
    lead = factories.MembershipFactory(team=workload.team, role="lead").user
    milestone_create(workload=workload, name="Baseline", user=lead)
    answer = Answer.objects.get(
        lens_review__workload=workload, question__ref="prevent-interaction-failure"
    )
    answer.selected = [*answer.selected, "rel_prevent_interaction_failure_loosely_coupled_system"]
    answer.save()
    answer = Answer.objects.get(
        lens_review__workload=workload, question__ref="service-architecture"
    )
    answer.selected = answer.selected[:1]
    answer.save()

    page = client_for(lead).get(reverse("reviews:milestone_compare", args=[workload.pk]))
    changes = page.context["changes"]
    before, after = page.context["before"], page.context["after"]
    text = pdftotext(report_pdf.render_pdf(build_context(workload)))
    delta = _section(text, "Change since the previous milestone", "Questions 1.")

    assert "Compared with milestone “Baseline”" in delta
    assert changes, "the test changes two questions"
    for change in changes:
        assert change.title in delta
        for title in change.newly_followed:
            assert f"Newly followed: {title}" in delta
        for title in change.no_longer_followed:
            assert f"No longer followed: {title}" in delta
    from reviews import charts

    for risk in charts.ORDER:
        b, a = before.counts.get(risk, 0), after.counts.get(risk, 0)
        sign = "+" if a - b > 0 else ""
        assert f"{RISK_LABELS[risk]} {b} {a} {sign}{a - b}" in delta


def test_text_extracts_as_words_not_letter_spaced(workload):
    text = pdftotext(report_pdf.render_pdf(build_context(workload)))
    assert "Architecture review report" in text
    # Three or more single letters in a row ("A R C H") is letter-spaced text (a table's
    # counts, "1 2 0 0", are single digits in a row: not letters).
    spaced = re.search(r"(?:\b[^\W\d_]\b ){3,}", text)
    assert not spaced, spaced


def test_guidance_links_are_titled_not_raw_urls(workload):
    pdf = report_pdf.render_pdf(build_context(workload))
    text = pdftotext(pdf)
    guidance = text[text.index("Guidance Further reading") :]
    assert "http" not in guidance
    reader = PdfReader(io.BytesIO(pdf))
    uris = [
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots", [])
        if "/A" in a.get_object()
    ]
    assert any(u.startswith("https://docs.aws.amazon.com/wellarchitected/") for u in uris)


def test_organisation_name_and_logo_come_from_the_settings(workload, settings, tmp_path):
    logo = tmp_path / "logo.png"
    from PIL import Image

    Image.new("RGB", (120, 40), (20, 33, 61)).save(logo)
    settings.ARCHREVIEW_ORG_NAME = "Example Bank"
    settings.ARCHREVIEW_ORG_LOGO = str(logo)

    pdf = report_pdf.render_pdf(build_context(workload))

    reader = PdfReader(io.BytesIO(pdf))
    assert "Example Bank" in pdftotext(pdf, page=1)
    assert "Example Bank" in reader.pages[-1].extract_text()  # the page footer
    assert list(reader.pages[0].images), "the logo is on the cover"


def test_a_42_question_lens_with_one_answer_fits_in_five_pages(db):
    version = lens_import(data=(LENSES / "cognito-v1.0.json").read_bytes(), publish=True).version
    workload = factories.WorkloadFactory(name="Identity", lens_version=version)
    questions = Question.objects.filter(pillar__version=version)
    question = questions.order_by("pillar__order", "order")[0]
    Answer.objects.create(
        lens_review=lens_review_of(workload),
        question=question,
        selected=[question.choices.filter(is_none=False).order_by("order").first().ref],
    )

    pdf = report_pdf.render_pdf(build_context(workload))

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) <= 5, len(reader.pages)
    text = pdftotext(pdf)
    assert "Not answered yet (41)" in text
    last = questions.order_by("-pillar__order", "-order")[0]
    assert " ".join(last.title.split()) in text


def test_risks_by_lens_table_gives_each_lens_and_the_total(workload):
    """Two lenses: a row per lens (name, version, counts in the chart's order, score) and a
    total row, checked against the counts the answer path stored for each lens review."""
    version = lens_import(data=(LENSES / "cognito-v1.0.json").read_bytes(), publish=True).version
    cognito = lens_review_add(workload=workload, lens_version=version, user=None)
    questions = Question.objects.filter(pillar__version=version).order_by("pillar__order", "order")
    for question in questions[:2]:
        Answer.objects.create(
            lens_review=cognito,
            question=question,
            selected=[question.choices.filter(is_none=True).first().ref],
        )
    factories.store_counts(workload)
    order = ["HIGH", "MEDIUM", "LOW", "NONE", "NOT_APPLICABLE", "UNANSWERED"]

    text = pdftotext(report_pdf.render_pdf(build_context(workload)))
    table = _section(text, "Risks by lens", "Change since the previous milestone")

    rows = []
    for review in LensReview.objects.filter(workload=workload).order_by("position"):
        counts = review.counts
        score = score_from_counts(counts)
        cells = [str(counts[risk]) for risk in order] + ["–" if score is None else str(score)]
        rows.append(f"{review.lens_version.name} (version 1) {' '.join(cells)}")
        assert rows[-1] in table, table
    assert counts["HIGH"] == 2 and counts["UNANSWERED"] == len(questions) - 2  # the second lens
    workload.refresh_from_db()
    total = [str(workload.counts[risk]) for risk in order] + [str(workload.score)]
    assert f"Total {' '.join(total)}" in table, table
    assert table.index(rows[0]) < table.index(rows[1]) < table.index("Total")
