"""Where proposals differ, as a reviewer reads it: texts word by word against one of them,
numbers as their spread. Pure: the standard library only."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from statistics import median
from typing import Any

# Words and the spaces between them, so the pieces join back into the text exactly.
_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text: "same" as the base, "added" by this proposal, or "removed" from the base."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class TextDiff:
    """One proposal's text against the base proposal's, word by word."""

    annotator: str
    pieces: tuple[Piece, ...]
    same_share: float  # of the words, the base's and this one's together


def word_diffs(base: tuple[str, str], others: Sequence[tuple[str, str]]) -> tuple[TextDiff, ...]:
    """Each (annotator, text) of `others` against the (annotator, text) `base`."""
    base_tokens = _TOKENS.findall(base[1])
    return tuple(_diff(annotator, base_tokens, text) for annotator, text in others)


def _diff(annotator: str, base: list[str], text: str) -> TextDiff:
    tokens = _TOKENS.findall(text)
    matcher = SequenceMatcher(a=base, b=tokens, autojunk=False)
    pieces: list[Piece] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(base[a0:a1])))
            continue
        if a1 > a0:
            pieces.append(Piece("removed", "".join(base[a0:a1])))
        if b1 > b0:
            pieces.append(Piece("added", "".join(tokens[b0:b1])))
    words = [t for t in base + tokens if not t.isspace()]
    same = sum(len(p.text.split()) for p in pieces if p.kind == "same")
    return TextDiff(annotator, tuple(pieces), 2 * same / len(words) if words else 1.0)


@dataclass(frozen=True, slots=True)
class Spread:
    """Numbers proposed for one item: their range and middle, and each at its place in it."""

    low: float
    high: float
    middle: float
    places: tuple[tuple[str, float, float], ...]  # (annotator, value, place in [0, 1])

    @property
    def width(self) -> float:
        """How far apart the extremes are."""
        return self.high - self.low


def spread(values: Sequence[tuple[str, Any]]) -> Spread | None:
    """The spread of the numeric (annotator, value) pairs; None without two numbers."""
    numbers = [
        (a, float(v)) for a, v in values if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    if len(numbers) < 2:
        return None
    low, high = min(v for _, v in numbers), max(v for _, v in numbers)
    span = (high - low) or 1.0
    return Spread(
        low,
        high,
        median(v for _, v in numbers),
        tuple((a, v, (v - low) / span) for a, v in sorted(numbers, key=lambda p: p[1])),
    )
