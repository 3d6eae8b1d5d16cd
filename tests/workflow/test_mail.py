"""Email on a real database to a real SMTP server (aiosmtpd on loopback): each committee
member gets the vote-needed email with its link, a 451 is retried and the email arrives once,
a 550 is recorded and not retried, a digest gathers a window's events into one email, a pass
that dies after the send sends it once more with the same Message-ID, and roles are expanded
to people at delivery (a subscriber outside the campaign hears nothing of it)."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.api.webhook_receiver import receiver
from tests.factories import propose, queue_campaign, reviewers, run_outbox, trace_json
from tests.mail_server import Inbox, html_of, smtp_server, text_of
from workers.letters import compose
from workflow import campaigns, events, mail, notifications, review, traces, webhooks
from workflow.identity import users
from workflow.identity.access import actor_for, trusted
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import InvalidInput
from workflow.kernel.settings import Settings
from workflow.mail.deliver import RETRIES
from workflow.mail.notices import gather, window_end
from workflow.models import Email
from workflow.models.base import utcnow
from workflow.webhooks.addresses import networks

BASE = "https://quorum.example"


@pytest.fixture
def inbox() -> Inbox:
    with smtp_server() as server:
        yield server


def smtp(inbox: Inbox, **extra) -> Settings:
    return Settings(
        environment="test",
        smtp_host=inbox.host,
        smtp_port=inbox.port,
        smtp_security="none",
        base_url=BASE,
        email_from="Quorum <quorum@quorum.example>",
        **extra,
    )


def committee(session: Session, *names: str) -> None:
    for name in reviewers(session, *names):
        users.update_user(session, username=name, actor="t", email=f"{name}@example.com")
    review.set_committee(session, scope="default", members=list(names), actor="t")


def dispute(session: Session, settings: Settings) -> int:
    payload = trace_json(f"tr-{uuid.uuid4().hex}")
    traces.register_traces(session, payloads=[payload], actor="t")
    for annotator, value in [("a@x", "Paris"), ("b@x", "Lyon"), ("c@x", "Nice")]:
        item_id = propose(session, payload["info"]["trace_id"], annotator, value)
    run_outbox(session, settings=settings)
    return item_id


def emails(session: Session) -> list[Email]:
    return list(session.exec(select(Email).order_by(Email.id)).all())


def test_each_member_gets_the_vote_needed_email_with_its_link(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1", "r2")
    item_id = dispute(session, settings)
    assert sorted(m["To"] for m in inbox.messages) == ["r1@example.com", "r2@example.com"]
    for message in inbox.messages:
        link = f"{BASE}/review/items/{item_id}"
        assert message["Subject"] == f"Your vote is needed: expected_answer (item {item_id})"
        assert link in text_of(message) and f'href="{link}"' in html_of(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Unsubscribe"].startswith(f"<{BASE}/email/unsubscribe/")
        # What the annotators proposed is the committee's to see on the page, not in mail.
        assert not {"Paris", "Lyon", "Nice"} & set(message.as_string().split())
    assert [(e.status, e.attempts) for e in emails(session)] == [("sent", 1), ("sent", 1)]
    run_outbox(session, settings=settings)
    mail.deliver(session, settings=settings, compose=compose, now=utcnow() + timedelta(days=3))
    assert len(inbox.messages) == 2  # a pass run again sends nothing more


def test_a_451_is_retried_and_the_email_arrives_once(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1")
    inbox.refusals = ["451 4.7.1 Greylisted, try again later"]
    dispute(session, settings)
    (email,) = emails(session)
    assert (email.status, email.attempts, email.last_code) == ("pending", 1, 451)
    assert inbox.messages == []
    mail.deliver(session, settings=settings, compose=compose)  # not due yet: nothing is sent
    assert inbox.messages == []
    later = utcnow() + timedelta(seconds=RETRIES[0] + 1)
    for _ in range(3):
        mail.deliver(session, settings=settings, compose=compose, now=later)
    assert len(inbox.messages) == 1 and inbox.refused == 1
    session.refresh(email)
    assert (email.status, email.attempts) == ("sent", 2)


def test_a_550_is_recorded_and_not_retried(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1")
    inbox.refusals = ["550 5.1.1 No such mailbox"]
    dispute(session, settings)
    mail.deliver(session, settings=settings, compose=compose, now=utcnow() + timedelta(days=3))
    (email,) = emails(session)
    assert (email.status, email.attempts, email.last_code) == ("failed", 1, 550)
    assert "No such mailbox" in (email.last_error or "")
    assert inbox.messages == []


def test_a_digest_user_gets_one_email_for_several_events(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1", "r2")
    mail.choose(session, "r1", {"review.vote_needed": "digest"})
    items = [dispute(session, settings) for _ in range(3)]
    assert [m["To"] for m in inbox.messages] == ["r2@example.com"] * 3
    after_window = window_end(utcnow(), settings.email_digest_hours) + timedelta(seconds=1)
    mail.deliver(session, settings=settings, compose=compose, now=after_window)
    mail.deliver(session, settings=settings, compose=compose, now=after_window)
    (digest,) = inbox.to("r1@example.com")
    assert digest["Subject"] == "Quorum digest: 3 updates"
    body = text_of(digest)
    assert all(f"{BASE}/review/items/{item_id}" in body for item_id in items)


def test_a_type_turned_off_is_not_sent(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1", "r2")
    mail.choose(session, "r2", {"review.vote_needed": "off"})
    dispute(session, settings)
    assert [m["To"] for m in inbox.messages] == ["r1@example.com"]


def test_a_pass_that_dies_after_the_send_sends_once_more_with_the_same_message_id(committed, inbox):
    settings = smtp(inbox)
    with Session(committed) as session:
        committee(session, "r1")
        settings_without_mail = Settings(environment="test", smtp_host="127.0.0.1", smtp_port=1)
        dispute(session, settings_without_mail)  # port 1 answers nothing: the email waits
        session.commit()
    later = utcnow() + timedelta(days=3)
    with Session(committed) as session:
        mail.deliver(session, settings=settings, compose=compose, now=later)
        session.rollback()  # the worker died before its commit
    with Session(committed) as session:
        mail.deliver(session, settings=settings, compose=compose, now=later)
        session.commit()
        (email,) = emails(session)
        assert (email.status, email.attempts) == ("sent", 2)  # port 1's failure, then this
    first, second = inbox.messages
    assert first["Message-ID"] == second["Message-ID"] == email.message_id


def test_the_unsubscribe_link_turns_the_type_off_and_a_forged_one_is_refused(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1")
    dispute(session, settings)
    (message,) = inbox.messages
    signed = message["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    stopped = mail.unsubscribe(session, settings.secret_key, signed)
    assert (stopped.username, stopped.types) == ("r1", ("review.vote_needed",))
    assert mail.preferences_of(session, "r1").mode("review.vote_needed") == "off"
    with pytest.raises(InvalidInput):
        mail.read(session, settings.secret_key, signed[:-2] + "xx")
    with pytest.raises(InvalidInput):
        mail.read(session, "another-secret-key-entirely", signed)


def test_without_smtp_emails_are_written_to_the_folder(session, tmp_path: Path):
    settings = Settings(environment="test", email_dir=tmp_path, base_url=BASE)
    committee(session, "r1")
    dispute(session, settings)
    (written,) = tmp_path.glob("*.eml")
    assert "Your vote is needed" in written.read_text()
    assert [e.status for e in emails(session)] == ["sent"]


def test_preferences_refuse_an_unknown_type_or_mode(session):
    reviewers(session, "r1")
    with pytest.raises(InvalidInput):
        mail.choose(session, "r1", {"item.exploded": "off"})
    with pytest.raises(InvalidInput):
        mail.choose(session, "r1", {"item.agreed": "hourly"})
    with pytest.raises(InvalidInput):
        mail.choose(session, "r1", {}, address="not an address")
    assert mail.preferences_of(session, "r1").mode("item.agreed") == "off"


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_concurrent_passes_send_each_email_once(committed, inbox):
    settings = smtp(inbox)
    members = [f"r{i}" for i in range(8)]
    with Session(committed) as session:
        committee(session, *members)
        nobody_answers = Settings(environment="test", smtp_host="127.0.0.1", smtp_port=1)
        for _ in range(4):
            dispute(session, nobody_answers)  # the emails wait for their retry
        session.commit()
    later = utcnow() + timedelta(days=3)

    def one_pass(_: int) -> None:
        with unit_of_work(committed) as session:
            mail.deliver(session, settings=settings, compose=compose, now=later, limit=5)

    for _ in range(4):  # passes of five, four at once, until all are sent
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(one_pass, range(4)))
    with Session(committed) as session:
        assert {e.status for e in emails(session)} == {"sent"}
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == len(members) * 4 == len(set(ids))


def test_the_owner_of_an_endpoint_disabled_by_a_410_is_emailed(session, inbox):
    settings = smtp(inbox, webhook_allow=["127.0.0.0/8"])
    users.create_user(session, username="owner", role="admin", actor="t", email="o@example.com")
    owner = actor_for("owner", "admin", can_import=False)
    with receiver() as hook:
        hook.answer = lambda n: (410, {})
        endpoint, _secret = webhooks.create_endpoint(
            session,
            url=hook.url,
            campaign_id=None,
            types=[],
            by=owner,
            allowed=networks(settings.webhook_allow),
        )
        webhooks.test_send(session, endpoint_id=endpoint.id, by=owner)
        run_outbox(session, settings=settings)
    (message,) = inbox.to("o@example.com")
    assert message["Subject"] == "A webhook endpoint of yours was disabled"
    assert "410 Gone" in text_of(message) and f"{BASE}/webhooks/{endpoint.id}" in text_of(message)


def test_an_email_that_cannot_be_worded_fails_alone(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1", "r2")
    nobody_answers = Settings(environment="test", smtp_host="127.0.0.1", smtp_port=1)
    dispute(session, nobody_answers)

    def broken_for_r1(letter: mail.Letter) -> mail.Words:
        if letter.username == "r1":
            raise ValueError("a template bug")
        return compose(letter)

    later = utcnow() + timedelta(days=3)
    mail.deliver(session, settings=settings, compose=broken_for_r1, now=later)
    by_name = {e.username: e for e in emails(session)}
    assert (by_name["r1"].status, by_name["r1"].last_error) == ("failed", "could not be worded")
    assert by_name["r2"].status == "sent" and [m["To"] for m in inbox.messages] == [
        "r2@example.com"
    ]


def test_roles_are_expanded_at_delivery_and_subscribers_must_belong(session, inbox):
    settings = smtp(inbox)
    campaign_id, _ = queue_campaign(session, traces=1, annotators=("ann-in",))
    for name, role in (("lead-in", "lead"), ("boss", "admin"), ("rev-out", "reviewer")):
        users.create_user(session, username=name, role=role, actor="t")
    for name in ("ann-in", "lead-in", "boss", "rev-out"):
        users.update_user(session, username=name, actor="t", email=f"{name}@example.com")
    for name in ("ann-in", "rev-out"):
        mail.choose(session, name, {"canonical.promoted": "immediate"})
    about = {"item_id": 1, "name": "verdict", "link": "/items/1/history"}
    for n, recipients in enumerate(([notifications.LEADS], [notifications.SUBSCRIBERS])):
        kind = "item.escalated" if n == 0 else "canonical.promoted"
        events.emit(
            session,
            kind,
            key=f"test:{n}",
            payload={**about, "recipients": recipients},
            campaign_id=campaign_id,
        )
    mail.deliver(session, settings=settings, compose=compose)
    # No lead yet: the admins stand in; the outsider's subscription does not reach in.
    assert sorted((m["To"], m["Subject"].split(":")[0]) for m in inbox.messages) == [
        ("ann-in@example.com", "A canonical expectation was promoted"),
        ("boss@example.com", "A review was escalated"),
    ]
    campaigns.set_members(
        session,
        campaign_id=campaign_id,
        roles={"ann-in": "annotator", "lead-in": "lead"},
        by=trusted("t"),
    )
    events.emit(
        session,
        "item.escalated",
        key="test:later",
        payload={**about, "recipients": [notifications.LEADS]},
        campaign_id=campaign_id,
    )
    mail.deliver(session, settings=settings, compose=compose)
    assert inbox.messages[-1]["To"] == "lead-in@example.com" and len(inbox.messages) == 3


def test_a_window_gathered_in_two_passes_goes_out_once_and_a_late_notice_after_it(session, inbox):
    settings = smtp(inbox)
    committee(session, "r1")
    mail.choose(session, "r1", {"review.vote_needed": "digest"})
    dispute(session, settings)
    dispute(session, settings)
    after = window_end(utcnow(), settings.email_digest_hours) + timedelta(seconds=1)
    gather(session, now=after, sender_domain="quorum.example", limit=1)  # one notice, then
    mail.deliver(session, settings=settings, compose=compose, now=after)  # the other joins it
    (first,) = inbox.messages
    assert first["Subject"] == "Quorum digest: 2 updates"
    dispute(session, settings)  # told after its window's digest went: a digest of its own
    mail.deliver(session, settings=settings, compose=compose, now=after)
    assert [m["Subject"] for m in inbox.messages] == [
        "Quorum digest: 2 updates",
        "Quorum digest: 1 update",
    ]
    keys = [e.key for e in emails(session)]
    assert keys[1] == keys[0] + "#2" and len({m["Message-ID"] for m in inbox.messages}) == 2
