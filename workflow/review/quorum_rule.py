"""The committee's quorum rules, pure: when the votes cast so far decide a disputed item."""

import json
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Choice(StrEnum):
    """What a reviewer can vote for."""

    PROPOSAL = "proposal"  # one of the proposals, as it stands
    VALUE = "value"  # a corrected value written by the reviewer
    KEEP = "keep"  # a contested list element stays in the list
    DROP = "drop"  # a contested list element leaves it
    ABSTAIN = "abstain"


class Standing(StrEnum):
    """Where a review stands after the votes so far."""

    RESOLVED = "resolved"
    PENDING = "pending"  # members still to vote could decide it
    DEADLOCKED = "deadlocked"  # everyone voted and the rule is not met: escalate


class Rule(StrEnum):
    """How many votes, and whose, decide."""

    STRICT_MAJORITY = "strict_majority"  # one value, voted by more than half the members
    MAJORITY_OF_CAST = "majority_of_cast"  # more than half the votes cast, once m are cast
    UNANIMITY = "unanimity"  # every member votes, and all for one value
    CHAIR_BREAKS_TIES = "chair_breaks_ties"  # strict majority; a final tie goes the chair's way


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
    algorithm: str
    chair_decided: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for the decision record."""
        return {
            "standing": self.standing.value,
            "value": self.value,
            "support": {"count": self.support, "of": self.members},
            "voters": list(self.voters),
            "abstentions": self.abstentions,
            "rule": self.algorithm,
            "chair_decided": self.chair_decided,
        }


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class QuorumRule:
    """A committee's rule: `min_votes` is the m of MAJORITY_OF_CAST, `chair` the member whose
    vote settles a tie under CHAIR_BREAKS_TIES (and an overdue round, under any rule),
    `deadline_seconds` how long a round may stay undecided before it escalates, and
    `hide_annotators` whether its reviewers see annotators under pseudonyms."""

    rule: Rule = Rule.STRICT_MAJORITY
    min_votes: int = 1
    chair: str | None = None
    deadline_seconds: int | None = None
    hide_annotators: bool = False

    @property
    def algorithm(self) -> str:
        """The name a decision made by this rule records."""
        return f"quorum.committee.{self.rule.value}"

    def tally(self, members: int, ballots: list[Ballot], *, overdue: bool = False) -> Tally:
        """The standing of a round with `members` reviewers after `ballots`; abstaining is a
        vote for nothing. In a round that ran past its deadline to the chair (`overdue`), the
        chair's vote decides. The result never depends on the order of the ballots."""
        cast = [b for b in ballots if b.choice is not Choice.ABSTAIN]
        counts = Counter(_key(b.value) for b in cast)
        # Equal counts are ordered by the value's text, so the leader never depends on order.
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        leader, support = ranked[0] if ranked else (None, 0)
        everyone = len(ballots) >= members

        def outcome(standing: Standing, key: str | None = None, chair: bool = False) -> Tally:
            value = next((b.value for b in cast if _key(b.value) == key), None)
            return Tally(
                standing,
                value if standing is Standing.RESOLVED else None,
                counts.get(key, support) if key else support,
                members,
                tuple(sorted(b.reviewer_id for b in ballots)),
                len(ballots) - len(cast),
                self.algorithm,
                chair,
            )

        if self._met(members, len(ballots), len(cast), support, len(counts)):
            return outcome(Standing.RESOLVED, leader)
        chair = next((b for b in cast if b.reviewer_id == self.chair), None)
        if overdue and chair is not None:
            return outcome(Standing.RESOLVED, _key(chair.value), chair=True)
        if not everyone:
            return outcome(Standing.PENDING)
        if self.rule is Rule.CHAIR_BREAKS_TIES and len(ranked) > 1 and ranked[1][1] == support:
            tied = {key for key, count in ranked if count == support}
            if chair is not None and _key(chair.value) in tied:
                return outcome(Standing.RESOLVED, _key(chair.value), chair=True)
        return outcome(Standing.DEADLOCKED)

    def _met(self, members: int, voted: int, cast: int, support: int, values: int) -> bool:
        if self.rule is Rule.MAJORITY_OF_CAST:
            return cast >= self.min_votes and support * 2 > cast
        if self.rule is Rule.UNANIMITY:
            return voted >= members and cast == voted and values == 1
        return support * 2 > members


# The rule of a committee that was given none.
STRICT_MAJORITY = QuorumRule()
