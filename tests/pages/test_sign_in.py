"""Signing in and out of the pages: sessions rotate and end, every form needs its CSRF token,
cookies are locked down, guessing is throttled, and a token made on a page is shown once."""

import re

import httpx
import pytest

from tests.api.conftest import LiveServer
from tests.identities import PASSWORD, ensure_user
from tests.pages.conftest import BrowserPage, assert_accessible, sign_in


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def sign_in_over_http(client: httpx.Client, username: str, password: str) -> httpx.Response:
    form = client.get("/login")
    data = {"username": username, "password": password, "csrf": csrf_of(form), "next": "/"}
    return client.post("/login", data=data)


@pytest.fixture
def user(live: LiveServer) -> str:
    ensure_user(live.engine, "pat", "annotator", password=PASSWORD)
    return "pat"


def test_a_session_is_new_at_each_sign_in_and_over_at_sign_out(live, user):
    with httpx.Client(base_url=live.url) as client:
        first = sign_in_over_http(client, user, PASSWORD)
        assert first.status_code == 303 and first.headers["location"] == "/"
        old = client.cookies["quorum_session"]
        again = sign_in_over_http(client, user, PASSWORD)
        new = client.cookies["quorum_session"]
        assert again.status_code == 303 and new != old
        stale = httpx.get(f"{live.url}/", cookies={"quorum_session": old})
        assert stale.status_code == 303  # the earlier session was revoked at the second sign-in

        home = client.get("/")
        assert home.status_code == 200 and user in home.text
        assert client.post("/logout", data={}).status_code == 403  # no CSRF token
        assert client.post("/logout", data={"csrf": "0" * 64}).status_code == 403
        signed_out = client.post("/logout", data={"csrf": csrf_of(home)})
        assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/login")
        assert httpx.get(f"{live.url}/", cookies={"quorum_session": new}).status_code == 303


def test_sign_in_refuses_a_forged_form_and_a_wrong_password(live, user):
    with httpx.Client(base_url=live.url) as client:
        client.get("/login")
        forged = client.post(
            "/login", data={"username": user, "password": PASSWORD, "csrf": "x", "next": "/"}
        )
        assert forged.status_code == 403 and "quorum_session" not in forged.cookies
        wrong = sign_in_over_http(client, user, "not the password")
        assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text


def test_sign_in_never_redirects_off_site(live, user):
    with httpx.Client(base_url=live.url) as client:
        for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example"]:
            form = client.get("/login", params={"next": target})
            assert "evil" not in form.text
            data = {"username": user, "password": PASSWORD, "csrf": csrf_of(form)}
            signed_in = client.post("/login", data={**data, "next": target})
            assert signed_in.headers["location"] == "/", target


def test_guessing_passwords_is_throttled(committed):
    ensure_user(committed, "pat", "annotator", password=PASSWORD)
    with LiveServer(committed, login_rate=1 / 60, login_burst=3) as server:
        with httpx.Client(base_url=server.url) as client:
            guesses = [sign_in_over_http(client, "pat", f"guess {i}") for i in range(4)]
            statuses = [response.status_code for response in guesses]
            assert statuses == [401, 401, 401, 429]
            # Even the right password waits: the throttle does not tell guesses apart.
            assert sign_in_over_http(client, "pat", PASSWORD).status_code == 429
        server.drain()


def test_cookies_are_secure_by_default(committed):
    ensure_user(committed, "pat", "annotator", password=PASSWORD)
    with LiveServer(committed, secure_cookies=True) as server:
        form = httpx.get(f"{server.url}/login")
        nonce = form.headers["set-cookie"].lower()
        assert all(flag in nonce for flag in ["httponly", "secure", "samesite=strict"])
        # httpx keeps Secure cookies for https; over this test's http they go back by hand.
        signed_in = httpx.post(
            f"{server.url}/login",
            data={"username": "pat", "password": PASSWORD, "csrf": csrf_of(form)},
            cookies={"quorum_login": form.cookies["quorum_login"]},
        )
        (cookie,) = [
            c.lower()
            for c in signed_in.headers.get_list("set-cookie")
            if c.startswith("quorum_session=")
        ]
        assert all(flag in cookie for flag in ["httponly", "secure", "samesite=lax"])
        server.drain()


def test_a_token_made_on_the_tokens_page_is_shown_once_and_works(live, browser_page: BrowserPage):
    sign_in(browser_page, live, "maker")
    page = browser_page.page
    page.goto(live.url + "/tokens")
    assert_accessible(page)  # no tokens yet
    page.fill("#name", "notebook")
    page.check("input[name=scopes][value=read]")
    with page.expect_navigation():
        page.click("text=Create token")
    secret = page.inner_text("#issued-token").strip()
    assert_accessible(page)  # the new token shown once
    me = httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json() == {"username": "maker", "permissions": ["read"]}
    page.goto(live.url + "/tokens")
    assert secret not in page.content()
    with page.expect_navigation():
        page.click("text=Revoke")
    assert "revoked" in page.inner_text("table")
    assert_accessible(page)
    again = httpx.get(f"{live.url}/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert again.status_code == 401
    assert not browser_page.violations() and not browser_page.console_errors


def test_a_refused_page_is_a_page(live, browser_page: BrowserPage):
    ensure_user(live.engine, "ann", "annotator", password=PASSWORD)
    sign_in(browser_page, live, "ann")
    response = browser_page.page.goto(live.url + "/admin/audit")
    assert response is not None and response.status == 403
    assert browser_page.page.inner_text("h1") == "Not allowed"
    assert "admin" in browser_page.page.inner_text("[role=alert]")
    assert_accessible(browser_page.page)
    missing = browser_page.page.goto(live.url + "/traces/tr-0000")
    assert missing is not None and missing.status == 404
    assert browser_page.page.inner_text("h1") == "Not found"
    assert_accessible(browser_page.page)


def test_secure_cookies_still_sign_in_a_browser_on_loopback(committed, browser_page):
    """`quorum serve` keeps the default (Secure) on http://127.0.0.1: Chromium takes it there."""
    with LiveServer(committed, secure_cookies=True) as server:
        sign_in(browser_page, server, "viewer")
        assert browser_page.page.inner_text("h1") == "Overview"
        assert_accessible(browser_page.page)  # nothing logged yet
        server.drain()


def test_an_admin_manages_users_on_the_users_page(live, browser_page: BrowserPage):
    sign_in(browser_page, live, "boss")
    page = browser_page.page
    page.goto(live.url + "/admin/users")
    page.fill("#username", "expert@x.com")
    page.select_option("#role", "annotator")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("text=Add user")
    row = page.locator("tr", has_text="expert@x.com")
    row.locator("select[name=role]").select_option("reviewer")
    row.locator("input[name=can_import]").check()
    with page.expect_navigation():
        row.locator("text=Save").click()
    listed = httpx.get(
        f"{live.url}/api/v1/users", headers={"Authorization": f"Bearer {live.token}"}
    )
    expert = next(u for u in listed.json()["users"] if u["username"] == "expert@x.com")
    assert (expert["role"], expert["can_import"], expert["has_password"]) == (
        "reviewer",
        True,
        True,
    )
    # A refusal (the name is taken) is shown as a page, and nothing changes.
    page.goto(live.url + "/admin/users")
    page.fill("#username", "expert@x.com")
    with page.expect_navigation():
        page.click("text=Add user")
    assert page.inner_text("h1") == "Conflict"
    assert "already exists" in page.inner_text("[role=alert]")
    assert_accessible(page)
    assert not browser_page.violations()
