"""Helpers for the browser tests: the axe-core scan and keyboard focus checks."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

#: WCAG 2.1 A and AA: what Swedish law (DOS-lagen) asks of public-sector services.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


@cache
def axe_source() -> str:
    """The axe-core script shipped in the axe-playwright-python package (no network)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations.

    The script is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    (``script-src 'self'``) does not govern, so no CSP bypass is needed.
    """
    page.evaluate(axe_source())
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return list(results["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violation: rule id, impact, help, and every offending node's target and summary."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} [{v['impact']}]: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
            lines.append(f"        {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Assert that axe-core finds no serious or critical WCAG 2.1 A/AA violation on the page."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {page.url}:\n{describe_violations(blocking)}"


FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim().slice(0, 60),
    name: el.getAttribute('name'), href: el.getAttribute('href'),
    outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0, boxShadow: s.boxShadow,
    onScreen: rect.width > 0 && rect.height > 0 && rect.right > 0 && rect.bottom > 0
      && rect.left < window.innerWidth && rect.top < window.innerHeight,
  };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    """Describe the focused element (None when focus is on the body) with its computed focus styles."""
    result: dict[str, Any] | None = page.evaluate(FOCUS_JS)
    return result


def focus_is_visible(info: dict[str, Any]) -> bool:
    """Whether a focused element draws a focus indicator: an outline or a box shadow, and is on screen."""
    outline = info["outlineStyle"] != "none" and info["outlineWidth"] > 0
    return info["onScreen"] and (outline or info["boxShadow"] != "none")


def tab_stops(page: Page, limit: int = 400) -> list[dict[str, Any]]:
    """Press Tab until focus leaves the page or wraps around; return each focused element in order."""
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None or (stops and info == stops[0]):
            return stops
        stops.append(info)
    raise AssertionError(f"more than {limit} tab stops, or a keyboard trap: {stops[-3:]}")


def tab_to(page: Page, predicate: Any, limit: int = 400) -> dict[str, Any]:
    """Press Tab until the focused element satisfies predicate(info); return its description."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is not None and predicate(info):
            return info
    raise AssertionError(f"Tab never reached the element within {limit} presses")


def expect_saved(page: Page, nothing_new: bool = False) -> None:
    """A status message (the aria-live #save-status, or the flash after a full save) says "Sparat".

    With nothing_new, "Inga ändringar att spara" will do too: the autosave may have saved everything already.
    """
    words = re.compile("Sparat|Inga ändringar att spara") if nothing_new else "Sparat"
    expect(page.get_by_role("status").filter(has_text=words).first).to_be_visible()


def put_demo_in_every_state(app: Any) -> None:
    """Decide D2 (a record, history, conditions), review D1 (to decide) and submit D3 (to review), committed."""
    import datetime as dt

    from sqlalchemy import select

    from assess.extensions import db
    from assess.models import Assessment
    from assess.services import workflow
    from tests.assess.helpers import approve_use, demo_users, submit_and_approve

    with app.app_context():
        users = demo_users()

        def by_scope(prefix: str) -> Assessment:
            found = db.session.scalar(select(Assessment).where(Assessment.scope.like(f"{prefix}%")))
            assert found is not None
            return found

        d2 = by_scope("D2")
        submit_and_approve(d2, users)
        approve_use(d2, users, dt.date.today())
        submit_and_approve(by_scope("D1"), users)
        workflow.submit(by_scope("D3"), users["arkitekt"])
        db.session.commit()
