"""The reviewer's pages: the disputed items assigned to me, and the desk where I read one
item's proposals and the engine's breakdown and cast my vote."""

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import LimitsDep, RowId, SessionDep
from api.pages.items import Filter, campaign_filter, next_page
from api.pages.sessions import FormFields, FormPage, Page, PageSession
from api.pages.site import render
from workflow import review
from workflow.consensus import LabelSchemaSpec
from workflow.identity.access import Permission
from workflow.kernel.errors import Conflict, Forbidden, InvalidInput
from workflow.kernel.states import ItemState
from workflow.queue import form_values
from workflow.review.quorum_rule import Choice

router = APIRouter(include_in_schema=False)

QUEUE_SIZE = 50
MAX_COMMENT_CHARS = 4000


def _reviewer(page: PageSession) -> None:
    page.actor.require(Permission.REVIEW, "reviewing")


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    session: SessionDep,
    page: Page,
    voted: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    order: Filter = "",
    campaign_id: Filter = "",
    name: Filter = "",
    annotator: Filter = "",
    field: Annotated[str, Query(max_length=1024)] = "",
    after: Filter = "",
) -> Any:
    """The items in review whose current round I sit on, oldest or most contested first, by
    campaign, label, annotator or disputed field, a page at a time."""
    _reviewer(page)
    sort = review.queue_order(order or review.QueueOrder.OLDEST)
    queued = review.reviewer_queue(
        session,
        reviewer_id=page.actor.name,
        by=page.actor,
        limit=QUEUE_SIZE,
        order=sort,
        campaign_id=campaign_filter(campaign_id),
        name=name or None,
        annotator=annotator or None,
        field=field or None,
        after=after or None,
    )
    filters = {"campaign_id": campaign_id, "name": name, "annotator": annotator, "field": field}
    return render(
        request,
        "review_queue.html",
        page,
        queued=queued,
        voted=voted,
        order=sort.value,
        filters=filters,
        following=next_page("/review", {"order": order, **filters}, queued.next_page_token),
    )


@dataclass(frozen=True, slots=True)
class Pick:
    """A value a disputed field may be voted, as the desk offers it: what the form sends
    (a proposal that holds it), whether the field is there at all, and who proposed it."""

    sent: str
    present: bool
    value: Any
    annotators: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnitForm:
    """The desk's forms for one disputed field or contested element: the values proposed
    for a field, its write-in (named `name`, generated from the field's spec) and my vote."""

    unit: review.ContestedView
    name: str
    picks: tuple[Pick, ...]
    field: form_values.Field | None
    mine: review.VoteView | None


def _picks(unit: review.ContestedView) -> tuple[Pick, ...]:
    """A field's distinct proposed values, each once with everyone who proposed it."""
    found: dict[str, Pick] = {}
    for p in unit.proposed:
        key = json.dumps([p.present, p.value], sort_keys=True)
        held = found.get(key)
        annotators = (*held.annotators, p.annotator) if held else (p.annotator,)
        sent = held.sent if held else f"{Choice.PROPOSAL}:{p.assessment_id}"
        found[key] = Pick(sent, p.present, p.value, annotators)
    return tuple(found.values())


def _unit_forms(desk: review.ReviewDesk, typed: dict[str, Any]) -> tuple[UnitForm, ...]:
    mine = {vote.field: vote for vote in desk.review.my_field_votes}
    forms = []
    for i, unit in enumerate(desk.review.contested, start=1):
        name, spec = f"unit{i}", LabelSchemaSpec.from_dict(unit.spec)
        write = None
        if unit.kind is review.UnitKind.FIELD:
            write = form_values.form_fields(spec, typed.get(unit.path, {}), name, required=False)
        forms.append(UnitForm(unit, name, _picks(unit), write, mine.get(unit.path)))
    return tuple(forms)


def _desk_page(
    request: Request,
    page: PageSession,
    desk: review.ReviewDesk,
    *,
    typed: dict[str, list[str]] | None = None,
    unit_typed: dict[str, Any] | None = None,
    status: int = 200,
    **context: Any,
) -> Any:
    """The desk; `typed`, a corrected value sent back (refused), fills its form as it was,
    and `unit_typed` (by field path) a field's write-in. Otherwise the corrected value's form
    starts from what is settled: the settled fields and elements of a dispute voted field by
    field, else a structured value's fields the engine agreed on."""
    spec = LabelSchemaSpec.from_dict(desk.schema)
    settled = desk.settled
    if settled is None:
        consensus = (desk.review.evaluation or {}).get("consensus")
        settled = consensus if isinstance(consensus, dict) else None
    if typed is None and settled is not None:
        typed = form_values.typed_from_value(spec, settled)
    return render(
        request,
        "review_item.html",
        page,
        status=status,
        desk=desk,
        field=form_values.form_fields(spec, typed or {}),
        units=_unit_forms(desk, unit_typed or {}),
        **context,
    )


@router.get("/review/items/{item_id}", response_class=HTMLResponse)
def review_item(
    request: Request,
    item_id: RowId,
    session: SessionDep,
    page: Page,
    voted: Annotated[bool, Query()] = False,
) -> Any:
    """One item at my desk: the trace, the proposals side by side, the engine's breakdown,
    and the forms to vote; a decided item sends me to its history."""
    _reviewer(page)
    status = review.item_status(session, item_id=item_id, by=page.actor)
    if status.state != ItemState.IN_REVIEW:
        return RedirectResponse(f"/items/{item_id}/history", status_code=303)
    desk = review.review_desk(session, item_id=item_id, by=page.actor)
    return _desk_page(request, page, desk, voted=voted)


def _request(fields: dict[str, list[str]], desk: review.ReviewDesk) -> review.VoteRequest:
    """The vote the form asks for, on the whole value or on the disputed unit its `field`
    names: a proposal, a corrected value, keep, drop, or an abstention."""
    comment = (fields.get("comment") or [""])[0].replace("\r\n", "\n").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"a comment is at most {MAX_COMMENT_CHARS} characters")
    path = (fields.get("field") or [""])[0]
    chosen = (fields.get("vote") or [""])[0]
    if chosen == Choice.VALUE:
        spec, name = _written(desk, path)
        value = form_values.value_from_form(spec, fields, name)
        return review.VoteRequest(Choice.VALUE, value=value, comment=comment, field=path)
    if chosen in (Choice.ABSTAIN, Choice.KEEP, Choice.DROP):
        return review.VoteRequest(Choice(chosen), comment=comment, field=path)
    assessment_id = chosen.removeprefix(f"{Choice.PROPOSAL}:")
    if assessment_id == chosen or not assessment_id:
        raise InvalidInput("choose a proposal, write a corrected value, or abstain")
    return review.VoteRequest(
        Choice.PROPOSAL, assessment_id=assessment_id, comment=comment, field=path
    )


def _written(desk: review.ReviewDesk, path: str) -> tuple[LabelSchemaSpec, str]:
    """The spec a value written for `path` must fit, and the name its form fields have."""
    if not path:
        return LabelSchemaSpec.from_dict(desk.schema), form_values.VALUE
    for i, unit in enumerate(desk.review.contested, start=1):
        if unit.path == path and unit.kind is review.UnitKind.FIELD:
            return LabelSchemaSpec.from_dict(unit.spec), f"unit{i}"
    raise InvalidInput(f"{path!r} is not a disputed field of this item")


@router.post("/review/items/{item_id}/vote", response_class=HTMLResponse)
def vote(
    request: Request,
    item_id: RowId,
    session: SessionDep,
    page: FormPage,
    fields: FormFields,
    limits: LimitsDep,
) -> Any:
    """Cast (or change) my vote; a refused one (400, 409) shows the desk again as typed, with
    the reason, and nothing is stored."""
    _reviewer(page)
    desk = review.review_desk(session, item_id=item_id, by=page.actor)
    try:
        asked = _request(fields, desk)
        with session.begin_nested():  # a refusal half-way leaves nothing behind
            review.cast_vote(
                session,
                item_id=item_id,
                reviewer_id=page.actor.name,
                request=asked,
                limits=limits,
            )
    except (InvalidInput, Conflict, Forbidden) as exc:
        code = 400 if isinstance(exc, InvalidInput) else 409 if isinstance(exc, Conflict) else 403
        written = (fields.get("vote") or [""])[0] == Choice.VALUE
        path = (fields.get("field") or [""])[0]
        typed = fields if written and not path else None
        unit_typed = {path: fields} if written and path else None
        return _desk_page(
            request, page, desk, typed=typed, unit_typed=unit_typed, status=code, error=str(exc)
        )
    return RedirectResponse(f"/review/items/{item_id}?voted=true", status_code=303)


@router.post("/review/items/{item_id}/comments", response_class=HTMLResponse)
def comment(
    request: Request, item_id: RowId, session: SessionDep, page: FormPage, fields: FormFields
) -> Any:
    """Add to the item's discussion; an empty or overlong note shows the desk again (400)."""
    _reviewer(page)
    body = (fields.get("body") or [""])[0].replace("\r\n", "\n")
    try:
        review.add_comment(session, item_id=item_id, body=body, by=page.actor)
    except InvalidInput as exc:
        desk = review.review_desk(session, item_id=item_id, by=page.actor)
        return _desk_page(
            request, page, desk, status=400, comment_error=str(exc), comment_typed=body
        )
    return RedirectResponse(f"/review/items/{item_id}#discussion", status_code=303)


@router.post("/review/items/{item_id}/send-back", response_class=HTMLResponse)
def send_back(
    request: Request, item_id: RowId, session: SessionDep, page: FormPage, fields: FormFields
) -> Any:
    """Send the item back to its annotators with a note; an empty or overlong note shows the
    desk again (400), and the item goes nowhere."""
    _reviewer(page)
    note = (fields.get("note") or [""])[0].replace("\r\n", "\n")
    try:
        with session.begin_nested():
            asked = review.send_back(session, item_id=item_id, note=note, by=page.actor)
    except (InvalidInput, Conflict) as exc:
        desk = review.review_desk(session, item_id=item_id, by=page.actor)
        code = 400 if isinstance(exc, InvalidInput) else 409
        return _desk_page(
            request, page, desk, status=code, send_back_error=str(exc), note_typed=note
        )
    return RedirectResponse(f"/items/{item_id}/history?sent_back={len(asked)}", status_code=303)
