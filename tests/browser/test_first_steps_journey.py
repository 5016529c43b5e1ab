"""First steps in Chromium, on a fresh database: the first admin creates a team and invites an
architect and a lead by e-mail; the mails go through a real SMTP server (aiosmtpd); each
invitee opens the link in their own browser, sets a name and password and lands on the
dashboard; the architect creates a workload and answers a question. Nobody needs /admin/."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from questions.banks import load_rel_bank
from reviews.models import Answer, Membership, Workload
from tests import factories
from tests.browser.conftest import Audit
from tests.browser.helpers import DESKTOP, open_new_workload_form, save_screenshot, sign_in
from tests.smtp import links_in

pytestmark = pytest.mark.browser

PEOPLE = [
    # e-mail, name, role as offered in the invitation form
    ("arno@example.com", "Arno Architect", "Architect"),
    ("lena@example.com", "Lena Lead", "Lead"),
]
NEW_PASSWORD = "plum-orbit-lantern-7"


@pytest.fixture
def contexts(chromium: Browser, live_server) -> Iterator[list[BrowserContext]]:
    """Extra browser contexts (separate cookies: separate people), closed at the end."""
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def new_person_page(chromium: Browser, live_server, contexts: list, paths: list[str]) -> Page:
    context = chromium.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-GB", timezone_id="UTC"
    )
    context.set_default_timeout(15_000)
    contexts.append(context)
    context.on("request", lambda request: paths.append(urlsplit(request.url).path))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_first_admin_sets_up_a_team_and_invited_people_join_from_their_mail(
    page: Page, audit, chromium, live_server, contexts, smtp_server, screenshot_dir
):
    load_rel_bank()
    factories.UserFactory(
        username="admin", first_name="Ada", last_name="Admin", is_staff=True, is_superuser=True
    )
    paths: list[str] = []
    page.context.on("request", lambda request: paths.append(urlsplit(request.url).path))

    # The admin's first dashboard lists the three steps.
    sign_in(page, "admin", audit=audit)
    expect(page.get_by_role("heading", name="Set up archreview")).to_be_visible()
    audit()
    save_screenshot(page, screenshot_dir / "first-run.png")

    # 1. Create the first team; the app goes on to the invitation form.
    page.get_by_role("link", name="Create a team").click()
    expect(page.get_by_role("heading", name="New team")).to_be_visible()
    audit()
    page.get_by_label("Name").fill("Payments")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Invite someone to Payments")).to_be_visible()
    expect(page.get_by_text("Team “Payments” created")).to_be_visible()
    audit()

    # 2. Invite an architect and a lead.
    for i, (email, _, role) in enumerate(PEOPLE):
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Role").select_option(label=role)
        last = i == len(PEOPLE) - 1
        page.get_by_role(
            "button", name="Send invitation" if last else "Send and invite another"
        ).click()
        expect(page.get_by_text(f"Invitation sent to {email} as {role.lower()}")).to_be_visible()
    expect(page.get_by_role("heading", name="Pending invitations")).to_be_visible()
    audit()

    # Each invitee opens the link from the mail in a browser of their own.
    people = {}
    for email, name, role in PEOPLE:
        [link] = links_in(smtp_server.mail_to(email))
        invitee = new_person_page(chromium, live_server, contexts, paths)
        checker = Audit(invitee)
        invitee.goto(link)
        expect(invitee.get_by_role("heading", name="Join Payments")).to_be_visible()
        expect(
            invitee.get_by_text(f"to join Payments on archreview as {role.lower()}")
        ).to_be_visible()
        checker()
        invitee.get_by_label("Your name").fill(name)
        invitee.locator("#id_password1").fill(NEW_PASSWORD)  # "Password again" matches too
        invitee.get_by_label("Password again").fill(NEW_PASSWORD)
        invitee.get_by_role("button", name="Create my account and join").click()
        expect(invitee.get_by_text("Welcome to Payments")).to_be_visible()
        expect(invitee.get_by_role("heading", name="Risk dashboard")).to_be_visible()
        checker()
        people[role] = invitee
    assert {(m.user.email, m.role) for m in Membership.objects.select_related("user")} == {
        ("arno@example.com", "architect"),
        ("lena@example.com", "lead"),
    }

    # The architect creates the first workload and answers a question.
    architect = people["Architect"]
    checker = Audit(architect)
    expect(architect.get_by_role("link", name="Create the first workload")).to_be_visible()
    open_new_workload_form(architect, audit=checker)
    architect.get_by_label("Name").fill("Checkout Service")
    architect.get_by_label("Description").fill("Takes card payments for the web shop.")
    architect.get_by_role("button", name="Create workload").click()
    expect(architect.get_by_role("heading", name="Checkout Service")).to_be_visible()
    architect.get_by_role("link", name="Start the review").click()
    architect.get_by_label("Choose how to segment your workload", exact=True).check()
    expect(architect.locator("#save-status")).to_contain_text("Saved")
    checker()
    workload = Workload.objects.get(name="Checkout Service")
    assert workload.team.name == "Payments"
    assert Answer.objects.filter(lens_review__workload=workload).exclude(selected=[]).count() == 1

    # The lead sees it on the dashboard; the admin's team page lists both people.
    lead = people["Lead"]
    lead.reload()
    expect(lead.get_by_role("link", name="Checkout Service")).to_be_visible()
    page.reload()
    expect(page.get_by_role("cell", name="arno@example.com")).to_be_visible()
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    audit()
    save_screenshot(page, screenshot_dir / "team.png")

    assert not [p for p in paths if p.startswith("/admin/")]
    assert not architect.errors and not lead.errors  # type: ignore[attr-defined]
    audit.assert_every_page_checked()
