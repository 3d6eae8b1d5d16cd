"""Schema-level statistics from proposals: alpha per field, pairwise kappa between annotators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workflow.consensus.decision import ProposalInput
from workflow.consensus.infer import infer_spec
from workflow.consensus.schema import LabelSchemaSpec, ListMode, ValueType
from workflow.consensus.stats.alpha import AlphaResult, alpha
from workflow.consensus.stats.kappa import KappaMatrix, kappa_matrix
from workflow.consensus.structured import flatten, path_text
from workflow.consensus.values import value_key


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
    canonical = {
        item: [ProposalInput(p.annotator_id, spec.validate(p.value)) for p in props]
        for item, props in items.items()
    }
    if spec.value_type is not ValueType.STRUCTURED:
        _, _, table = raters_by_units(canonical)
        return {"": alpha(_coded(spec, table), level_for(spec), bootstrap=bootstrap, seed=seed)}
    fields: dict[str, dict[str, list[ProposalInput]]] = {}
    declared: dict[str, LabelSchemaSpec | None] = {}
    for item, props in canonical.items():
        for p in props:
            for path, (leaf, value) in flatten(spec, p.value).items():
                # Keyed list elements are separate paths per key, so pool them as one field.
                name = path_text(tuple(s if s[0] == "field" else ("item", s[1], "*") for s in path))
                fields.setdefault(name, {}).setdefault(f"{item}/{path_text(path)}", []).append(
                    ProposalInput(p.annotator_id, value)
                )
                declared.setdefault(name, leaf)
    out = {}
    for name in sorted(fields):
        values = [p.value for props in fields[name].values() for p in props]
        leaf = declared[name] or infer_spec(name, values)
        _, _, table = raters_by_units(fields[name])
        out[name] = alpha(_coded(leaf, table), level_for(leaf), bootstrap=bootstrap, seed=seed)
    return out


def _coded(spec: LabelSchemaSpec, table: list[list[Any]]) -> list[list[Any]]:
    # Ordered options are ranked by declaration; other categories are compared by identity.
    if spec.value_type is ValueType.CATEGORICAL and spec.ordered:
        rank = {value_key(o): i for i, o in enumerate(spec.options or ())}
        return [[None if v is None else rank[value_key(v)] for v in row] for row in table]
    if level_for(spec) == "nominal":
        return [[None if v is None else value_key(v) for v in row] for row in table]
    return table


def annotator_kappa(
    spec: LabelSchemaSpec, items: Mapping[str, Sequence[ProposalInput]]
) -> KappaMatrix:
    """Cohen's kappa between every pair of annotators on the items both labelled."""
    annotators, _, table = raters_by_units(items)
    keyed = [[None if v is None else value_key(spec.validate(v)) for v in row] for row in table]
    return kappa_matrix(keyed, raters=annotators)
