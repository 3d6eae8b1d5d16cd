"""The committee's quorum rule, pure: a value wins with votes from a strict majority of members."""

import json
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

ALGORITHM = "quorum.committee.strict_majority"


class Choice(StrEnum):
    """What a reviewer can vote for."""

    PROPOSAL = "proposal"  # one of the proposals, as it stands
    VALUE = "value"  # a corrected value written by the reviewer
    ABSTAIN = "abstain"


class Standing(StrEnum):
    """Where a review stands after the votes so far."""

    RESOLVED = "resolved"
    PENDING = "pending"  # members still to vote could decide it
    DEADLOCKED = "deadlocked"  # everyone voted and no value has a majority: escalate


@dataclass(frozen=True)
class Ballot:
    """One reviewer's vote; `value` is the picked proposal's value or the corrected one."""

    reviewer_id: str
    choice: Choice
    value: Any = None


@dataclass(frozen=True)
class Tally:
    """The count behind a standing; `value` is the winner when resolved."""

    standing: Standing
    value: Any
    support: int
    members: int
    voters: tuple[str, ...]
    abstentions: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for the decision record."""
        return {
            "standing": self.standing.value,
            "value": self.value,
            "support": {"count": self.support, "of": self.members},
            "voters": list(self.voters),
            "abstentions": self.abstentions,
            "rule": ALGORITHM,
        }


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def strict_majority(members: int, ballots: list[Ballot]) -> Tally:
    """Resolve when one value has more than half the members' votes; abstaining is no vote."""
    cast = [b for b in ballots if b.choice is not Choice.ABSTAIN]
    counts = Counter(_key(b.value) for b in cast)
    voters = tuple(sorted(b.reviewer_id for b in ballots))
    abstentions = len(ballots) - len(cast)
    if counts:
        # Ties between equal counts break on the value's text, so the tally never depends on order.
        winner, support = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    else:
        winner, support = None, 0
    if support * 2 > members:
        value = next(b.value for b in cast if _key(b.value) == winner)
        return Tally(Standing.RESOLVED, value, support, members, voters, abstentions)
    standing = Standing.DEADLOCKED if len(ballots) >= members else Standing.PENDING
    return Tally(standing, None, support, members, voters, abstentions)
