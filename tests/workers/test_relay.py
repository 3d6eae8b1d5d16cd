"""The relay thread: woken by a commit that wrote outbox rows, never by a rollback; a kick
publishes what is pending, at the cost of one claim."""

import time

import pytest
from sqlalchemy import event, text

from workers.relay import Relay
from workflow import outbox
from workflow.kernel.db import unit_of_work
from workflow.kernel.task_names import TaskName


class Recording:
    def __init__(self):
        self.sent = []

    def publish(self, task, messages):
        self.sent += [message.id for message in messages]


def test_a_kick_publishes_the_pending_rows_with_one_claim(committed):
    with unit_of_work(committed) as session:
        ids = [outbox.enqueue(session, TaskName.ROUTE_ITEM, item_id=i) for i in range(3)]
    claims = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("UPDATE outbox SET published_at"):
            claims.append(statement)

    publisher = Recording()
    event.listen(committed, "before_cursor_execute", record)
    relay = Relay(committed, publisher, coalesce={}, interval=60, linger=0).start()
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


class Counting(Relay):
    """A relay whose thread never runs: it only counts its wake-ups."""

    def __init__(self, engine):
        super().__init__(engine, Recording(), coalesce={})
        self.kicks = 0

    def kick(self):
        self.kicks += 1


def test_a_commit_that_wrote_outbox_rows_wakes_the_relay_once(committed):
    relay = Counting(committed)
    outbox.wake_on_commit(committed, relay.kick)
    try:
        with unit_of_work(committed) as session:
            outbox.enqueue(session, TaskName.ROUTE_ITEM, item_id=1)
            outbox.enqueue_many(session, TaskName.ROUTE_ITEM, [{"item_id": 2}, {"item_id": 3}])
            assert relay.kicks == 0  # not before the commit
        assert relay.kicks == 1
        with unit_of_work(committed) as session:
            session.execute(text("SELECT 1"))  # no outbox row: nothing to wake for
        assert relay.kicks == 1
    finally:
        outbox.stop_waking(committed, relay.kick)


def test_a_rolled_back_transaction_wakes_nothing(committed):
    relay = Counting(committed)
    outbox.wake_on_commit(committed, relay.kick)
    try:
        with pytest.raises(RuntimeError), unit_of_work(committed) as session:
            outbox.enqueue(session, TaskName.ROUTE_ITEM, item_id=1)
            raise RuntimeError("the request failed")
        assert relay.kicks == 0
        with unit_of_work(committed) as session:
            pending = session.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        assert pending == 0
    finally:
        outbox.stop_waking(committed, relay.kick)
