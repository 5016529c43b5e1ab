"""The architect's journey in Chromium: sign in, create a workload, answer REL 3-5 (practices,
"None of these" with the keyboard alone, a question that does not apply), read the risks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from questions.banks import load_rel_bank
from reviews.models import Answer, Workload
from tests import factories
from tests.browser.helpers import (
    main_nav,
    open_new_workload_form,
    save_screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

REL3 = "REL 3. How do you design your workload service architecture?"
REL4 = "REL 4. How do you design interactions in a distributed system to prevent failures?"
REL5 = (
    "REL 5. How do you design interactions in a distributed system to mitigate or withstand"
    " failures?"
)


def saved_after(page: Page, change: Callable[[], None]) -> None:
    """Make one change on the question page and see the autosave confirm it: one POST, the
    "Saved" status, and the answer's version one higher than before."""
    version = int(page.locator("#answer-version").input_value())
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/questions/" in r.url
    ) as response:
        change()
    assert response.value.ok, response.value.status
    expect(page.locator("#save-status")).to_contain_text("Saved")
    expect(page.locator("#answer-version")).to_have_value(str(version + 1))


def tab_to(page: Page, selector: str, *, limit: int = 120) -> int:
    """Press Tab until the element matching ``selector`` has the focus; return the presses."""
    target = page.locator(selector)
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"{selector} never received the focus in {limit} Tab presses")


def focus_is_visible(page: Page) -> bool:
    """The focused element draws an outline or a focus ring (box shadow)."""
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
            return outline || style.boxShadow !== 'none';
        }"""
    )


def test_architect_creates_a_workload_answers_rel_3_to_5_and_sees_the_risks(
    page: Page, audit, screenshot_dir
):
    load_rel_bank()
    team = factories.TeamFactory(name="Payments")
    architect = factories.MembershipFactory(team=team, role="architect", user__username="alex").user

    sign_in(page, architect.username, audit=audit)
    audit()  # the dashboard, empty

    # Create the workload.
    open_new_workload_form(page, audit=audit)
    page.get_by_label("Name").fill("Checkout Service")
    page.get_by_label("Description").fill("Takes card payments for the web shop.")
    page.get_by_label("Regions").fill("eu-west-1, eu-central-1")
    page.get_by_role("button", name="Create workload").click()
    expect(page.get_by_role("heading", name="Checkout Service")).to_be_visible()
    expect(page.get_by_text("Workload “Checkout Service” created")).to_be_visible()
    audit()
    workload = Workload.objects.get(name="Checkout Service")
    assert workload.team == team

    # REL 3: two practices, one at a time, each saved on its own.
    page.get_by_role("link", name="Start the review").click()
    expect(page.get_by_role("heading", name=REL3)).to_be_visible()
    audit()
    saved_after(
        page, lambda: page.get_by_label("Choose how to segment your workload", exact=True).check()
    )
    saved_after(
        page,
        lambda: page.get_by_label(
            "Build services focused on specific business domains and functionality", exact=True
        ).check(),
    )
    # Typing in the notes autosaves a second after the last key, without leaving the field.
    saved_after(page, lambda: page.get_by_label("Notes").press_sequentially("Split by domain."))
    expect(page.get_by_label("Notes")).to_be_focused()
    audit()  # with the "Saved" status and the updated side navigation
    save_screenshot(page, screenshot_dir / "questionnaire.png")
    page.get_by_role("navigation", name="Previous and next question").get_by_role(
        "link", name=REL4
    ).click()

    # REL 4 with the keyboard alone: Tab to "None of these", Space, Tab to the next button,
    # Enter.
    expect(page.get_by_role("heading", name=REL4)).to_be_visible()
    audit()
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    assert focus_is_visible(page)
    tab_to(page, "#bp-none")
    assert focus_is_visible(page), "the focused checkbox shows no focus indicator"
    saved_after(page, lambda: page.keyboard.press("Space"))
    expect(page.locator("#bp-none")).to_be_checked()
    tab_to(page, "button[name=go][value=next]")
    assert focus_is_visible(page), "the focused button shows no focus indicator"
    page.keyboard.press("Enter")

    # REL 5 does not apply. Ticking the box asks for the reason first: nothing is sent and no
    # error shows, the reason list appears; choosing a reason saves the answer.
    expect(page.get_by_role("heading", name=REL5)).to_be_visible()
    reason = page.get_by_label("Why does it not apply?")
    expect(reason).to_be_hidden()
    audit()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_label("This question does not apply to this workload").check()
    expect(reason).to_be_visible()
    expect(reason).to_be_focused()
    expect(page.locator("#save-status")).to_contain_text("pick a reason")
    expect(page.locator("#save-status")).not_to_contain_text("please fix")
    expect(page.locator("#save-status .alert-danger")).to_have_count(0)
    expect(page.locator("#answer-version")).to_have_value("0")
    assert posts == []
    audit()  # the hint, too
    saved_after(
        page, lambda: page.get_by_label("Why does it not apply?").select_option("Out of scope")
    )
    audit()
    expect(page.get_by_text("3 of 3 answered")).to_be_visible()
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name=f"History of “{REL5}”")).to_be_visible()
    audit()

    # Every change reached the database as the user made it.
    answers = {a.question.ref: a for a in Answer.objects.filter(lens_review__workload=workload)}
    assert sorted(answers["service-architecture"].selected) == [
        "rel_service_architecture_business_domains",
        "rel_service_architecture_monolith_soa_microservice",
    ]
    assert answers["prevent-interaction-failure"].selected == ["rel_prevent_interaction_failure_no"]
    assert not answers["mitigate-interaction-failure"].is_applicable
    assert answers["mitigate-interaction-failure"].reason == "OUT_OF_SCOPE"

    # The summary: REL 3 misses a medium practice, REL 4 follows none, REL 5 does not apply.
    main_nav(page, "Dashboard").click()
    expect(page.get_by_role("heading", name="Risk dashboard")).to_be_visible()
    audit()
    # The dashboard opens the workload's page, as the workload list does.
    page.get_by_role("link", name="Checkout Service").click()
    expect(page.get_by_role("heading", level=1, name="Checkout Service")).to_be_visible()
    expect(page.get_by_role("heading", name="Review progress")).to_be_visible()
    audit()
    page.get_by_role("navigation", name="Workload sections").get_by_role(
        "link", name="Summary"
    ).click()
    expect(page.get_by_role("heading", name="Summary", exact=True)).to_be_visible()
    audit()
    risks = {
        row.get_by_role("rowheader").inner_text(): row.get_by_role("cell").last.inner_text()
        for row in page.get_by_role("row").filter(has=page.get_by_role("rowheader")).all()
        if row.get_by_role("rowheader").inner_text() in (REL3, REL4, REL5)
    }
    assert risks == {REL3: "Medium risk", REL4: "High risk", REL5: "Not applicable"}
    save_screenshot(page, screenshot_dir / "summary.png", full_page=True)

    audit.assert_every_page_checked()
