"""Email end to end: a live server with its embedded worker, a real SMTP server (aiosmtpd on
loopback). Each committee member receives the vote-needed email, and its link opens the
review page for that member once signed in; the one-click unsubscribe (RFC 8058) needs no
sign-in and turns the type off; preferences and the email list answer through the API, and
bad input is a clear 4xx that changes nothing."""

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import LiveServer, split_item
from tests.identities import PASSWORD, bearer, ensure_user, token_for
from tests.mail_server import Inbox, html_of, smtp_server, text_of
from tests.servers import free_port, sign_in
from workflow import review
from workflow.identity import users
from workflow.kernel.db import unit_of_work

MEMBERS = ("rev1", "rev2")


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def live_server(engine, inbox: Inbox) -> Iterator[LiveServer]:
    """The module's server, sending email to the test's SMTP server, its links to itself."""
    port = free_port()
    with LiveServer(
        engine,
        port=port,
        base_url=f"http://127.0.0.1:{port}",
        smtp_host=inbox.host,
        smtp_port=inbox.port,
        smtp_security="none",
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def empty(inbox: Inbox) -> None:
    inbox.messages.clear()


def members(live: LiveServer) -> None:
    for name in MEMBERS:
        ensure_user(live.engine, name, "reviewer", password=PASSWORD)
    with unit_of_work(live.engine) as session:
        for name in MEMBERS:
            users.update_user(session, username=name, actor="t", email=f"{name}@example.com")
        review.set_committee(session, scope="default", members=list(MEMBERS), actor="t")


def test_each_member_gets_the_email_and_its_link_opens_the_review_page(live, inbox):
    members(live)
    item_id = split_item(live)
    assert sorted(m["To"] for m in inbox.messages) == [f"{n}@example.com" for n in MEMBERS]
    message = next(m for m in inbox.messages if m["To"] == "rev1@example.com")
    (link,) = set(re.findall(r"http://\S+/review/items/\d+", text_of(message)))
    assert link == f"{live.url}/review/items/{item_id}" and f'href="{link}"' in html_of(message)
    with httpx.Client(base_url=live.url, timeout=10) as browser:
        assert browser.get(link).status_code in (302, 303, 307)  # signed out: to the sign-in
        sign_in(browser, "rev1", PASSWORD)
        desk = browser.get(link)
    assert desk.status_code == 200 and "Paris" in desk.text  # the member's desk, with values


def test_one_click_unsubscribes_without_signing_in(live, http, inbox):
    members(live)
    split_item(live)
    message = next(m for m in inbox.messages if m["To"] == "rev2@example.com")
    url = message["List-Unsubscribe"].strip("<>")
    with httpx.Client(timeout=10) as mail_client:  # no cookie, no token: the link is enough
        shown = mail_client.get(url)
        assert shown.status_code == 200 and "rev2" in shown.text
        done = mail_client.post(url, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "no more" in done.text
        forged = mail_client.post(url[:-3] + "abc", data={"List-Unsubscribe": "One-Click"})
        assert forged.status_code == 400
    mine = bearer(token_for(live.engine, "rev2", "reviewer"))
    assert (
        http.get("/api/v1/me/notifications", headers=mine).json()["modes"]["review.vote_needed"]
        == "off"
    )
    inbox.messages.clear()
    split_item(live)
    assert [m["To"] for m in inbox.messages] == ["rev1@example.com"]


def test_preferences_through_the_api(live, http):
    members(live)
    mine = bearer(token_for(live.engine, "rev1", "reviewer"))
    got = http.get("/api/v1/me/notifications", headers=mine).json()
    assert got["address"] == "rev1@example.com" and got["modes"]["item.agreed"] == "off"
    assert got["modes"]["review.vote_needed"] == "immediate"
    put = http.put(
        "/api/v1/me/notifications",
        headers=mine,
        json={"modes": {"item.agreed": "digest"}, "address": "new@example.com"},
    )
    assert put.status_code == 200, put.text
    assert (put.json()["address"], put.json()["modes"]["item.agreed"]) == (
        "new@example.com",
        "digest",
    )
    for bad in (
        {"modes": {"item.agreed": "hourly"}},
        {"modes": {"item.exploded": "off"}},
        {"address": "not an address"},
        {"modes": {"item.agreed": "off"}, "address": "not an address either"},
    ):
        refused = http.put("/api/v1/me/notifications", headers=mine, json=bad)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    after = http.get("/api/v1/me/notifications", headers=mine).json()
    assert after == put.json()  # nothing a refusal touched changed


def test_admins_list_the_emails_and_others_may_not(live, http):
    members(live)
    split_item(live)
    listed = http.get("/api/v1/emails").json()["emails"]
    assert sorted((e["username"], e["status"], e["notices"]) for e in listed) == [
        ("rev1", "sent", 1),
        ("rev2", "sent", 1),
    ]
    one = http.get(f"/api/v1/emails/{listed[0]['id']}")
    assert one.status_code == 200 and one.json()["subject"].startswith("Your vote is needed")
    mine = bearer(token_for(live.engine, "rev1", "reviewer"))
    assert http.get("/api/v1/emails", headers=mine).status_code == 403
