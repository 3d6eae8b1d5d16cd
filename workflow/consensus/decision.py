"""Plain-data records of an evaluation: proposals in, the explainable item decision out."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ALGORITHM_VERSION = "1.0"


class Outcome(StrEnum):
    """What an evaluation concluded about an item or one of its fields."""

    AGREED = "agreed"
    DISPUTED = "disputed"
    INSUFFICIENT = "insufficient"


class Reason(StrEnum):
    """Machine-readable reason codes attached to decisions."""

    UNANIMOUS = "unanimous"
    THRESHOLD_MET = "threshold_met"
    BELOW_THRESHOLD = "below_threshold"
    TIE = "tie"
    TOO_FEW_PROPOSALS = "too_few_proposals"
    OUTSIDE_TOLERANCE = "outside_tolerance"
    NUMBERS_DIFFER = "numbers_differ"
    NEGATION_DIFFERS = "negation_differs"
    CONTESTED_ELEMENTS = "contested_elements"
    DISPUTED_FIELDS = "disputed_fields"
    OPTIONAL_FIELDS_DROPPED = "optional_fields_dropped"
    RELIABILITY_WEIGHTED = "reliability_weighted"
    HISTORY_TOO_SHORT = "reliability_history_too_short"


@dataclass(frozen=True)
class ProposalInput:
    """One annotator's proposed value for an item (JSON-shaped)."""

    annotator_id: str
    value: Any

    def __post_init__(self) -> None:
        if not isinstance(self.annotator_id, str) or not self.annotator_id:
            raise ValueError("annotator_id must be a non-empty string")


@dataclass(frozen=True)
class AnnotatorReliability:
    """An annotator's reliability in [0, 1] and how many decided items it rests on."""

    annotator_id: str
    score: float
    n_items: int
    raw_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "annotator_id": self.annotator_id,
            "score": self.score,
            "n_items": self.n_items,
            "raw_score": self.raw_score,
        }


@dataclass(frozen=True)
class FieldDecision:
    """The verdict on one field path (structured) or one list element/position."""

    path: str
    outcome: Outcome
    consensus: Any
    present: bool
    support: int
    n_proposals: int
    score: float
    required: bool = True
    reason_codes: tuple[str, ...] = ()

    @property
    def disputed(self) -> bool:
        """True when this field needs review."""
        return self.outcome is Outcome.DISPUTED

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "path": self.path,
            "outcome": self.outcome.value,
            "disputed": self.disputed,
            "consensus": self.consensus,
            "present": self.present,
            "support": self.support,
            "n_proposals": self.n_proposals,
            "score": self.score,
            "required": self.required,
            "reason_codes": list(self.reason_codes),
        }


@dataclass(frozen=True)
class ItemDecision:
    """The explainable, reproducible verdict on one item's proposals."""

    schema: str
    value_type: str
    outcome: Outcome
    reason_codes: tuple[str, ...]
    score: float
    distance: str
    consensus: Any
    support: int
    n_proposals: int
    outliers: tuple[str, ...]
    fields: tuple[FieldDecision, ...]
    disputed_fields: tuple[str, ...]
    algorithm: str
    parameters: dict[str, Any] = field(default_factory=dict)
    version: str = ALGORITHM_VERSION
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def agreed(self) -> bool:
        """True when the consensus can be promoted without review."""
        return self.outcome is Outcome.AGREED

    @property
    def support_text(self) -> str:
        """Support as people say it: "2 of 3"."""
        return f"{self.support} of {self.n_proposals}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, suitable for a decision record's metadata."""
        return {
            "schema": self.schema,
            "value_type": self.value_type,
            "outcome": self.outcome.value,
            "reason_codes": list(self.reason_codes),
            "score": self.score,
            "distance": self.distance,
            "consensus": self.consensus,
            "support": {"count": self.support, "of": self.n_proposals, "text": self.support_text},
            "outliers": list(self.outliers),
            "fields": [f.to_dict() for f in self.fields],
            "disputed_fields": list(self.disputed_fields),
            "algorithm": {
                "name": self.algorithm,
                "version": self.version,
                "parameters": dict(self.parameters),
            },
            "details": dict(self.details),
        }
