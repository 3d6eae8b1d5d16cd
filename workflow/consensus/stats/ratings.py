"""A schema's proposals as numbers, built once: canonical values, and raters x units tables
filled from (rater, unit) pairs, so a million proposals never walk a dense table in Python."""

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
    """Who gave which canonical value to which unit, as parallel arrays."""

    spec: LabelSchemaSpec
    annotators: tuple[str, ...]
    units: tuple[str, ...]
    rater: np.ndarray
    unit: np.ndarray
    values: list[Any]

    def table(self, numbers: Sequence[float] | np.ndarray) -> np.ndarray:
        """The raters x units table of `numbers` (one per value), NaN where none was given."""
        out = np.full((len(self.annotators), len(self.units)), np.nan)
        out[self.rater, self.unit] = numbers
        return out

    def identity_codes(self) -> np.ndarray:
        """One number per value, equal exactly for equal values (by their canonical key)."""
        tags, key_of = value_tags(self.values)
        code: dict[str, int] = {}
        of_tag = {tag: code.setdefault(key, len(code)) for tag, key in key_of.items()}
        return np.array([of_tag[t] for t in tags], dtype=np.float64)

    def by_unit(self) -> dict[str, list[ProposalInput]]:
        """Unit id -> its proposals: the shape the item-by-item statistics take."""
        out: dict[str, list[ProposalInput]] = {unit: [] for unit in self.units}
        for rater, unit, value in zip(self.rater, self.unit, self.values, strict=True):
            out[self.units[unit]].append(ProposalInput(self.annotators[rater], value))
        return out

    @cached_property
    def votes(self) -> tuple[np.ndarray, list[Any]]:
        """Each value's code in the engine's tie-break order (declared options first) and the
        value of each code: for categorical and pass/fail schemas."""
        column = np.empty((len(self.values), 1), dtype=object)
        column[:, 0] = self.values
        codes, labels = encode_votes(self.spec, column, validated=True)
        return codes[:, 0], labels

    def ranks(self, options: Sequence[Any]) -> np.ndarray:
        """Each value's place among `options` (the declared order of an ordered scale)."""
        tags, key_of = value_tags(self.values)
        rank = {value_key(o): i for i, o in enumerate(options)}
        of_tag = {tag: rank[key] for tag, key in key_of.items()}
        return np.array([of_tag[t] for t in tags], dtype=np.float64)


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
    spec: LabelSchemaSpec, rows: Iterable[tuple[str, str, Any]], *, validated: bool = False
) -> Ratings:
    """Ratings from (unit id, annotator, value) rows, validated by `spec` unless they are."""
    unit_ids, who, values = [], [], []
    for unit, annotator, value in rows:
        unit_ids.append(unit)
        who.append(annotator)
        values.append(value)
    units = tuple(sorted(set(unit_ids)))
    annotators = tuple(sorted(set(who)))
    unit_index = {u: i for i, u in enumerate(units)}
    rater_index = {a: i for i, a in enumerate(annotators)}
    return Ratings(
        spec,
        annotators,
        units,
        np.array([rater_index[a] for a in who], dtype=np.int64),
        np.array([unit_index[u] for u in unit_ids], dtype=np.int64),
        values if validated else canonical_values(spec, values),
    )
