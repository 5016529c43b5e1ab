"""Pages in Chromium: the colour scheme follows the system and the footer's picker, with
axe-core clean in both; a best practice marked not applicable asks for its reason first."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from questions.banks import load_rel_bank
from questions.models import Question
from reviews.models import Answer
from reviews.services.counts import counts_recompute
from reviews.services.milestones import milestone_create
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.helpers import DESKTOP, assert_breadcrumb_scheme, sign_in
from tests.factories import lens_review_of, version_of
from tests.reviews.reports_data import FOLLOWED

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed():
    version = load_rel_bank()
    team = factories.TeamFactory(name="Payments")
    architect = factories.MembershipFactory(team=team, role="architect").user
    workload = factories.WorkloadFactory(
        team=team,
        name="Payments Platform",
        lens_version=version,
        industry="Retail",
        notes="Reviewed with the platform team.",
        owner="Platform team",
        account_ids=["123456789012"],
    )
    for question in Question.objects.filter(pillar__version=version, ref__in=FOLLOWED):
        Answer.objects.create(
            lens_review=lens_review_of(workload), question=question, selected=FOLLOWED[question.ref]
        )
    # Answers made here bypass answer_save, so their stored counts are set as a repair would.
    counts_recompute(workload_ids=[workload.pk])
    milestone_create(workload=workload, name="Before launch", user=architect)
    return architect, workload


def _pages(workload) -> list[str]:
    first = Question.objects.filter(pillar__version=version_of(workload)).order_by("order").first()
    base = f"/workloads/{workload.pk}"
    return [
        "/",
        "/workloads/",
        f"{base}/overview/",
        f"{base}/questions/{first.pk}/",
        f"{base}/summary/",
        f"{base}/plan/",
        f"{base}/milestones/",
        f"{base}/reports/",
    ]


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_colour_scheme_follows_the_system_and_every_page_passes_axe(
    chromium: Browser, live_server, reviewed, scheme
):
    architect, workload = reviewed
    context = chromium.new_context(
        base_url=live_server.url, viewport=DESKTOP, color_scheme=scheme, locale="en-GB"
    )
    page = context.new_page()
    try:
        sign_in(page, architect.username, audit=lambda: None)
        for path in _pages(workload):
            page.goto(path)
            expect(page.locator("html")).to_have_attribute("data-bs-theme", scheme)
            assert_accessible(page)
            assert_breadcrumb_scheme(page)
    finally:
        context.close()


def test_the_picker_overrides_the_system_and_is_remembered(
    chromium: Browser, live_server, reviewed
):
    architect, workload = reviewed
    context = chromium.new_context(
        base_url=live_server.url, viewport=DESKTOP, color_scheme="light", locale="en-GB"
    )
    page = context.new_page()
    try:
        sign_in(page, architect.username, audit=lambda: None)
        picker = page.get_by_label("Colour scheme")
        expect(picker).to_have_value("auto")
        picker.select_option("Dark")
        expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
        page.goto(f"/workloads/{workload.pk}/summary/")
        expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
        expect(page.get_by_label("Colour scheme")).to_have_value("dark")
        assert_accessible(page)
        page.get_by_label("Colour scheme").select_option("As the system")
        expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    finally:
        context.close()


def test_a_practice_marked_not_applicable_asks_for_its_reason_before_saving(
    page: Page, audit, reviewed
):
    architect, workload = reviewed
    question = Question.objects.get(
        pillar__version=version_of(workload), ref="service-architecture"
    )
    sign_in(
        page,
        architect.username,
        audit=audit,
        path=f"/workloads/{workload.pk}/questions/{question.pk}/",
    )
    practice = question.choices.filter(is_none=False).order_by("order").last()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    page.get_by_text("Not applicable to this workload?").last.click()
    reason = page.get_by_label("Reason").last
    expect(reason).to_be_hidden()
    page.get_by_label(f"“{practice.title}” does not apply").check()
    expect(reason).to_be_visible()
    expect(page.locator("#save-status")).to_contain_text("pick a reason")
    expect(page.locator("#save-status .alert-danger")).to_have_count(0)
    assert posts == []
    audit()

    with page.expect_response(lambda r: r.request.method == "POST"):
        reason.select_option("Business priorities")
    expect(page.locator("#save-status")).to_contain_text("Saved")
    answer = Answer.objects.get(lens_review__workload=workload, question=question)
    assert answer.choices_not_applicable[practice.ref]["reason"] == "BUSINESS_PRIORITIES"
