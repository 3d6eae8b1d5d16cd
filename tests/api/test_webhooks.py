"""Webhooks end to end, against a real HTTP receiver on loopback that verifies every message
with the `standardwebhooks` package: a vote-needed event reaches it signed; failures are
retried from the database with the same webhook-id; the last failure dead-letters and a
manual redelivery succeeds; a rotated secret verifies with either secret during the overlap;
a 410 disables the endpoint; two dispatchers at once send each message once; an inward address
is refused unless allow-listed, at registration and at send time."""

import ipaddress
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from tests.api.conftest import LiveServer, split_item
from tests.api.webhook_receiver import Receiver, receiver
from tests.factories import reviewers
from workflow import review, webhooks
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import InvalidInput
from workflow.kernel.settings import Settings
from workflow.models import WebhookDelivery
from workflow.models.base import utcnow
from workflow.webhooks.addresses import blocked, networks, resolve
from workflow.webhooks.schedule import ATTEMPTS
from workflow.webhooks.sender import send

LOOPBACK = ["127.0.0.0/8"]


@pytest.fixture(scope="module")
def live_server(engine) -> Iterator[LiveServer]:
    """The module's server, allowed to send webhooks to loopback (where the receiver is)."""
    with LiveServer(engine, webhook_allow=LOOPBACK) as server:
        yield server


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


def register(http, hook: Receiver, **body) -> int:
    made = http.post("/api/v1/webhooks", json={"url": hook.url, **body})
    assert made.status_code == 201, made.text
    hook.secrets.append(made.json()["secret"])
    return made.json()["endpoint"]["id"]


def dispute(live: LiveServer) -> int:
    """A trace three annotators split on, routed to a committee: one review.vote_needed."""
    with unit_of_work(live.engine) as session:
        review.set_committee(session, scope="default", members=reviewers(session, "rev"), actor="t")
    return split_item(live)


def retry_now(live: LiveServer) -> None:
    """Bring every pending retry's time to now, then let the reconciler's sweep wake the
    dispatcher, as it would once the time came."""
    with unit_of_work(live.engine) as session:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .values(next_attempt_at=utcnow())
        )
    with unit_of_work(live.engine) as session:
        webhooks.wake_if_due(session)
    live.drain()


def deliveries(http, endpoint_id: int) -> list[dict]:
    return http.get(f"/api/v1/webhooks/{endpoint_id}/deliveries").json()["deliveries"]


def test_a_vote_needed_event_arrives_signed_after_three_failures_with_one_id(live, http, hook):
    hook.answer = lambda n: (500, {}) if n <= 3 else (200, {})
    endpoint = register(http, hook, types=["review.vote_needed"])
    dispute(live)
    for _ in range(3):
        retry_now(live)
    assert len(hook.got) == 4 and len(set(hook.ids())) == 1
    assert all(all(r.verified.values()) for r in hook.got)
    message = hook.got[-1].body
    assert message["type"] == "review.vote_needed"
    assert message["data"]["recipients"] == ["rev"]
    assert message["data"]["link"].startswith("/review/items/")
    (delivery,) = deliveries(http, endpoint)
    assert delivery["status"] == "delivered" and delivery["message_id"] == hook.ids()[0]
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 200]


def test_a_receiver_that_always_fails_ends_in_the_dead_letter_and_redelivery_succeeds(
    live, http, hook
):
    hook.answer = lambda n: (503, {"retry-after": "1"})
    endpoint = register(http, hook, types=["review.vote_needed"])
    dispute(live)
    for _ in range(ATTEMPTS):
        retry_now(live)
    (delivery,) = deliveries(http, endpoint)
    assert (delivery["status"], len(delivery["attempts"])) == ("dead", ATTEMPTS)
    hook.answer = lambda n: (204, {})
    queued = http.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver")
    assert queued.status_code == 202
    live.drain()
    (delivery,) = deliveries(http, endpoint)
    assert delivery["status"] == "delivered"
    assert set(hook.ids()) == {delivery["message_id"]} and len(hook.got) == ATTEMPTS + 1


def test_a_rotated_secret_verifies_with_either_during_the_overlap(live, http, hook):
    endpoint = register(http, hook)
    rotated = http.post(f"/api/v1/webhooks/{endpoint}/rotate").json()
    hook.secrets.append(rotated["secret"])
    assert rotated["endpoint"]["rotating_until"] is not None
    http.post(f"/api/v1/webhooks/{endpoint}/test").raise_for_status()
    live.drain()
    (got,) = hook.got
    assert got.signatures == 2 and all(got.verified.values()), got.verified
    assert got.body["type"] == "webhook.test"


def test_a_410_disables_the_endpoint(live, http, hook):
    hook.answer = lambda n: (410, {})
    endpoint = register(http, hook)
    http.post(f"/api/v1/webhooks/{endpoint}/test").raise_for_status()
    live.drain()
    (listed,) = http.get("/api/v1/webhooks").json()["endpoints"]
    assert (listed["status"], listed["disabled_reason"]) == (
        "disabled",
        "the receiver answered 410 Gone",
    )
    dispute(live)
    assert len(hook.got) == 1  # nothing more is sent to it


def test_two_dispatchers_at_once_send_each_message_once(live, http, hook):
    hook.answer = lambda n: (500, {}) if n <= 4 else (200, {})
    register(http, hook, types=["review.vote_needed", "item.disputed"])
    dispute(live)  # two messages, each failed twice: both pending, due in 5 s
    assert len(hook.got) == 4
    with unit_of_work(live.engine) as session:
        session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
    settings = Settings(environment="test", webhook_allow=LOOPBACK)
    barrier = threading.Barrier(3)

    def dispatch() -> None:
        barrier.wait()
        with unit_of_work(live.engine) as session:
            webhooks.deliver(session, settings=settings)

    runs = [threading.Thread(target=dispatch) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    live.drain()
    delivered = hook.got[4:]
    assert len(delivered) == 2 and len({r.message_id for r in delivered}) == 2


def test_an_inward_address_is_refused_at_registration_and_at_send_time(http, hook):
    refused = http.post("/api/v1/webhooks", json={"url": "http://10.1.2.3/hook"})
    assert (refused.status_code, refused.json()["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert http.get("/api/v1/webhooks").json()["endpoints"] == []
    # At send time the name is resolved again: here it points at loopback, not allow-listed.
    answer = send(hook.url, b"{}", {}, allowed=(), timeout=2)
    assert answer.status is None and "resolves to 127.0.0.1" in (answer.error or "")
    assert hook.got == []


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_blocked(address):
    assert blocked(ipaddress.ip_address(address))


def test_a_public_address_is_not_blocked_and_the_allow_list_opens_a_range():
    assert not blocked(ipaddress.ip_address("93.184.216.34"))
    with pytest.raises(InvalidInput, match=r"resolves to 127\.0\.0\.1"):
        resolve("http://127.0.0.1:9/x", ())
    assert str(resolve("http://127.0.0.1:9/x", networks(LOOPBACK)).address) == "127.0.0.1"


def test_a_paused_endpoint_keeps_its_deliveries_until_it_is_resumed(live, http, hook):
    endpoint = register(http, hook, types=["review.vote_needed"], paused=True)
    dispute(live)
    retry_now(live)  # the sweep gives the event out; nothing is sent to a paused endpoint
    assert hook.got == []
    (waiting,) = deliveries(http, endpoint)
    assert waiting["status"] == "pending"
    http.post(f"/api/v1/webhooks/{endpoint}/resume").raise_for_status()
    live.drain()  # resuming wakes the dispatcher: what waited goes at once
    assert [r.body["type"] for r in hook.got] == ["review.vote_needed"]
