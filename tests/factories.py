"""Builders of test inputs: MLflow trace JSON and assessment drafts."""

import base64
import secrets
from typing import Any

from sqlmodel import col, select

from workers import letters
from workflow import assessments, campaigns, outbox, review, traces
from workflow.identity import users
from workflow.identity.access import Actor, actor_for, trusted
from workflow.items import label_schemas
from workflow.kernel.entities import AssessmentDraft, Kind, SourceType
from workflow.kernel.settings import Settings
from workflow.kernel.values import ValueLimits
from workflow.models import Assessment, LabelSchema, OutboxMessage, User
from workflow.review.quorum_rule import Choice
from workflow.tasks.registry import tasks

LIMITS = ValueLimits()
# A structured label with a list field: the schema of the field-level review tests.
TAGGED_TICKET = {
    "name": "ticket",
    "value_type": "structured",
    "fields": [
        {"name": "intent", "value_type": "categorical", "options": ["refund", "exchange"]},
        {"name": "priority", "value_type": "numeric", "min_value": 1, "max_value": 3},
        {"name": "tags", "value_type": "categorical_list", "options": ["billing", "urgent"]},
    ],
}
# Two proposals of it: the intent and the "billing" tag agree, the priority and "urgent" split.
SPLIT_TICKETS = (
    {"intent": "refund", "priority": 1, "tags": ["billing", "urgent"]},
    {"intent": "refund", "priority": 3, "tags": ["billing"]},
)
# A structured label holding a list of objects keyed by their "sku".
KEYED_ORDER = {
    "name": "order",
    "value_type": "structured",
    "fields": [
        {
            "name": "items",
            "value_type": "structured",
            "list_key": "sku",
            "fields": [{"name": "qty", "value_type": "numeric"}],
        }
    ],
}
ROOT_SPAN = "cae1e44d99366d7d"
RETRIEVER_SPAN = "8baa12146d72ae58"


def b64(hex_id: str) -> str:
    """A hex id as trace JSON spells it."""
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def trace_json(trace_id: str | None = None, *, spans: bool = True) -> dict[str, Any]:
    """A trace in `Trace.to_dict()` shape with a root span and a retriever span."""
    trace_id = trace_id or f"tr-{secrets.token_hex(16)}"
    otel = b64(trace_id[3:]) if len(trace_id) == 35 else None
    span_list = [
        {
            "trace_id": otel,
            "span_id": b64(ROOT_SPAN),
            "parent_span_id": None,
            "name": "answer",
            "start_time_unix_nano": 1_795_619_518_785_867_739,
            "end_time_unix_nano": 1_795_619_518_830_605_913,
            "events": [],
            "status": {"code": "STATUS_CODE_OK", "message": ""},
            "attributes": {"mlflow.spanInputs": '{"q": "capital of France?"}'},
        },
        {
            "trace_id": otel,
            "span_id": b64(RETRIEVER_SPAN),
            "parent_span_id": b64(ROOT_SPAN),
            "name": "retrieve",
            "start_time_unix_nano": 1_795_619_518_830_106_513,
            "end_time_unix_nano": 1_795_619_518_830_442_351,
            "events": [],
            "status": {"code": "STATUS_CODE_OK", "message": ""},
            "attributes": {"mlflow.spanType": '"RETRIEVER"'},
        },
    ]
    return {
        "info": {
            "trace_id": trace_id,
            "trace_location": {
                "type": "MLFLOW_EXPERIMENT",
                "mlflow_experiment": {"experiment_id": "1"},
            },
            "request_time": "2026-11-25T15:11:58.785Z",
            "state": "OK",
            "execution_duration_ms": 45,
            "tags": {"mlflow.traceName": "answer"},
        },
        "data": {"spans": span_list if spans else []},
    }


def human(name: str, value: Any, annotator: str, **fields: Any) -> AssessmentDraft:
    """A HUMAN expectation: an annotator's proposal."""
    return AssessmentDraft(
        name=name,
        kind=Kind.EXPECTATION,
        source_type=SourceType.HUMAN,
        source_id=annotator,
        value=value,
        **fields,
    )


def propose(
    session, trace_id: str, annotator: str, value: Any, name: str = "expected_answer"
) -> int:
    """Log a HUMAN expectation through the service, as the annotator; returns its item's id."""
    view = assessments.log_assessment(
        session,
        trace_id=trace_id,
        draft=human(name, value, annotator),
        by=trusted(annotator),
        limits=LIMITS,
    )
    return session.get(Assessment, view.assessment_id).item_id


def judge(name: str, value: Any, **fields: Any) -> AssessmentDraft:
    """An LLM_JUDGE expectation: a suggestion."""
    return AssessmentDraft(
        name=name,
        kind=Kind.EXPECTATION,
        source_type=SourceType.LLM_JUDGE,
        source_id="gpt-judge",
        value=value,
        **fields,
    )


def feedback(name: str, value: Any, **fields: Any) -> AssessmentDraft:
    """A feedback assessment."""
    return AssessmentDraft(
        name=name,
        kind=Kind.FEEDBACK,
        source_type=SourceType.HUMAN,
        source_id="reviewer@x.com",
        value=value,
        **fields,
    )


def run_outbox(session, *, default_overlap: int = 3, settings: Settings | None = None) -> list[str]:
    """Run every pending outbox message in this session, follow-ups included: a worker in-line.

    For service tests inside one rolled-back transaction; the real delivery path (relay,
    broker, TaskRunner) has its own tests with real workers.
    """
    settings = settings or Settings(environment="test", default_overlap=default_overlap)
    registry = tasks(settings, compose=letters.compose)
    ran = []
    while True:
        pending = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.completed_at).is_(None))
            .where(col(OutboxMessage.dead_at).is_(None))
            .order_by(col(OutboxMessage.id))
        ).first()
        if pending is None:
            return ran
        outbox.mark_completed(session, pending.id)
        # A worker runs each task in a transaction of its own: what the last one noted for
        # its own transaction (wake-ups asked for) does not carry over.
        session.info.clear()
        registry[pending.task].run(session, **pending.payload)
        ran.append(pending.task)


def reviewers(session, *names: str) -> list[str]:
    """Reviewer users called `names`, for a committee (which seats users who may review only)."""
    for name in names:
        users.create_user(session, username=name, role="reviewer", actor="test")
    return list(names)


def disputed_item(session, trace_id: str, name: str = "expected_answer") -> int:
    """An item three annotators disagree on, evaluated and routed to its committee."""
    for annotator, value in [("a@x", "Paris"), ("b@x", "Lyon"), ("c@x", "Nice")]:
        item_id = propose(session, trace_id, annotator, value, name=name)
    run_outbox(session)
    return item_id


def vote(session, item_id, reviewer, choice, **fields):
    """`reviewer`'s vote on the item, through the service."""
    return review.cast_vote(
        session,
        item_id=item_id,
        reviewer_id=reviewer,
        request=review.VoteRequest(choice=Choice(choice), **fields),
        limits=LIMITS,
    )


def proposal_of(session, item_id, annotator) -> str:
    """The assessment id of `annotator`'s proposal for the item."""
    return session.exec(
        select(Assessment.assessment_id).where(
            Assessment.item_id == item_id, Assessment.source_id == annotator
        )
    ).one()


def registered_trace(session) -> str:
    """A new trace, registered through the service; returns its id."""
    payload = trace_json()
    traces.register_traces(session, payloads=[payload], actor="test")
    return payload["info"]["trace_id"]


def queue_campaign(
    session,
    *,
    traces: int = 3,
    annotators: tuple[str, ...] = ("ann", "bob", "cat"),
    overlap: int = 3,
    schema: dict[str, Any] | None = None,
    **settings: Any,
) -> tuple[int, list[str]]:
    """A campaign over `traces` new traces with one label schema (a categorical one unless
    given) and `annotators` as its annotator pool, made through the services; returns its id
    and trace ids."""
    spec = schema or {"name": "verdict", "value_type": "categorical", "options": ["yes", "no"]}
    if session.exec(select(LabelSchema.id).where(LabelSchema.name == spec["name"])).first() is None:
        label_schemas.create_schema(session, spec=spec, overlap=None, actor="test")
    payloads = [trace_json() for _ in range(traces)]
    for name in annotators:
        if session.exec(select(User.id).where(User.username == name)).first() is None:
            users.create_user(session, username=name, role="annotator", actor="test")
    view = campaigns.create_campaign(
        session,
        settings=campaigns.CampaignSettings(f"c-{secrets.token_hex(4)}", overlap, **settings),
        by=trusted("test"),
        schemas=(campaigns.SchemaTarget(spec["name"]),),
        traces=campaigns.TraceSelection(payloads=tuple(payloads)),
    )
    campaigns.set_members(
        session,
        campaign_id=view.id,
        roles=dict.fromkeys(annotators, "annotator"),
        by=trusted("test"),
    )
    return view.id, [payload["info"]["trace_id"] for payload in payloads]


def annotator(name: str) -> Actor:
    """An annotator as the API would authenticate them."""
    return actor_for(name, "annotator", can_import=False)


def as_reviewer(name: str) -> Actor:
    """A reviewer as the API would authenticate them."""
    return actor_for(name, "reviewer", can_import=False)
