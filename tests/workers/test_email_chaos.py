"""An email sender killed mid-send, with real processes (PostgreSQL, Redis, `quorum worker`,
an SMTP server): the server has the message, the worker's child dies before it records the
send, and the redelivered task sends it once more with the same Message-ID, which then counts
as sent after one recorded try. Nothing is lost, and a mail client shows the copy once."""

import os
import signal
import threading

from tests.mail_server import smtp_server
from tests.workers.conftest import wait_for
from tests.workers.test_delivery import api, new_trace, propose  # noqa: F401 (a fixture)


def test_a_worker_killed_mid_send_sends_the_email_once_more_with_its_message_id(
    api,  # noqa: F811 (the fixture imported above)
    workers,
):
    arrived, release = threading.Event(), threading.Event()

    def hold(accepted: int) -> None:
        if accepted == 1:
            arrived.set()
            release.wait(timeout=30)  # the 250 waits until the sender is dead

    with smtp_server() as inbox:
        inbox.hold = hold
        workers.env.update(
            QUORUM_SMTP_HOST=inbox.host,
            QUORUM_SMTP_PORT=str(inbox.port),
            QUORUM_SMTP_SECURITY="none",
        )
        worker = workers.start()
        made = api.post(
            "/api/v1/users",
            json={"username": "r1", "role": "reviewer", "email": "r1@example.com"},
        )
        assert made.status_code == 201, made.text
        api.put("/api/v1/committees/default", json={"members": ["r1"]}).raise_for_status()
        trace_id = new_trace(api)
        for annotator, value in (("a", "Paris"), ("b", "Lyon"), ("c", "Nice")):
            propose(api, trace_id, annotator, value)
        assert arrived.wait(timeout=60), "the email never reached the SMTP server"
        for pid in workers.children(worker):
            os.kill(pid, signal.SIGKILL)
        release.set()

        def sent() -> bool:
            found = api.get("/api/v1/emails").json()["emails"]
            return bool(found) and found[0]["status"] == "sent"

        wait_for(sent, timeout=60, what="the redelivered task to send it again")
        (email,) = api.get("/api/v1/emails").json()["emails"]
        copies = list(inbox.messages)
    assert [m["Message-ID"] for m in copies] == [copies[0]["Message-ID"]] * 2
    assert (email["attempts"], email["status"]) == (1, "sent")
