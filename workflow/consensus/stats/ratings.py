"""A schema's proposals as numbers, built once: canonical values held once each and coded per
proposal, and raters x units tables filled from (rater, unit) pairs, so a million proposals
never walk a dense table in Python."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from workflow.consensus.batch import encode_votes
from workflow.consensus.decision import ProposalInput
from workflow.consensus.schema import LabelSchemaSpec
from workflow.consensus.values import canonical_values, value_key, value_tags


@dataclass(frozen=True)
class Ratings:
    """Who gave which canonical value to which unit, as parallel arrays of codes."""

    spec: LabelSchemaSpec
    annotators: tuple[str, ...]
    units: tuple[Any, ...]
    rater: np.ndarray
    unit: np.ndarray
    # Each distinct canonical value, in the order proposals first use them, and each proposal's
    # index into it: codes and ranks are worked out once per value, not once per proposal.
    distinct: list[Any]
    code: np.ndarray

    @cached_property
    def values(self) -> list[Any]:
        """Each proposal's canonical value."""
        return [self.distinct[c] for c in self.code.tolist()]

    def table(self, numbers: Sequence[float] | np.ndarray) -> np.ndarray:
        """The raters x units table of `numbers` (one per value), NaN where none was given."""
        out = np.full((len(self.annotators), len(self.units)), np.nan)
        out[self.rater, self.unit] = numbers
        return out

    def identity_codes(self) -> np.ndarray:
        """One number per value, equal exactly for equal values (by their canonical key)."""
        tags, key_of = value_tags(self.distinct)
        code: dict[str, int] = {}
        of_tag = {tag: code.setdefault(key, len(code)) for tag, key in key_of.items()}
        return np.array([of_tag[t] for t in tags], dtype=np.float64)[self.code]

    def by_unit(self) -> dict[Any, list[ProposalInput]]:
        """Unit id -> its proposals: the shape the item-by-item statistics take."""
        out: dict[Any, list[ProposalInput]] = {unit: [] for unit in self.units}
        for rater, unit, value in zip(self.rater, self.unit, self.values, strict=True):
            out[self.units[unit]].append(ProposalInput(self.annotators[rater], value))
        return out

    @cached_property
    def votes(self) -> tuple[np.ndarray, list[Any]]:
        """Each value's code in the engine's tie-break order (declared options first) and the
        value of each code: for categorical and pass/fail schemas."""
        column = np.empty((len(self.distinct), 1), dtype=object)
        column[:, 0] = self.distinct
        codes, labels = encode_votes(self.spec, column, validated=True)
        return codes[:, 0][self.code], labels

    def ranks(self, options: Sequence[Any]) -> np.ndarray:
        """Each value's place among `options` (the declared order of an ordered scale)."""
        tags, key_of = value_tags(self.distinct)
        rank = {value_key(o): i for i, o in enumerate(options)}
        of_tag = {tag: rank[key] for tag, key in key_of.items()}
        return np.array([of_tag[t] for t in tags], dtype=np.float64)[self.code]


def ratings(
    spec: LabelSchemaSpec,
    items: Mapping[str, Sequence[ProposalInput]],
    *,
    validated: bool = False,
) -> Ratings:
    """The proposals of `items` (unit id -> proposals), validated by `spec` unless they are."""
    rows = ((unit, p.annotator_id, p.value) for unit in sorted(items) for p in items[unit])
    return ratings_of(spec, rows, validated=validated)


def ratings_of(
    spec: LabelSchemaSpec, rows: Iterable[tuple[Any, str, Any]], *, validated: bool = False
) -> Ratings:
    """Ratings from (unit id, annotator, value) rows, validated by `spec` unless they are."""
    unit_ids, who, values = [], [], []
    for unit, annotator, value in rows:
        unit_ids.append(unit)
        who.append(annotator)
        values.append(value)
    units: dict[Any, int] = {}
    raters: dict[str, int] = {}
    unit = np.array([units.setdefault(u, len(units)) for u in unit_ids], dtype=np.int64)
    rater = np.array([raters.setdefault(a, len(raters)) for a in who], dtype=np.int64)
    tags = value_tags(values)[0]
    # Equal tags are equal values, so the last of each stands for all (keys keep first use).
    found = dict(zip(tags, values, strict=True))
    index = {tag: i for i, tag in enumerate(found)}
    return coded_ratings(
        spec,
        units=list(units),
        annotators=list(raters),
        unit=unit,
        rater=rater,
        values=list(found.values()),
        code=np.array([index[t] for t in tags], dtype=np.int64),
        validated=validated,
    )


def coded_ratings(
    spec: LabelSchemaSpec,
    *,
    units: Sequence[Any],
    annotators: Sequence[str],
    unit: np.ndarray,
    rater: np.ndarray,
    values: Sequence[Any],
    code: np.ndarray,
    validated: bool = False,
) -> Ratings:
    """Ratings from codes: proposal i gave `values[code[i]]` to `units[unit[i]]` as
    `annotators[rater[i]]`. Units and annotators come once each, in any order, and are all
    used; values may repeat or go unused, and only those used are validated."""
    unit_order = sorted(range(len(units)), key=units.__getitem__)
    rater_order = sorted(range(len(annotators)), key=annotators.__getitem__)
    used, first = np.unique(code, return_index=True)
    kept = used[np.argsort(first, kind="stable")].tolist()
    raw = [values[k] for k in kept]
    return Ratings(
        spec,
        tuple(annotators[k] for k in rater_order),
        tuple(units[k] for k in unit_order),
        _renumbered(rater, rater_order, len(annotators)),
        _renumbered(unit, unit_order, len(units)),
        raw if validated else canonical_values(spec, raw),
        _renumbered(code, kept, len(values)),
    )


def _renumbered(codes: np.ndarray, order: Sequence[int], size: int) -> np.ndarray:
    """`codes` (below `size`) pointed at their place in `order`, a list of old codes."""
    place = np.full(size, -1, dtype=np.int64)
    place[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
    return place[np.asarray(codes, dtype=np.int64)]
