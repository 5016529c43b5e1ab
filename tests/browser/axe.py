"""axe-core in the page under test: run it, keep the serious and critical violations, fail
with a report a person can act on (rule, why, where, how to fix).

axe-core comes from its npm package (tests/browser/package.json; ``make test`` installs it),
so the rules are the published ones, not a hand-written subset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.x A and AA plus axe's best practices (landmarks, one main, headings order...).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(
            f"{AXE_JS} is missing: run `npm ci --prefix tests/browser` (make test does it)."
        )
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """All violations axe-core finds in the page as it is now (injects axe once per page)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: an inline <script> tag would be refused by
        # the page's Content-Security-Policy (and rightly reported as a violation).
        page.evaluate(axe_source())
    return page.evaluate("(options) => axe.run(document, options)", RUN_OPTIONS)["violations"]


# Structure rules axe rates "moderate" that we hold to anyway: one main landmark, all content
# inside landmarks, a way to skip repeated blocks, a level-one heading.
ALWAYS_BLOCKING = ("landmark-one-main", "region", "bypass", "page-has-heading-one")


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        v for v in violations if v.get("impact") in BLOCKING_IMPACTS or v["id"] in ALWAYS_BLOCKING
    ]


def describe(violations: list[dict[str, Any]], url: str) -> str:
    """A readable report: one block per rule, each offending element with its selector."""
    lines = [f"axe-core: {len(violations)} blocking violation(s) on {url}"]
    for violation in violations:
        lines.append("")
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  how to fix: {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"  - at {json.dumps(node['target'])}")
            lines.append(f"    {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"  … and {len(violation['nodes']) - 10} more element(s)")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail when axe-core reports a serious or critical violation, or a structure one
    (``ALWAYS_BLOCKING``), on the current page."""
    found = blocking(run_axe(page))
    if found:
        raise AssertionError(describe(found, page.url))
