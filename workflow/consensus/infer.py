"""Inferring a label schema for an expectation name that has none, from the values proposed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workflow.consensus.schema import DEFAULT_AGREEMENT_THRESHOLD, LabelSchemaSpec, ValueType


def infer_type(values: Iterable[Any]) -> ValueType:
    """The narrowest value type every value fits; exact-match categorical when they are mixed."""
    values = list(values)
    # An empty list fits any list type, so it does not decide between them.
    kinds = {_kind(v) for v in values if not (isinstance(v, list | tuple) and not v)}
    if not kinds:
        return ValueType.CATEGORICAL_LIST if values else ValueType.CATEGORICAL
    if len(kinds) == 1:
        return kinds.pop()
    return ValueType.CATEGORICAL


def _kind(value: Any) -> ValueType:
    if isinstance(value, bool):
        return ValueType.PASS_FAIL
    if isinstance(value, int | float):
        return ValueType.NUMERIC
    if isinstance(value, str):
        return ValueType.TEXT
    if isinstance(value, dict):
        return ValueType.STRUCTURED
    if isinstance(value, list | tuple) and all(isinstance(e, str) for e in value):
        return ValueType.TEXT_LIST
    if isinstance(value, list | tuple) and not any(isinstance(e, dict | list) for e in value):
        return ValueType.CATEGORICAL_LIST
    return ValueType.CATEGORICAL


def infer_spec(
    name: str,
    values: Iterable[Any],
    *,
    agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD,
) -> LabelSchemaSpec:
    """A conservative spec for `name`: exact numbers, guarded text, every field required."""
    return LabelSchemaSpec(
        name=name, value_type=infer_type(values), agreement_threshold=agreement_threshold
    )
