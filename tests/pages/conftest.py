"""Page-test fixtures: the live server, and Debian's Chromium driven by Playwright."""

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import Engine

from tests.api.conftest import LiveServer, http, live, live_server  # noqa: F401
from tests.backends import postgres_engine, unavailable
from tests.identities import PASSWORD, ensure_user

# The system browser, installed by .ci/run: Playwright must never download one at test time.
CHROMIUM = Path("/usr/bin/chromium")
# axe-core, vendored (tests/pages/vendor/README.md): nothing is downloaded at test time.
AXE = Path(__file__).parent / "vendor" / "axe-core" / "4.10.3" / "axe.min.js"
# The impacts that fail a page; "minor" and "moderate" ones are not checked.
BLOCKING = ("serious", "critical")
# axe's run, every rule on (the label rules among them), only violations detailed.
RUN_AXE = """(exclude) => axe.run(
  exclude.length ? {exclude: exclude} : document, {resultTypes: ["violations"]}
)"""
# Each visible form control without an accessible name, by axe's own name computation (axe's
# label rules say the same; this also catches a control they leave "incomplete").
UNNAMED_CONTROLS = """(exclude) => {
  axe.setup(document);
  try {
    return [...document.querySelectorAll("input, select, textarea, button")]
      .filter((control) => control.type !== "hidden" && control.checkVisibility())
      .filter((control) => !exclude.some((selector) => control.closest(selector)))
      .filter((control) => !axe.commons.text.accessibleText(control).trim())
      .map((control) => axe.utils.getSelector(control));
  } finally {
    axe.teardown();
  }
}"""
# Runs before any page script (and outside the CSP, as Playwright injects it): it records each
# violation so a test can show the policy is live.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push({directive: event.effectiveDirective, blocked: event.blockedURI});
});
"""


@dataclass
class BrowserPage:
    """A fresh browser tab and what its console reported."""

    page: Page
    console_errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        """Keep what the console reported as an error (a refused script or style among them)."""
        if message.type == "error":
            self.console_errors.append(message.text)

    def violations(self) -> list[dict[str, str]]:
        """The CSP violations reported in the current document."""
        return self.page.evaluate("window.__cspViolations")


# Package scope, not session: while Playwright's sync API is up, its event loop counts as running
# in the main thread, and asyncio.run() in any later test would fail.
@pytest.fixture(scope="session", params=["postgresql"])
def engine() -> Iterator[Engine]:
    """The pages' database: PostgreSQL only. A page test drives a browser over routes whose
    every service runs on both databases in tests/api and tests/workflow; running each page on
    SQLite too took 2.3 of the suite's 15 minutes."""
    created = postgres_engine("_pages")
    yield created
    created.dispose()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Chromium, shared by the page tests."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable("Chromium", f"no executable at {CHROMIUM}")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
        except PlaywrightError as exc:
            unavailable("Chromium", str(exc).splitlines()[0])
        yield launched
        launched.close()


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[BrowserPage]:
    """A tab in a context of its own (no cookies shared between tests), console watched."""
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    watched = BrowserPage(context.new_page())
    watched.page.on("console", watched.on_console)
    watched.page.on("pageerror", lambda exc: watched.console_errors.append(str(exc)))
    yield watched
    context.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This test's folder for what a person looks at afterwards (screenshots), beside those of
    every other page test of the run."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    folder = tmp_path_factory.getbasetemp() / "artifacts" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(browser_page: BrowserPage, server: LiveServer, username: str = "viewer") -> None:
    """Sign in through the real form as `username` (an admin, created if new)."""
    ensure_user(server.engine, username, "admin", password=PASSWORD)
    page = browser_page.page
    page.goto(server.url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert urlsplit(page.url).path != "/login", "signing in failed"


def open_page(browser_page: BrowserPage, server: LiveServer, path: str) -> Response:
    """Open one of the app's pages, signing in first if the app asks for it."""
    response = browser_page.page.goto(server.url + path)
    if urlsplit(browser_page.page.url).path == "/login":
        sign_in(browser_page, server)
        response = browser_page.page.goto(server.url + path)
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    landed = urlsplit(browser_page.page.url).path
    assert landed == urlsplit(path).path, f"{path} was redirected to {landed}"
    return response


def assert_accessible(page: Page, exclude: Sequence[str] = ()) -> None:
    """axe-core finds no serious or critical violation on the page as it stands, and every
    visible form control has an accessible name. `exclude`: selectors of subtrees left out.

    The script is evaluated, not added with page.add_script_tag: that adds an inline <script>,
    which the app's CSP (script-src 'self', no 'unsafe-inline') refuses, and which would show in
    the CSP violations and the "no script element" checks the tests make. An evaluation over
    DevTools is outside the policy, so the page keeps its real CSP (no bypass_csp) and no
    element is added."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate(RUN_AXE, list(exclude))
    problems = [
        f"{violation['impact']} {violation['id']}: {violation['help']} "
        f"({len(violation['nodes'])} nodes: "
        + ", ".join(" >> ".join(map(str, node["target"])) for node in violation["nodes"][:3])
        + ")"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]
    problems += [
        f"no accessible name: {target}" for target in page.evaluate(UNNAMED_CONTROLS, list(exclude))
    ]
    assert not problems, f"{page.url}:\n" + "\n".join(problems)
