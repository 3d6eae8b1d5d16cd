"""What the committee's review routes take and answer: an item under review with what is put
to the vote unit by unit, and a vote on the whole value, one field or one list element."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, JsonValue

from api.v1.schemas import ItemPublic, Moment, Public
from workflow.review import UnitKind
from workflow.review.quorum_rule import Choice


class ProposalPublic(Public):
    """One annotator's live proposal."""

    assessment_id: str
    annotator: str
    value: JsonValue
    rationale: str | None
    revision: int


class MyVotePublic(Public):
    """The reviewer's own vote on the whole value in this round."""

    choice: Choice
    value: JsonValue
    assessment_id: str | None


class VotePublic(Public):
    """A vote as recorded: `field` is the disputed field or element it is on ("" for the
    whole value)."""

    item_id: int
    round: int
    reviewer_id: str
    field: str
    choice: Choice
    value: JsonValue


class ProposedPublic(Public):
    """What one proposal says on a disputed unit: whether it has the field (its value there)
    or holds the element."""

    assessment_id: str
    annotator: str
    present: bool
    value: JsonValue


class ContestedPublic(Public):
    """A disputed field (voted: a proposal's value for it, a written value that fits `spec`,
    or abstain) or a contested list element (keep, drop, or abstain), named by `path`."""

    path: str
    kind: UnitKind
    spec: dict[str, Any]
    element: JsonValue
    proposed: list[ProposedPublic]


class ReviewPublic(Public):
    """An item under review: every proposal, the engine's breakdown, the committee, my vote
    on the whole value and my votes field by field, what is put to the vote unit by unit
    (empty when the whole value is voted), and why the decided votes make no value the schema
    accepts (`problem`), if they do not."""

    item: ItemPublic
    proposals: list[ProposalPublic]
    evaluation: dict[str, Any] | None
    committee: list[str]
    my_vote: MyVotePublic | None
    contested: list[ContestedPublic]
    my_field_votes: list[VotePublic]
    problem: str | None


class VoteCreate(BaseModel):
    """A vote on the whole value (no `field`): pick a proposal, write a corrected value, or
    abstain; on one disputed field (`field`: its path as `contested` names it): a proposal's
    value for it, a written value, or abstain; on a contested element: keep, drop, abstain."""

    choice: Literal["proposal", "value", "keep", "drop", "abstain"]
    field: Annotated[str, Field(max_length=1024)] = ""
    assessment_id: str | None = None
    value: JsonValue = None
    comment: Annotated[str | None, Field(max_length=4000)] = None


class CommentCreate(BaseModel):
    """A note for an item's review discussion."""

    body: Annotated[str, Field(min_length=1, max_length=4000)]


class SendBack(BaseModel):
    """What the committee asks the annotators to look at again."""

    note: Annotated[str, Field(min_length=1, max_length=4000)]


class SentBack(BaseModel):
    """An item sent back: its state now, and how many annotators were asked for a second
    look (not who: a committee may see annotators under pseudonyms only)."""

    item_id: int
    state: str
    annotators: int


class CommentPublic(Public):
    """A note of an item's review discussion."""

    id: int
    item_id: int
    round: int
    author: str
    body: str
    at: Moment


class CommentList(Public):
    """An item's review discussion, oldest first."""

    comments: list[CommentPublic]
