"""Structured values: flatten to field paths, decide each field, rebuild the agreed fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from workflow.consensus.decision import FieldDecision, Outcome, Reason
from workflow.consensus.infer import infer_spec
from workflow.consensus.rules import EPS, Ballot, Verdict, rounded, share
from workflow.consensus.schema import LabelSchemaSpec, ValueType
from workflow.consensus.values import value_key

# A path is a tuple of segments: ("field", name) or ("item", key_field, key_value).
Segment = tuple[Any, ...]
Path = tuple[Segment, ...]
Judge = Callable[[LabelSchemaSpec, Sequence[Ballot]], Verdict]


def path_text(path: Path) -> str:
    """Render a path for people: `a.b`, `items[sku=A].qty`."""
    out = ""
    for seg in path:
        if seg[0] == "field":
            out += f".{seg[1]}" if out else seg[1]
        else:
            out += f"[{seg[1]}={seg[2]}]"
    return out


def flatten(spec: LabelSchemaSpec, value: Any, prefix: Path = ()) -> dict[Path, tuple[Any, Any]]:
    """Map every leaf path to (declared leaf spec or None, value); empty containers are leaves."""
    if spec.list_key is not None:
        if not value:
            return {prefix: (None, [])} if prefix else {}
        out: dict[Path, tuple[Any, Any]] = {}
        for element in value:
            seg = ("item", spec.list_key, element[spec.list_key])
            out.update(_flatten_object(spec, element, (*prefix, seg)))
        return out
    return _flatten_object(spec, value, prefix)


def _flatten_object(spec: LabelSchemaSpec, obj: dict[str, Any], prefix: Path) -> dict:
    if not obj:
        return {prefix: (None, {})} if prefix else {}
    out: dict[Path, tuple[Any, Any]] = {}
    for key, value in obj.items():
        sub = spec.subfield(key)
        path = (*prefix, ("field", key))
        if sub is not None and sub.value_type is ValueType.STRUCTURED:
            out.update(flatten(sub, value, path))
        elif sub is None and isinstance(value, dict):
            out.update(_flatten_object(_OPEN, value, path))
        else:
            out[path] = (sub, value)
    return out


_OPEN = LabelSchemaSpec(name="object", value_type=ValueType.STRUCTURED)


class _Keyed(dict):
    """A list of objects under construction, keyed by their key field's value."""


def unflatten(leaves: dict[Path, Any]) -> dict[str, Any]:
    """Rebuild nested dicts and keyed lists (sorted by key) from agreed leaf values."""
    root: dict[Any, Any] = {}
    for path in sorted(leaves, key=len):
        node = root
        for seg, nxt in pairwise(path):
            name = seg[1] if seg[0] == "field" else seg[2]
            wanted = _Keyed if nxt[0] == "item" else dict
            if not isinstance(node.get(name), wanted):
                node[name] = wanted()
            node = node[name]
        last = path[-1]
        name = last[1] if last[0] == "field" else last[2]
        if name not in node:
            node[name] = leaves[path]
    return _finish(root)


def _finish(node: Any) -> Any:
    if isinstance(node, _Keyed):
        return [_finish(node[k]) for k in sorted(node, key=value_key)]
    if isinstance(node, dict):
        return {k: _finish(v) for k, v in node.items()}
    return node


@dataclass
class _Leaf:
    path: Path
    decision: FieldDecision
    supporters: frozenset[str]
    parts: list[FieldDecision]


def evaluate_structured(ballots: Sequence[Ballot], spec: LabelSchemaSpec, judge: Judge) -> Verdict:
    """Decide every field path; the item agrees when every required field does."""
    flat = {b.annotator_id: flatten(spec, b.value) for b in ballots}
    paths = sorted({p for leaves in flat.values() for p in leaves}, key=path_text)
    leaves = [decide_leaf(path, ballots, flat, spec, judge) for path in paths]
    required = [leaf for leaf in leaves if leaf.decision.required]
    everyone = frozenset(b.annotator_id for b in ballots)
    backing = everyone.intersection(*(leaf.supporters for leaf in required))
    consensus = unflatten(
        {
            leaf.path: leaf.decision.consensus
            for leaf in leaves
            if leaf.decision.present and not leaf.decision.disputed
        }
    )
    supporters = tuple(b.annotator_id for b in ballots if b.annotator_id in backing)
    score = min((leaf.decision.score for leaf in required), default=1.0)
    parts = [p for leaf in leaves for p in (leaf.decision, *leaf.parts)]
    verdict = Verdict(consensus, supporters, score, "per_field", parts=parts)
    if any(leaf.decision.disputed for leaf in required):
        verdict.blocked = True
        verdict.reasons.append(Reason.DISPUTED_FIELDS)
    if any(leaf.decision.disputed and not leaf.decision.required for leaf in leaves):
        verdict.reasons.append(Reason.OPTIONAL_FIELDS_DROPPED)
    return verdict


def decide_leaf(
    path: Path,
    ballots: Sequence[Ballot],
    flat: dict[str, dict[Path, tuple[Any, Any]]],
    spec: LabelSchemaSpec,
    judge: Judge,
) -> _Leaf:
    present = [b for b in ballots if path in flat[b.annotator_id]]
    values = [flat[b.annotator_id][path][1] for b in present]
    declared = flat[present[0].annotator_id][path][0]
    leaf_spec = declared or infer_spec(
        path_text(path), values, agreement_threshold=spec.agreement_threshold
    )
    cast = [
        Ballot(b.annotator_id, leaf_spec.validate(v), b.weight)
        for b, v in zip(present, values, strict=True)
    ]
    verdict = judge(leaf_spec, cast)
    absent = frozenset(b.annotator_id for b in ballots) - {b.annotator_id for b in present}
    backing = frozenset(verdict.supporters)
    weight = {b.annotator_id: b.weight for b in ballots}
    # Leaving a field out is a vote too: if more weight omits it than backs a value, it is absent.
    is_present = not absent or rounded(sum(weight[a] for a in absent)) <= rounded(
        sum(weight[a] for a in backing)
    )
    supporters = backing if is_present else absent
    score = share(ballots, supporters)
    blocked = verdict.blocked and is_present
    agreed = score >= leaf_spec.agreement_threshold - EPS and not blocked
    name = path_text(path)
    decision = FieldDecision(
        path=name,
        outcome=Outcome.AGREED if agreed else Outcome.DISPUTED,
        consensus=verdict.consensus if is_present else None,
        present=is_present,
        support=len(supporters),
        n_proposals=len(ballots),
        score=score,
        required=spec.is_required(path[0][1]),
        reason_codes=tuple(str(r) for r in verdict.reasons),
    )
    parts = [replace(p, path=name + p.path, required=decision.required) for p in verdict.parts]
    return _Leaf(path, decision, supporters, parts)
