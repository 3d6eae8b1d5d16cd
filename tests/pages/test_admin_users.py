"""The users page in Chromium: it shows what each user can really do, as /api/v1/me does, and
its table's controls sit under their headers, whole words and all, on a phone and a desktop."""

from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Locator, Page

from tests.api.conftest import LiveServer
from tests.identities import bearer, token_for
from tests.pages.conftest import BrowserPage, assert_accessible, open_page

# Where each cell's content starts: its first control, else its text, else its content box.
MISALIGNED = """() => {
  const start = (cell) => {
    const control = cell.querySelector("input:not([type=hidden]), select, button");
    if (control) return control.getBoundingClientRect().left;
    const text = document.createRange();
    text.selectNodeContents(cell);
    const rects = [...text.getClientRects()].filter((r) => r.width > 0);
    if (rects.length) return Math.min(...rects.map((r) => r.left));
    return cell.getBoundingClientRect().left + parseFloat(getComputedStyle(cell).paddingLeft);
  };
  const [head, ...rows] = document.querySelector("main table").rows;
  const heads = [...head.cells];
  const problems = [];
  for (const row of rows) {
    const cells = [...row.cells];
    if (cells.length !== heads.length) {
      problems.push(`${cells.length} cells under ${heads.length} headers`);
      continue;
    }
    cells.forEach((cell, i) => {
      const offset = start(cell) - start(heads[i]);
      if (Math.abs(offset) > 1) problems.push(`${heads[i].textContent}: ${offset.toFixed(1)} px`);
    });
  }
  return problems;
}"""
# Every word outside ids and code lies on one line: none is broken between two.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("code, pre, select, .id")) continue;
    for (const match of node.textContent.matchAll(/\\S+/g)) {
      const word = document.createRange();
      word.setStart(node, match.index);
      word.setEnd(node, match.index + match[0].length);
      const boxes = [...word.getClientRects()].filter((r) => r.width > 0);
      const lines = new Set(boxes.map((r) => r.top));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""
OVERFLOWS = "document.scrollingElement.scrollWidth > window.innerWidth"


def row_of(page: Page, username: str) -> Locator:
    """The users table's row for `username`."""
    form = page.locator(f'form[action="/admin/users/{quote(username)}"]')
    return page.locator("tbody tr", has=form)


def test_the_users_page_shows_what_each_user_may_do_as_me_does(live, browser_page: BrowserPage):
    people = {
        "boss": ("admin", False),  # as the first admin is made: every permission, no grant
        "loader": ("annotator", True),
        "ann": ("annotator", False),
        "gone": ("lead", False),
    }
    tokens = {
        name: token_for(live.engine, name, role, can_import=grant)
        for name, (role, grant) in people.items()
    }
    disabled = httpx.patch(
        f"{live.url}/api/v1/users/gone", json={"disabled": True}, headers=bearer(live.token)
    )
    assert disabled.status_code == 200, disabled.text
    open_page(browser_page, live, "/admin/users")
    for name, token in tokens.items():
        me = httpx.get(f"{live.url}/api/v1/me", headers=bearer(token))
        may = me.json()["permissions"] if me.status_code == 200 else []
        row = row_of(browser_page.page, name)
        importer = row.locator("input[type=checkbox][name=can_import]")
        assert importer.is_checked() == ("import" in may), name
        assert row.locator(".permissions").inner_text() == (", ".join(may) or "none"), name
    # The admin's import comes with the role: its tick is fixed, not a grant to take away.
    boss = row_of(browser_page.page, "boss")
    assert boss.locator("input[type=checkbox][name=can_import]").is_disabled()
    assert not browser_page.violations() and not browser_page.console_errors


def test_saving_an_admin_keeps_their_importer_grant(live, browser_page: BrowserPage):
    token_for(live.engine, "chief", "admin", can_import=True)
    page = browser_page.page
    open_page(browser_page, live, "/admin/users")
    row = row_of(page, "chief")
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()
    listed = httpx.get(f"{live.url}/api/v1/users", headers=bearer(live.token)).json()["users"]
    chief = next(user for user in listed if user["username"] == "chief")
    assert (chief["role"], chief["can_import"]) == ("admin", True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_users_table_lines_up_and_fits(
    live: LiveServer, browser_page: BrowserPage, artifacts: Path, width: int
):
    for name, role in [
        ("expert.reviewer@company.example.com", "reviewer"),
        ("ann", "annotator"),
        ("lead-of-the-support-assistant-campaign", "lead"),
    ]:
        token_for(live.engine, name, role)
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": 900})
    open_page(browser_page, live, "/admin/users")
    page.screenshot(path=artifacts / f"users-{width}.png", full_page=True)
    page.locator(".table-scroll").evaluate("frame => { frame.scrollLeft = frame.scrollWidth; }")
    page.screenshot(path=artifacts / f"users-{width}-scrolled.png", full_page=True)
    assert page.evaluate(MISALIGNED) == []
    assert page.evaluate(BROKEN_WORDS) == []
    assert not page.evaluate(OVERFLOWS)
    assert_accessible(page)
    assert not browser_page.violations() and not browser_page.console_errors
