"""MLflow 3.x trace and assessment routes, served under /api/3.0/mlflow and /ajax-api/3.0/mlflow."""

from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session

from api.auth import WRITE, Reader
from api.boundary import in_one_hop
from api.deps import SessionDep
from api.runtime import runtime
from api.wire import assessments as wire
from api.wire.schemas import (
    AssessmentResponse,
    CreateAssessmentIn,
    DeleteAssessmentResponse,
    TraceResponse,
    UpdateAssessmentIn,
)
from api.wire.traces import trace_info_json, trace_json
from workflow import assessments, traces
from workflow.identity.access import Actor

router = APIRouter(tags=["mlflow"])

# The answers are documented, not validated: the routes return MLflow's JSON as plain dicts,
# which FastAPI serialises as they are (the write routes' CPU per request is benchmarked).
ASSESSMENT = {200: {"model": AssessmentResponse}}
TRACE = {200: {"model": TraceResponse}}


@router.post("/traces/{trace_id}/assessments", responses=ASSESSMENT)
async def create_assessment(
    trace_id: str, body: CreateAssessmentIn, request: Request
) -> dict[str, Any]:
    """`CreateAssessment`: a HUMAN expectation becomes (or edits) its annotator's proposal.
    The source must be the caller, unless the caller holds the import permission."""

    def work(session: Session, by: Actor) -> dict[str, Any]:
        view = assessments.log_assessment(
            session,
            trace_id=trace_id,
            draft=wire.to_draft(body.assessment, trace_id=trace_id),
            by=by,
            limits=runtime(request).limits,
            default_overlap=runtime(request).settings.default_overlap,
        )
        return {"assessment": wire.assessment_json(view)}

    return await in_one_hop(request, WRITE, work)


@router.get("/traces/{trace_id}/assessments/{assessment_id}", responses=ASSESSMENT)
def get_assessment(
    trace_id: str, assessment_id: str, session: SessionDep, by: Reader
) -> dict[str, Any]:
    """`GetAssessmentRequest`; another annotator's proposal is hidden from annotators."""
    view = assessments.get_assessment(
        session, trace_id=trace_id, assessment_id=assessment_id, by=by
    )
    return {"assessment": wire.assessment_json(view)}


@router.patch("/traces/{trace_id}/assessments/{assessment_id}", responses=ASSESSMENT)
async def update_assessment(
    trace_id: str, assessment_id: str, body: UpdateAssessmentIn, request: Request
) -> dict[str, Any]:
    """`UpdateAssessment` with its update mask; a proposal's new value is a new revision."""

    def work(session: Session, by: Actor) -> dict[str, Any]:
        view = assessments.update_assessment(
            session,
            trace_id=trace_id,
            assessment_id=assessment_id,
            changes=wire.to_changes(body),
            by=by,
            limits=runtime(request).limits,
            default_overlap=runtime(request).settings.default_overlap,
        )
        return {"assessment": wire.assessment_json(view)}

    return await in_one_hop(request, WRITE, work)


@router.delete(
    "/traces/{trace_id}/assessments/{assessment_id}",
    responses={200: {"model": DeleteAssessmentResponse}},
)
async def delete_assessment(trace_id: str, assessment_id: str, request: Request) -> dict[str, Any]:
    """`DeleteAssessment`: a deleted proposal stops counting; its history stays."""

    def work(session: Session, by: Actor) -> dict[str, Any]:
        assessments.delete_assessment(
            session,
            trace_id=trace_id,
            assessment_id=assessment_id,
            by=by,
            default_overlap=runtime(request).settings.default_overlap,
        )
        return {}

    return await in_one_hop(request, WRITE, work)


@router.get("/traces/get", responses=TRACE)
def get_trace(trace_id: str, session: SessionDep, by: Reader) -> dict[str, Any]:
    """`GetTrace`: info, assessments and spans, so `mlflow.get_trace` works against Quorum."""
    view = traces.get_trace(session, trace_id=trace_id)
    listed = assessments.trace_assessments(session, trace_id=trace_id, by=by)
    return {"trace": trace_json(view, listed)}


@router.get("/traces/{trace_id}", responses=TRACE)
def get_trace_info(trace_id: str, session: SessionDep, by: Reader) -> dict[str, Any]:
    """`GetTraceInfoV3`: the trace's info block with its assessments."""
    view = traces.get_trace(session, trace_id=trace_id, with_spans=False)
    listed = assessments.trace_assessments(session, trace_id=trace_id, by=by)
    return {"trace": {"trace_info": trace_info_json(view, listed)}}
