"""Schema-level statistics from proposals: alpha per field, pairwise kappa between annotators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from workflow.consensus.decision import ProposalInput
from workflow.consensus.infer import infer_spec
from workflow.consensus.schema import LabelSchemaSpec, ListMode, ValueType
from workflow.consensus.stats.alpha import AlphaResult, alpha, alpha_of_pairs
from workflow.consensus.stats.kappa import KappaMatrix, kappa_matrix
from workflow.consensus.stats.ratings import Ratings, ratings
from workflow.consensus.structured import flatten, path_text
from workflow.consensus.values import canonical_values


def level_for(spec: LabelSchemaSpec) -> str:
    """The alpha level that fits a value type: the same distance the item rules use."""
    if spec.value_type is ValueType.NUMERIC:
        return "interval"
    if spec.value_type is ValueType.TEXT:
        return "text"
    if spec.is_list:
        return "ranked" if spec.list_mode is ListMode.ORDERED else "jaccard"
    if spec.value_type is ValueType.CATEGORICAL and spec.ordered:
        return "ordinal"
    return "nominal"


def raters_by_units(
    items: Mapping[str, Sequence[ProposalInput]],
) -> tuple[list[str], list[str], list[list[Any]]]:
    """Annotators, item ids and the raters x units table of values (None where not proposed)."""
    item_ids = sorted(items)
    annotators = sorted({p.annotator_id for props in items.values() for p in props})
    row = {a: r for r, a in enumerate(annotators)}
    table: list[list[Any]] = [[None] * len(item_ids) for _ in annotators]
    for u, item in enumerate(item_ids):
        for p in items[item]:
            table[row[p.annotator_id]][u] = p.value
    return annotators, item_ids, table


def schema_alpha(
    spec: LabelSchemaSpec,
    items: Mapping[str, Sequence[ProposalInput]],
    *,
    bootstrap: int = 0,
    seed: int = 0,
) -> dict[str, AlphaResult]:
    """Alpha for the schema (key "") or, for structured schemas, for every field path."""
    if spec.value_type is not ValueType.STRUCTURED:
        return {"": _alpha_of(spec, items, bootstrap=bootstrap, seed=seed)}
    fields: dict[str, dict[str, list[ProposalInput]]] = {}
    declared: dict[str, LabelSchemaSpec | None] = {}
    for item, props in items.items():
        for p, value in zip(props, canonical_values(spec, (p.value for p in props)), strict=True):
            for path, (leaf, part) in flatten(spec, value).items():
                # Keyed list elements are separate paths per key, so pool them as one field.
                name = path_text(tuple(s if s[0] == "field" else ("item", s[1], "*") for s in path))
                fields.setdefault(name, {}).setdefault(f"{item}/{path_text(path)}", []).append(
                    ProposalInput(p.annotator_id, part)
                )
                declared.setdefault(name, leaf)
    out = {}
    for name in sorted(fields):
        values = [p.value for props in fields[name].values() for p in props]
        leaf = declared[name] or infer_spec(name, values)
        out[name] = _alpha_of(leaf, fields[name], bootstrap=bootstrap, seed=seed, validated=True)
    return out


def _alpha_of(
    spec: LabelSchemaSpec,
    items: Mapping[str, Sequence[ProposalInput]],
    *,
    bootstrap: int,
    seed: int,
    validated: bool = False,
) -> AlphaResult:
    rated = ratings(spec, items, validated=validated)
    return ratings_alpha(spec, rated, bootstrap=bootstrap, seed=seed)


def ratings_alpha(
    spec: LabelSchemaSpec, rated: Ratings, *, bootstrap: int = 0, seed: int = 0
) -> AlphaResult:
    """Alpha of a schema that is not structured, from its ratings."""
    level = level_for(spec)
    # Identities, ranks and numbers go to alpha as cells, which it encodes in numpy; the
    # distances of texts and lists need the values themselves, in a table.
    if level in ("nominal", "ordinal", "interval"):
        if level == "nominal":
            numbers = rated.identity_codes()
        elif level == "ordinal":
            numbers = rated.ranks(spec.options or ())
        else:
            numbers = np.array(rated.distinct, dtype=np.float64)[rated.code]
        return alpha_of_pairs(
            rated.rater,
            rated.unit,
            numbers,
            len(rated.units),
            level,
            bootstrap=bootstrap,
            seed=seed,
        )
    _, _, table = raters_by_units(rated.by_unit())
    return alpha(table, level, bootstrap=bootstrap, seed=seed)


def annotator_kappa(
    spec: LabelSchemaSpec, items: Mapping[str, Sequence[ProposalInput]]
) -> KappaMatrix:
    """Cohen's kappa between every pair of annotators on the items both labelled."""
    rated = ratings(spec, items)
    return kappa_matrix(rated.table(rated.identity_codes()), raters=rated.annotators)
