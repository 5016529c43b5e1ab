"""Steps the journeys share: signing in, checking a page fits a phone, saving screenshots."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image
from playwright.sync_api import Locator, Page, expect

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
PASSWORD = "correct-horse-battery"  # what tests.factories.UserFactory sets


def sign_in(page: Page, username: str, *, audit: Callable[[], None], path: str = "/") -> None:
    """Open ``path`` signed out, sign in on the page it redirects to, land back on ``path``."""
    page.goto(path)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    audit()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def main_nav(page: Page, name: str) -> Locator:
    """A link of the main navigation bar."""
    return page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=name, exact=True
    )


def open_new_workload_form(page: Page, *, audit: Callable[[], None]) -> None:
    """From any page: Workloads in the main navigation, then "New workload"."""
    main_nav(page, "Workloads").click()
    expect(page.get_by_role("heading", name="Workloads", exact=True)).to_be_visible()
    audit()
    page.get_by_role("link", name="New workload").click()
    expect(page.get_by_role("heading", name="New workload")).to_be_visible()
    audit()


def assert_risk_not_by_colour_alone(page: Page) -> None:
    """Every coloured risk badge says its level in words, or sits in an element that does
    (a count next to its label, as in "High risk 3")."""
    silent = page.evaluate(
        """() => [...document.querySelectorAll('.risk-badge')]
            .filter(el => !/[A-Za-z]/.test(el.parentElement.textContent))
            .map(el => el.parentElement.outerHTML)"""
    )
    assert not silent, f"risk badges with no words on {page.url}: {silent}"


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def hidden_by_scrolling(page: Page) -> list[str]:
    """Content a reader cannot see without scrolling sideways inside the page: any element
    that scrolls horizontally, except the wrapper of a wide data table, and in such a wrapper
    a caption whose words run past what the wrapper shows."""
    return page.evaluate(
        """() => {
            const found = [];
            for (const el of document.querySelectorAll('body *')) {
                if (el.scrollWidth <= el.clientWidth + 1) continue;
                const style = getComputedStyle(el);
                if (style.overflowX === 'visible' || style.overflowX === 'clip') continue;
                // Screen-reader-only text (a 1 px clipped box) and text cut on purpose with
                // an ellipsis are not hidden content.
                if (el.clientWidth <= 1 || style.textOverflow === 'ellipsis') continue;
                // A data table may scroll inside its wrapper (ours: .table-responsive; the
                // admin's: a tabular inline): it is the table that is wider, not text or links.
                const wideTable = [...el.querySelectorAll('table')].some(
                    (table) => table.getBoundingClientRect().width > el.clientWidth + 1
                );
                if (!wideTable) {
                    found.push(el.outerHTML.slice(0, 160));
                    continue;
                }
                // A caption's box is as wide as its table: measure its words instead.
                const shown = el.getBoundingClientRect();
                for (const caption of el.querySelectorAll('caption')) {
                    const range = document.createRange();
                    range.selectNodeContents(caption);
                    const words = range.getBoundingClientRect();
                    if (words.right > shown.right + 1 || words.left < shown.left - 1) {
                        found.push(caption.outerHTML.slice(0, 160));
                    }
                }
            }
            return found;
        }"""
    )


def assert_fits_phone_and_desktop(page: Page) -> None:
    """The current page has no horizontal scrolling at 375 px nor at 1280 px wide, and hides
    nothing in a sideways-scrolling box but the columns of a wide data table."""
    try:
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            overflow = horizontal_overflow(page)
            assert overflow <= 0, f"{page.url} is {overflow} px too wide at {size['width']} px"
            hidden = hidden_by_scrolling(page)
            assert not hidden, f"{page.url} at {size['width']} px scrolls sideways: {hidden}"
    finally:
        page.set_viewport_size(DESKTOP)


def shrink_png(path: Path, colours: int = 128) -> None:
    """Palette PNG: a screenshot of a flat UI keeps its look at a third of the bytes."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def save_screenshot(page: Page, path: Path, *, full_page: bool = False) -> Path:
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    shrink_png(path)
    return path


def pdf_first_page_png(pdf: Path, png: Path, *, dpi: int = 72) -> Path:
    """Render page 1 of ``pdf`` with poppler's pdftoppm into ``png``."""
    stem = png.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-f", "1", "-l", "1", "-r", str(dpi), "-singlefile", pdf, stem],
        check=True,
        capture_output=True,
        timeout=60,
    )
    shrink_png(png)
    return png


WORKLOAD_PAGE = re.compile(r"/workloads/\d+/")  # matched on the path only


def assert_breadcrumb_scheme(page: Page) -> None:
    """Every page of one workload: breadcrumb "Workloads › <workload> › …" ending on the current
    page, and the workload's name as the one h1 (the page's own subject is an h2)."""
    if not WORKLOAD_PAGE.match(urlsplit(page.url).path):
        return
    crumbs = page.get_by_role("navigation", name="Breadcrumb").get_by_role("listitem")
    texts = [t.strip() for t in crumbs.all_inner_texts()]
    h1 = page.get_by_role("heading", level=1)
    assert h1.count() == 1, f"{page.url}: {h1.count()} h1 headings"
    name = h1.inner_text().removesuffix("Archived").strip()
    assert texts[:2] == ["Workloads", name], f"{page.url}: breadcrumb {texts}, h1 {name!r}"
    assert len(texts) >= 3, f"{page.url}: breadcrumb {texts} names no section"
    current = page.locator("nav[aria-label=Breadcrumb] [aria-current=page]")
    assert current.count() == 1 and current.inner_text().strip() == texts[-1], texts
