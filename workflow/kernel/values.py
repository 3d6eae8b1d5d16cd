"""Checks on assessment values and metadata: JSON-shaped, bounded in size and nesting depth."""

import json
from dataclasses import dataclass
from typing import Any

from workflow.kernel.errors import InvalidInput


@dataclass(frozen=True)
class ValueLimits:
    """The bounds a stored value, name, rationale and metadata must keep."""

    max_value_bytes: int = 64 * 1024
    max_value_depth: int = 16
    max_metadata_entries: int = 64
    max_metadata_value_chars: int = 4096
    max_name_chars: int = 256
    max_rationale_chars: int = 16 * 1024


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value; stops once past `limit`, so hostile input stays cheap."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def check_value(value: Any, limits: ValueLimits, *, what: str = "value") -> Any:
    """Refuse values that are not finite JSON or exceed the size or depth limits."""
    depth = _depth(value, limits.max_value_depth)
    if depth > limits.max_value_depth:
        raise InvalidInput(f"{what} is nested deeper than {limits.max_value_depth} levels")
    try:
        encoded = json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} must be finite JSON: {exc}") from None
    if len(encoded.encode()) > limits.max_value_bytes:
        raise InvalidInput(f"{what} is larger than {limits.max_value_bytes} bytes as JSON")
    return value


def check_name(name: Any, limits: ValueLimits) -> str:
    """Refuse an empty, over-long or non-text assessment name."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("assessment_name must be a non-empty string")
    if len(name) > limits.max_name_chars:
        raise InvalidInput(f"assessment_name is longer than {limits.max_name_chars} characters")
    return name


def check_rationale(rationale: str | None, limits: ValueLimits) -> str | None:
    """Refuse an over-long rationale."""
    if rationale is not None and len(rationale) > limits.max_rationale_chars:
        raise InvalidInput(f"rationale is longer than {limits.max_rationale_chars} characters")
    return rationale


def check_metadata(metadata: dict[str, Any] | None, limits: ValueLimits) -> dict[str, str]:
    """Metadata as MLflow keeps it: string keys to string values, bounded in count and length."""
    if not metadata:
        return {}
    if len(metadata) > limits.max_metadata_entries:
        raise InvalidInput(f"metadata has more than {limits.max_metadata_entries} entries")
    cleaned: dict[str, str] = {}
    for key, raw in metadata.items():
        text = raw if isinstance(raw, str) else json.dumps(raw)
        if not key or len(key) > limits.max_name_chars:
            raise InvalidInput(f"metadata key {key[:40]!r} is empty or too long")
        if len(text) > limits.max_metadata_value_chars:
            raise InvalidInput(f"metadata value for {key!r} is too long")
        cleaned[key] = text
    return cleaned


def same_value(left: Any, right: Any) -> bool:
    """Whether two JSON values are the same value: as JSON, so 1, 1.0 and true differ (Python's
    `==` holds them equal) while a dict's key order does not matter."""
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)
