"""What a lead sets on a campaign, checked before anything is stored."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from workflow.kernel.errors import InvalidInput

# Distinct annotators per item when a campaign does not say.
DEFAULT_OVERLAP = 3
# Adaptive overlap starts with two annotators and stops drawing more at this many, unless the
# campaign says otherwise.
ADAPTIVE_START = 2
ADAPTIVE_MAX = 5
MAX_INSTRUCTIONS = 20_000


class Ordering(StrEnum):
    """Which of a campaign's items a claim takes first."""

    # Items closest to their quota: finish before starting new ones (the newest among equals).
    FINISH_FIRST = "finish_first"
    # Items with the fewest annotators, so that everything gets one (the oldest among equals).
    BREADTH_FIRST = "breadth_first"
    IN_ORDER = "in_order"  # items in the order they were added


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    """A campaign's policy: overlap, order of work, leases, what annotators see."""

    name: str
    # None: DEFAULT_OVERLAP, or ADAPTIVE_START for adaptive overlap.
    overlap: int | None = None
    adaptive: bool = False
    max_overlap: int | None = None
    priority: int = 0
    due: datetime | None = None
    instructions: str = ""
    blind: bool = True
    show_suggestions: bool = False
    ordering: Ordering = Ordering.FINISH_FIRST
    lease_seconds: int = 600

    def checked(self) -> "CampaignSettings":
        """These settings with defaults filled in, or InvalidInput naming the first fault."""
        name = self.name.strip()
        if not 1 <= len(name) <= 256:
            raise InvalidInput("a campaign's name has 1 to 256 characters")
        overlap = self.overlap
        if overlap is None:
            overlap = ADAPTIVE_START if self.adaptive else DEFAULT_OVERLAP
        if not 1 <= overlap <= 100:
            raise InvalidInput("overlap is between 1 and 100 annotators")
        max_overlap = self.max_overlap
        if self.adaptive:
            max_overlap = max(ADAPTIVE_MAX, overlap) if max_overlap is None else max_overlap
            if not overlap <= max_overlap <= 100:
                raise InvalidInput("max_overlap is between overlap and 100")
        elif max_overlap is not None:
            raise InvalidInput("max_overlap applies to adaptive overlap only")
        if len(self.instructions) > MAX_INSTRUCTIONS:
            raise InvalidInput(f"instructions have at most {MAX_INSTRUCTIONS} characters")
        if not 30 <= self.lease_seconds <= 86_400:
            raise InvalidInput("a lease lasts 30 seconds to a day")
        if not -1000 <= self.priority <= 1000:
            raise InvalidInput("priority is between -1000 and 1000")
        try:
            ordering = Ordering(self.ordering)
        except ValueError:
            raise InvalidInput(f"ordering is one of {', '.join(Ordering)}") from None
        checked = {"name": name, "overlap": overlap, "max_overlap": max_overlap}
        return CampaignSettings(**{**self.fields(), **checked, "ordering": ordering})

    def fields(self) -> dict[str, Any]:
        """The settings by name."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class SchemaTarget:
    """A label schema a campaign annotates; with a span name or type, once per matching span."""

    schema: str
    span_name: str | None = None
    span_type: str | None = None

    @property
    def span_level(self) -> bool:
        """Whether the schema labels spans rather than whole traces."""
        return bool(self.span_name or self.span_type)


@dataclass(frozen=True, slots=True)
class TraceSelection:
    """Which traces a campaign takes: ids, a filter over registered traces, or an import."""

    trace_ids: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    sample: int | None = None
    seed: int = 0
    payloads: tuple[Any, ...] = ()

    @property
    def filters(self) -> bool:
        """Whether a filter over registered traces is part of the selection (a sample alone
        is a sample of every registered trace)."""
        bounds = (self.since, self.until, self.sample)
        return bool(self.tags) or any(bound is not None for bound in bounds)
