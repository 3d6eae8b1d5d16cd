"""Text comparison: normalised match, then character similarity guarded by numbers, negations."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

# A decimal point or thousands separator between digits is part of a number, not punctuation.
_NUMBER_SEP = re.compile(r"(?<=\d)[.,](?=\d)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SPACES = re.compile(r"\s+")
_NUMBER_WORDS = frozenset(
    re.findall(
        r"\w+",
        """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
        fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
        ninety hundred thousand million billion trillion half third quarter dozen""",
    )
)
# Contractions lose their apostrophe in normalisation, so "doesn't" is listed as "doesnt".
_NEGATIONS = frozenset(
    re.findall(
        r"\w+",
        """no not never none nobody nothing neither nor nowhere cannot without noone
        aint arent cant couldnt didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt
        neednt shant shouldnt wasnt werent wont wouldnt""",
    )
)


@dataclass(frozen=True)
class TextFeatures:
    """What a text comparison needs from one text, computed once per distinct text."""

    normalised: str
    numbers: tuple[str, ...]
    negations: int


def normalise_text(text: str) -> str:
    """NFKC, case-folded, punctuation removed (except inside numbers), whitespace collapsed."""
    return features(text).normalised


@lru_cache(maxsize=65536)
def features(text: str) -> TextFeatures:
    """Normalised form, the numbers mentioned (digits or words) and the count of negation words."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    # Apostrophes join words ("doesn't" -> "doesnt") instead of splitting them.
    protected = _NUMBER_SEP.sub(lambda m: "\0" if m.group() == "." else "\1", folded)
    protected = protected.replace("'", "")
    stripped = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in protected)
    normalised = _SPACES.sub(" ", stripped.replace("\0", ".").replace("\1", ",")).strip()
    words = [w.replace("'", "") for w in _WORD.findall(folded)]
    numbers = [_canonical_number(n) for n in _NUMBER.findall(folded)]
    numbers += [w for w in words if w in _NUMBER_WORDS]
    negations = sum(1 for w in words if w in _NEGATIONS)
    return TextFeatures(normalised, tuple(sorted(Counter(numbers).elements())), negations)


def _canonical_number(raw: str) -> str:
    # "5,000" and "5000" are the same amount; "3.50" and "3.5" too.
    if "," in raw and "." not in raw and all(len(g) == 3 for g in raw.split(",")[1:]):
        raw = raw.replace(",", "")
    raw = raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw.replace(",", "")
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".")
    return raw.lstrip("0") or "0"


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence, bit-parallel (Hyyrö 2004): O(len(b)) int ops."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def char_ratio(a: str, b: str) -> float:
    """Indel similarity 2·LCS / (|a| + |b|), the plain "Levenshtein ratio" of fuzzy matchers."""
    total = len(a) + len(b)
    return 1.0 if total == 0 else 2 * lcs_length(a, b) / total


@lru_cache(maxsize=65536)
def text_similarity(a: str, b: str) -> float:
    """1 for the same normalised text, 0 when numbers or negations differ, else the char ratio."""
    fa, fb = features(a), features(b)
    if fa.normalised == fb.normalised:
        return 1.0
    if fa.numbers != fb.numbers or fa.negations != fb.negations:
        return 0.0
    return char_ratio(fa.normalised, fb.normalised)


def mismatch_reason(a: str, b: str) -> str | None:
    """Why two texts that look alike cannot be the same answer: numbers or negation differ."""
    fa, fb = features(a), features(b)
    if fa.numbers != fb.numbers:
        return "numbers_differ"
    if fa.negations != fb.negations:
        return "negation_differs"
    return None


def texts_match(a: str, b: str, threshold: float | None) -> bool:
    """Whether two texts count as the same answer at a similarity threshold (None: exact only)."""
    if threshold is None:
        return features(a).normalised == features(b).normalised
    return text_similarity(a, b) >= threshold
