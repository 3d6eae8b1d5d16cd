"""The quorum rule on each unit of a dispute, pure: a reviewer's ballot on the whole value
counts on every unit, their ballot on one unit replaces it there; the item is decided once
every unit is and the value the settled parts and the decided units make fits the schema."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflow.consensus import ConsensusError
from workflow.review.contested import Dispute, Unit, UnitKind
from workflow.review.quorum_rule import Ballot, Choice, QuorumRule, Standing, Tally


@dataclass(frozen=True)
class Resolution:
    """Where a dispute stands: each unit's tally, and the item's value once every unit is
    decided; `problem` says why decided units make no value the schema accepts."""

    standing: Standing
    value: Any
    tallies: tuple[tuple[Unit, Tally], ...]
    algorithm: str
    problem: str | None = None

    @property
    def voters(self) -> tuple[str, ...]:
        """Everyone who voted on any unit (abstaining included)."""
        return tuple(sorted({voter for _, tally in self.tallies for voter in tally.voters}))

    @property
    def chair_decided(self) -> bool:
        """Whether the chair's vote decided any unit."""
        return any(tally.chair_decided for _, tally in self.tallies)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for the decision record: the item's standing and, unit by unit,
        the tally that decided it (a whole-value vote keeps its tally's keys at the top)."""
        first, tally = self.tallies[0]
        return {
            **(tally.to_dict() if first.kind is UnitKind.WHOLE else {}),
            "standing": self.standing.value,
            "value": self.value,
            "voters": list(self.voters),
            "rule": self.algorithm,
            "chair_decided": self.chair_decided,
            "fields": [_unit_record(unit, tally) for unit, tally in self.tallies],
            **({"problem": self.problem} if self.problem else {}),
        }


def _unit_record(unit: Unit, tally: Tally) -> dict[str, Any]:
    out = {"path": unit.path, "kind": unit.kind.value, **tally.to_dict()}
    del out["rule"]  # the item's, said once
    decided = tally.standing is Standing.RESOLVED
    if unit.kind is UnitKind.FIELD:
        # A field's cell is [value], or [] for a field decided absent.
        out.update(value=tally.value[0] if tally.value else None, present=bool(tally.value))
        if not decided:
            out["present"] = None
    elif unit.kind is UnitKind.ELEMENT:
        out.update(value=unit.element, kept=tally.value if decided else None)
    return out


def unit_ballots(
    dispute: Dispute, whole: Sequence[Ballot], own: Mapping[str, Sequence[Ballot]]
) -> dict[str, list[Ballot]]:
    """Each unit's ballots: `whole`, ballots on the whole value (their value the voted one),
    said on each unit; `own`, ballots cast on one unit (their value its cell), which replace
    the reviewer's whole-value ballot there."""
    said = {
        b.reviewer_id: (b.choice, None if b.choice is Choice.ABSTAIN else dispute.cells(b.value))
        for b in whole
    }
    out = {}
    for unit in dispute.units:
        mine = {b.reviewer_id: b for b in own.get(unit.path, ())}
        out[unit.path] = [
            mine.get(reviewer)
            or Ballot(reviewer, choice, None if cells is None else cells[unit.path])
            for reviewer, (choice, cells) in said.items()
        ] + [b for reviewer, b in mine.items() if reviewer not in said]
    return out


def resolve_units(
    rule: QuorumRule,
    dispute: Dispute,
    members: int,
    ballots: Mapping[str, Sequence[Ballot]],
    *,
    overdue: bool = False,
) -> Resolution:
    """The rule applied to each unit's ballots: resolved when every unit is and their value
    fits; deadlocked when any unit is; pending otherwise (a misfit included, with the reason)."""
    tallies = tuple(
        (unit, rule.tally(members, list(ballots.get(unit.path, ())), overdue=overdue))
        for unit in dispute.units
    )
    standings = {tally.standing for _, tally in tallies}
    if Standing.DEADLOCKED in standings:
        return Resolution(Standing.DEADLOCKED, None, tallies, rule.algorithm)
    if standings != {Standing.RESOLVED}:
        return Resolution(Standing.PENDING, None, tallies, rule.algorithm)
    try:
        value = dispute.assemble({unit.path: tally.value for unit, tally in tallies})
    except ConsensusError as exc:
        return Resolution(Standing.PENDING, None, tallies, rule.algorithm, problem=str(exc))
    return Resolution(Standing.RESOLVED, value, tallies, rule.algorithm)
