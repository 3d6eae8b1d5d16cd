"""A webhook sender killed mid-send, with real processes (PostgreSQL, Redis, `quorum worker`):
the receiver has the message, the worker's child dies before it records anything, and the
redelivered task sends the message once more with the same webhook-id, which then counts as
delivered with one recorded attempt. Nothing is lost, and the copy is the receiver's to drop."""

import os
import signal
import threading

import httpx
import pytest

from tests.api.conftest import LiveServer
from tests.api.webhook_receiver import receiver
from tests.identities import bearer
from tests.workers.conftest import FAST_DELIVERY, wait_for

SETTINGS = {key.removeprefix("QUORUM_").lower(): value for key, value in FAST_DELIVERY.items()}
LOOPBACK = '["127.0.0.0/8"]'


@pytest.fixture
def api(database, broker):
    with (
        LiveServer(
            database, broker_url=broker.url, webhook_allow=["127.0.0.0/8"], **SETTINGS
        ) as live,
        httpx.Client(base_url=live.url, timeout=10, headers=bearer(live.sign_in_tester())) as http,
    ):
        yield http


def test_a_worker_killed_mid_send_sends_the_message_once_more_with_its_id(api, workers):
    arrived, release = threading.Event(), threading.Event()

    def answer(n: int) -> tuple[int, dict[str, str]]:
        if n == 1:
            arrived.set()
            release.wait(timeout=30)  # held until the sender is dead
        return 200, {}

    with receiver() as hook:
        hook.answer = answer
        made = api.post("/api/v1/webhooks", json={"url": hook.url}).json()
        hook.secrets.append(made["secret"])
        endpoint = made["endpoint"]["id"]
        workers.env["QUORUM_WEBHOOK_ALLOW"] = LOOPBACK
        worker = workers.start()
        api.post(f"/api/v1/webhooks/{endpoint}/test").raise_for_status()
        assert arrived.wait(timeout=30), "the message never reached the receiver"
        for pid in workers.children(worker):
            os.kill(pid, signal.SIGKILL)
        release.set()

        def delivered() -> bool:
            found = api.get(f"/api/v1/webhooks/{endpoint}/deliveries").json()["deliveries"]
            return bool(found) and found[0]["status"] == "delivered"

        wait_for(delivered, timeout=60, what="the redelivered task to send it again")
        (delivery,) = api.get(f"/api/v1/webhooks/{endpoint}/deliveries").json()["deliveries"]
    assert hook.ids() == [delivery["message_id"]] * 2  # once more, and with the same id
    assert all(all(r.verified.values()) for r in hook.got)
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
