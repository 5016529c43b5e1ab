"""The journeys' checks can fail: axe-core and the phone-width check on pages built to break
them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.axe import assert_accessible
from tests.browser.helpers import assert_fits_phone_and_desktop, assert_risk_not_by_colour_alone

pytestmark = pytest.mark.browser

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>Broken page</h1>
<input type="text" id="unlabelled">
<p style="color:#999;background:#fff">Grey on white is hard to read.</p>
</main></body></html>"""


def test_axe_reports_an_unlabelled_field_and_low_contrast_readably(page: Page):
    page.set_content(BROKEN)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    report = str(failure.value)
    assert "[critical] label:" in report
    assert "#unlabelled" in report
    assert "[serious] color-contrast:" in report
    assert "how to fix: https://dequeuniversity.com/rules/axe/" in report


def test_a_risk_badge_with_only_a_colour_fails_the_badge_check(page: Page):
    page.set_content(
        '<main><h1>Risks</h1><p><span class="badge risk-badge risk-HIGH">3</span></p></main>'
    )
    with pytest.raises(AssertionError, match="risk badges with no words"):
        assert_risk_not_by_colour_alone(page)
    page.set_content(
        '<main><h1>Risks</h1><p><span class="badge risk-badge risk-HIGH">3'
        '<span class="visually-hidden"> high risk</span></span></p></main>'
    )
    assert_risk_not_by_colour_alone(page)


def test_a_page_wider_than_a_phone_fails_the_width_check(page: Page):
    page.set_content('<main><h1>Wide</h1><div style="width: 600px">table</div></main>')
    with pytest.raises(AssertionError, match="too wide at 375 px"):
        assert_fits_phone_and_desktop(page)


def test_a_tab_bar_or_a_table_caption_cut_off_at_phone_width_fails_the_width_check(page: Page):
    tabs = "".join(f"<li><a href='#'>Section number {n}</a></li>" for n in range(8))
    page.set_content(
        "<main><h1>Tabs</h1><ul style='display:flex; overflow-x:auto; white-space:nowrap'>"
        f"{tabs}</ul></main>"
    )
    with pytest.raises(AssertionError, match="at 375 px scrolls sideways"):
        assert_fits_phone_and_desktop(page)

    table = (
        "<main><h1>Table</h1><div style='overflow-x:auto'><table>"
        "<caption style='text-align:left'>{caption}</caption><tr>"
        + "<td style='min-width:120px'>cell</td>" * 6
        + "</tr></table></div></main>"
    )
    long_caption = "Every workload with its risks, progress and score, sorted by high risk."
    page.set_content(table.format(caption=long_caption))
    with pytest.raises(AssertionError, match="<caption "):
        assert_fits_phone_and_desktop(page)
    # A wide table alone may scroll inside its wrapper; its short caption stays readable.
    page.set_content(table.format(caption="Workloads"))
    assert_fits_phone_and_desktop(page)
