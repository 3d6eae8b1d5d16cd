"""Loads the demo into an empty database: everything a newcomer needs to see the whole loop
(annotate, dispute, review, promote) in a browser a minute after cloning."""

import json
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from workflow import assessments, campaigns, review, traces
from workflow.identity import users
from workflow.identity.access import trusted
from workflow.items import label_schemas
from workflow.kernel.entities import AssessmentDraft, Kind, SourceType
from workflow.kernel.values import ValueLimits
from workflow.traces.samples import sample_traces

ACTOR = "quorum:demo"
CAMPAIGN = "Northwind support assistant, November"
TRIAGE = "Northwind ticket triage, November"
INSTRUCTIONS = {
    CAMPAIGN: (
        "Read the customer's question and the assistant's **final answer**.\n\n"
        "- *Pass* when the answer is correct and follows policy.\n"
        "- *Fail* when anything in it is wrong, invented, or against policy."
    ),
    TRIAGE: "Pick the **intent** the ticket is really about, not the first one it mentions.",
}
# name -> role; every password is new and shown once.
PEOPLE = {
    # An admin of the demo's own (the empty database's first admin is never made: it has
    # people): who reads the emails embedded mode wrote, on /admin/emails.
    "boss": "admin",
    "lead": "lead",
    "ann1": "annotator",
    "ann2": "annotator",
    "ann3": "annotator",
    "rev1": "reviewer",
    "rev2": "reviewer",
    "rev3": "reviewer",
}
INTENTS = [
    "billing_issue",
    "cancel_order",
    "damaged_item",
    "exchange_request",
    "order_change",
    "return_request",
    "shipping_problem",
    "sizing_question",
    "warranty_claim",
]
SCHEMAS = [
    {"name": "answer_correct", "value_type": "pass_fail"},
    {"name": "ticket_intent", "value_type": "categorical", "options": INTENTS},
]
_TRIAGE_KIND = "extract_ticket_fields"
# How many traces of each kind get all three annotators' work up front: some agree, some not.
WORKED = 6


@dataclass(frozen=True, slots=True)
class Demo:
    """What the demo made: each person's password (shown once), and the counts."""

    passwords: dict[str, str]
    traces: int
    proposals: int


def _root_name(trace: dict) -> str:
    return trace["info"]["tags"].get("mlflow.traceName", "")


def _proposals(trace: dict, index: int) -> list[tuple[str, str, object]]:
    """(annotator, schema name, value) for the `index`th worked trace of its kind: of the
    ticket intents, every third is a three-way split (a dispute for the committee)."""
    annotators = [name for name, role in PEOPLE.items() if role == "annotator"]
    if _root_name(trace) == _TRIAGE_KIND:
        intent = json.loads(trace["info"]["response_preview"]).get("intent", INTENTS[0])
        at = INTENTS.index(intent) if intent in INTENTS else 0
        other, third = (INTENTS[(at + step) % len(INTENTS)] for step in (1, 2))
        values = [intent, other, third] if index % 3 == 0 else [intent, intent, other]
        return [(a, "ticket_intent", v) for a, v in zip(annotators, values, strict=True)]
    values = [True, index % 3 != 0, index % 2 == 0]
    return [(a, "answer_correct", v) for a, v in zip(annotators, values, strict=True)]


def loaded(session: Session) -> bool:
    """Whether this database holds the demo already."""
    return any(c.name == CAMPAIGN for c in campaigns.list_campaigns(session, by=trusted(ACTOR)))


def load(session: Session, *, limits: ValueLimits) -> Demo:
    """Register the sample traces, the people, two label schemas, the default committee and two
    campaigns (answers, ticket intents), and log three annotators' work on a few traces of each
    kind; the rest waits in the annotators' queues."""
    samples = sample_traces()
    traces.register_traces(session, payloads=samples, actor=ACTOR)
    passwords = {name: secrets.token_urlsafe(12) for name in PEOPLE}
    for name, role in PEOPLE.items():
        users.create_user(
            session,
            username=name,
            role=role,
            password=passwords[name],
            # Addresses nobody reads: in embedded mode their emails land in the mail folder,
            # for a newcomer to see on /admin/emails.
            email=f"{name}@example.com",
            actor=ACTOR,
        )
    for spec in SCHEMAS:
        label_schemas.create_schema(session, spec=spec, overlap=3, actor=ACTOR)
    reviewers = [name for name, role in PEOPLE.items() if role == "reviewer"]
    review.set_committee(session, scope="default", members=reviewers, actor=ACTOR)
    triage = tuple(t["info"]["trace_id"] for t in samples if _root_name(t) == _TRIAGE_KIND)
    answers = tuple(t["info"]["trace_id"] for t in samples if _root_name(t) != _TRIAGE_KIND)
    for name, schema, trace_ids in [
        (CAMPAIGN, "answer_correct", answers),
        (TRIAGE, "ticket_intent", triage),
    ]:
        campaign = campaigns.create_campaign(
            session,
            settings=campaigns.CampaignSettings(name, 3, instructions=INSTRUCTIONS[name]),
            by=trusted(ACTOR),
            schemas=(campaigns.SchemaTarget(schema),),
            traces=campaigns.TraceSelection(trace_ids=trace_ids),
        )
        # Everyone but the admin, whom no campaign needs to name.
        members = {name: role for name, role in PEOPLE.items() if role != "admin"}
        campaigns.set_members(session, campaign_id=campaign.id, roles=members, by=trusted(ACTOR))
    logged = 0
    worked: dict[str, int] = {}
    for trace in samples:
        kind = _root_name(trace)
        if kind == "support_agent" or worked.get(kind, 0) >= WORKED:
            continue
        worked[kind] = worked.get(kind, 0) + 1
        for annotator, name, value in _proposals(trace, worked[kind]):
            draft = AssessmentDraft(
                name=name,
                kind=Kind.EXPECTATION,
                source_type=SourceType.HUMAN,
                source_id=annotator,
                value=value,
            )
            trace_id = trace["info"]["trace_id"]
            assessments.log_assessment(
                session, trace_id=trace_id, draft=draft, by=trusted(annotator), limits=limits
            )
            logged += 1
    return Demo(passwords=passwords, traces=len(samples), proposals=logged)
