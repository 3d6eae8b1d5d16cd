"""Finding items: the /api/v1 list of items, filtered, a page at a time."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Reader
from api.deps import SessionDep, SettingsDep
from api.v1.schemas import ItemSummaryPage
from workflow.items import listing
from workflow.kernel.errors import InvalidInput
from workflow.kernel.states import ItemState

router = APIRouter(prefix="/api/v1/items", tags=["items"])


@router.get("")
def list_items(
    session: SessionDep,
    settings: SettingsDep,
    by: Reader,
    state: ItemState | None = None,
    name: Annotated[str | None, Query(max_length=256)] = None,
    campaign_id: Annotated[int | None, Query(ge=1)] = None,
    trace_id: Annotated[str | None, Query(max_length=128)] = None,
    after: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> ItemSummaryPage:
    """Items newest first, by state, name (label schema), campaign or trace; proposal counts
    for reviewers, leads and admins only."""
    if limit > settings.max_page_size:
        raise InvalidInput(f"limit must be at most {settings.max_page_size}")
    page = listing.list_items(
        session,
        by=by,
        limit=limit,
        state=state,
        name=name,
        campaign_id=campaign_id,
        trace_id=trace_id,
        after=after,
    )
    return ItemSummaryPage(items=list(page.items), next=page.next_page_token)
