"""Server-rendered pages (Jinja2, autoescaped): the overview and one trace with its items."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from workflow import assessments, overview, traces

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Any:
    """Counts by item state and the most recent traces."""
    context = {"summary": overview.summary(session)}
    return TEMPLATES.TemplateResponse(request, "index.html", context)


@router.get("/traces/{trace_id}", response_class=HTMLResponse)
def trace_page(request: Request, trace_id: str, session: SessionDep) -> Any:
    """One trace: its spans and every assessment, canonical ones marked."""
    context = {
        "trace": traces.get_trace(session, trace_id=trace_id),
        "assessments": assessments.trace_assessments(session, trace_id=trace_id),
    }
    return TEMPLATES.TemplateResponse(request, "trace.html", context)
