"""A campaign's dashboard page: the last snapshot's figures drawn as charts, each with its
numbers as CSV beside it and the whole as JSON; a lead may ask for a fresh snapshot."""

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import RowId, SessionDep
from api.pages import charts
from api.pages.sessions import FormPage, Page
from api.pages.site import TEMPLATES, render
from workflow import dashboard
from workflow.dashboard.tables import table

router = APIRouter(include_in_schema=False)


def duration(seconds: float) -> str:
    """Seconds as a person says them: 45 s, 12 min, 3.5 h, 2.1 days."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit == "days" else 1):
            return f"{seconds / size:.1f} {unit}".replace(".0 ", " ")
    return f"{seconds:.0f} s"


TEMPLATES.env.filters["duration"] = duration

Figure = Annotated[str, Path(max_length=40)]


def _schema_charts(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "alpha": charts.interval_chart(schema.get("alpha", [])),
        "kappa": charts.heatmap(schema.get("kappa") or {}),
        "reliability": charts.reliability_chart(schema.get("reliability", [])),
    }


def _disputed(figures: dict[str, Any]) -> charts.Chart | None:
    rows = [
        (
            f"{d['schema']}.{d['field']}" if d["field"] else d["schema"],
            d["share"] or 0.0,
            f"{d['disputes']}",
            f"{d['disputes']} disputes: {(d['share'] or 0):.0%} of the items evaluated",
        )
        for d in figures.get("disputed_fields", [])
    ]
    return charts.bar_chart(rows, x_label="share of the schema's evaluated items disputed")


@router.get("/campaigns/{campaign_id}/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, campaign_id: RowId, session: SessionDep, page: Page) -> Any:
    """The campaign's dashboard, for its leads, its reviewers and admins."""
    view = dashboard.dashboard(session, campaign_id=campaign_id, by=page.actor)
    figures = view.figures
    return render(
        request,
        "dashboard.html",
        page,
        view=view,
        figures=figures,
        schemas=[(s, _schema_charts(s)) for s in figures.get("schemas", [])],
        progress=charts.progress_chart(figures.get("progress") or {}),
        histogram=charts.histogram(figures.get("time_to_consensus") or {}),
        disputed=_disputed(figures),
    )


@router.get("/campaigns/{campaign_id}/dashboard.json")
def dashboard_json(campaign_id: RowId, session: SessionDep, page: Page) -> Any:
    """The snapshot as one JSON document, to download."""
    view = dashboard.dashboard(session, campaign_id=campaign_id, by=page.actor)
    return JSONResponse(
        view.to_dict(), headers=_attachment(f"campaign-{campaign_id}-dashboard.json")
    )


@router.get("/campaigns/{campaign_id}/dashboard/{figure}.csv")
def dashboard_csv(campaign_id: RowId, figure: Figure, session: SessionDep, page: Page) -> Any:
    """One chart's numbers as CSV, to download."""
    view = dashboard.dashboard(session, campaign_id=campaign_id, by=page.actor)
    header, rows = table(view.figures, figure)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(f"campaign-{campaign_id}-{figure}.csv"),
    )


@router.post("/campaigns/{campaign_id}/dashboard/refresh")
def refresh(campaign_id: RowId, session: SessionDep, page: FormPage) -> Any:
    """Ask for a snapshot now; back to the dashboard, which says one is on its way."""
    dashboard.refresh(session, campaign_id=campaign_id, by=page.actor)
    return RedirectResponse(f"/campaigns/{campaign_id}/dashboard", status_code=303)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
