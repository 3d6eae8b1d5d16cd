"""The relay thread: a kick publishes what is pending, at the cost of one claim."""

import time

from sqlalchemy import event

from workers.relay import Relay
from workflow import outbox
from workflow.kernel.db import unit_of_work


class Recording:
    def __init__(self):
        self.sent = []

    def publish(self, task, messages):
        self.sent += [message.id for message in messages]


def test_a_kick_publishes_the_pending_rows_with_one_claim(committed):
    with unit_of_work(committed) as session:
        ids = [outbox.enqueue(session, outbox.ROUTE_ITEM, item_id=i) for i in range(3)]
    claims = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("UPDATE outbox SET published_at"):
            claims.append(statement)

    publisher = Recording()
    event.listen(committed, "before_cursor_execute", record)
    relay = Relay(committed, publisher, interval=60, linger=0).start()
    try:
        relay.kick()
        deadline = time.monotonic() + 10
        while len(publisher.sent) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # room for a second claim to show (stopping runs a last round)
        claimed_while_running = len(claims)
    finally:
        relay.stop()
        event.remove(committed, "before_cursor_execute", record)
    assert publisher.sent == ids
    # Fewer than a round's limit came back: the table was empty, so no second claim follows.
    assert claimed_while_running == 1
