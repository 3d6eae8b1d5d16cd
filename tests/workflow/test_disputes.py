"""What a dispute leaves on its item for the review queue: the contest as defined, the
disputed fields replaced by each new dispute, and the migration's backfill of the same."""

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from tests.factories import TAGGED_TICKET, propose, reviewers, run_outbox, trace_json
from workflow import review, traces
from workflow.items import label_schemas
from workflow.items.disputes import contest_of, disputed_fields_of, record_disputes
from workflow.kernel.db import unit_of_work
from workflow.models import Item, ItemDisputedField
from workflow.models.migrations import alembic_config, upgrade

BEFORE_CONTEST = "d5e6f7a8b9c0"


def test_the_contest_is_one_minus_the_agreement_score():
    assert contest_of({"score": 1 / 3}) == 0.666667
    assert contest_of({"score": 2 / 3}) == contest_of({"score": 1 - 1 / 3}) == 0.333333
    assert contest_of({"score": 1.0}) == 0.0  # blocked despite full support (a tie, a negation)
    assert contest_of({"outcome": "disputed", "reason_codes": ["values_do_not_fit"]}) == 1.0
    assert contest_of({"score": True}) == 1.0
    assert disputed_fields_of({"disputed_fields": ["a", "b", "a", 3]}) == ["a", "b"]
    assert disputed_fields_of({}) == []


def _fields(session: Session, item_id: int) -> list[str]:
    statement = select(ItemDisputedField.field).where(ItemDisputedField.item_id == item_id)
    return sorted(session.exec(statement).all())


def test_a_new_dispute_replaces_the_last_ones_fields(session: Session):
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    item_id = propose(session, payload["info"]["trace_id"], "a@x", "Paris")
    item = session.get_one(Item, item_id)
    record_disputes(session, [(item, {"score": 0.5, "disputed_fields": ["a", "b"]})])
    assert (item.contest, _fields(session, item_id)) == (0.5, ["a", "b"])
    record_disputes(session, [(item, {"score": 0.25, "disputed_fields": ["c"]})])
    session.expire(item)
    assert (item.contest, _fields(session, item_id)) == (0.75, ["c"])


def _dispute_a_ticket(session: Session) -> int:
    label_schemas.create_schema(session, spec=TAGGED_TICKET, overlap=3, actor="test")
    review.set_committee(session, scope="default", members=reviewers(session, "r1@x"), actor="test")
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    for annotator, priority in [("a@x", 1), ("b@x", 2), ("c@x", 3)]:
        value = {"intent": "refund", "priority": priority}
        item_id = propose(session, payload["info"]["trace_id"], annotator, value, name="ticket")
    run_outbox(session)
    return item_id


def test_the_migration_backfills_items_in_review_from_their_latest_dispute(committed: Engine):
    with unit_of_work(committed) as session:
        item_id = _dispute_a_ticket(session)
    config = alembic_config(committed.url.render_as_string(hide_password=False))
    with committed.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE_CONTEST)
    upgrade(committed)
    with Session(committed) as session:
        item = session.get_one(Item, item_id)
        assert (item.state, item.contest) == ("in_review", 0.666667)
        assert _fields(session, item_id) == ["priority"]
    with committed.connect() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert head == ScriptDirectory.from_config(config).get_current_head()
