"""Checking proposed values against a schema and putting them in canonical, hashable form."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from workflow.consensus.errors import ValueMismatchError
from workflow.consensus.schema import LabelSchemaSpec, ValueType
from workflow.consensus.text import normalise_text

_SCALARS = frozenset({str, int, float, bool})
_PASS = {"pass": True, "yes": True, "true": True, "fail": False, "no": False, "false": False}


def value_key(value: Any) -> str:
    """A canonical string for any JSON-shaped value: equal values give equal keys."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def value_tags(values: list[Any]) -> tuple[list[Any], dict[Any, str]]:
    """A hashable tag per value and each distinct tag's value_key, serialising each tag once.

    Scalars are tagged with their type, so 1, 1.0 and True stay apart as they do in value_key;
    unhashable values (lists, objects) fall back to their value_key as the tag.
    """
    try:
        tags: list[Any] = [(v.__class__, v) for v in values]
        return tags, {t: value_key(t[1]) for t in dict.fromkeys(tags)}
    except TypeError:
        tags = [value_key(v) for v in values]
        return tags, {t: t for t in dict.fromkeys(tags)}


def canonical_value(spec: LabelSchemaSpec, value: Any, path: str = "", root: str = "") -> Any:
    """Return `value` in canonical form for `spec`; raise ValueMismatchError if it does not fit."""
    kind, cls = spec.value_type, value.__class__
    # Values already in canonical form are the common case when a schema is re-evaluated.
    if (kind is ValueType.TEXT and cls is str) or (kind is ValueType.PASS_FAIL and cls is bool):
        return value
    if kind is ValueType.NUMERIC and (cls is int or cls is float) and _in_range(spec, value):
        return value
    if kind is ValueType.CATEGORICAL and cls in _SCALARS and spec.options is not None:
        hit = spec.option_lookup.get((cls, value))
        if hit is not None:
            return hit
    root = root or spec.name

    def fail(message: str) -> ValueMismatchError:
        return ValueMismatchError(root, path, message)

    if kind is ValueType.PASS_FAIL:
        return _pass_fail(value, fail)
    if kind is ValueType.CATEGORICAL:
        return _category(spec, value, fail)
    if kind is ValueType.NUMERIC:
        return _number(spec, value, fail)
    if kind is ValueType.TEXT:
        if not isinstance(value, str):
            raise fail(f"expected text, got {type(value).__name__}")
        return value
    if spec.is_list:
        return _list(spec, value, path, root, fail)
    return _structured(spec, value, path, root, fail)


def _in_range(spec: LabelSchemaSpec, value: float) -> bool:
    return (
        math.isfinite(value)
        and (spec.min_value is None or value >= spec.min_value)
        and (spec.max_value is None or value <= spec.max_value)
    )


def _pass_fail(value: Any, fail: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _PASS:
        return _PASS[value.strip().lower()]
    raise fail(f"expected pass/fail (true/false), got {value!r}")


def _category(spec: LabelSchemaSpec, value: Any, fail: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise fail("categories must be finite")
    if spec.options is None:
        # Without declared options any JSON value is a category, compared exactly.
        if not _is_json(value):
            raise fail("expected a JSON value")
        return value
    if not isinstance(value, str | int | float | bool):
        raise fail(f"expected a category, got {type(value).__name__}")
    for option in spec.options:
        if value == option and isinstance(value, bool) == isinstance(option, bool):
            return option
    raise fail(f"{value!r} is not one of {list(spec.options)}")


def _number(spec: LabelSchemaSpec, value: Any, fail: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise fail("numbers must be finite")
    if spec.min_value is not None and value < spec.min_value:
        raise fail(f"{value} is below the minimum {spec.min_value}")
    if spec.max_value is not None and value > spec.max_value:
        raise fail(f"{value} is above the maximum {spec.max_value}")
    return value


def _list(spec: LabelSchemaSpec, value: Any, path: str, root: str, fail: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise fail(f"expected a list, got {type(value).__name__}")
    is_text = spec.value_type is ValueType.TEXT_LIST
    element = LabelSchemaSpec(
        name=spec.name,
        value_type=ValueType.TEXT if is_text else ValueType.CATEGORICAL,
        options=None if is_text else spec.options,
    )
    out: list[Any] = []
    seen: set[str] = set()
    # A repeated element says nothing new; keep its first position so ranks stay meaningful.
    for item in value:
        item = canonical_value(element, item, path, root)
        key = normalise_text(item) if is_text else value_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _structured(spec: LabelSchemaSpec, value: Any, path: str, root: str, fail: Any) -> Any:
    if spec.list_key is not None:
        return _keyed_list(spec, value, path, root, fail)
    if not isinstance(value, dict):
        raise fail(f"expected an object, got {type(value).__name__}")
    out: dict[str, Any] = {}
    for key in sorted(value, key=str):
        if not isinstance(key, str):
            raise fail(f"field names must be strings, got {key!r}")
        sub = spec.subfield(key)
        where = f"{path}.{key}" if path else key
        if sub is None:
            if not _is_json(value[key]):
                raise ValueMismatchError(root, where, "not JSON-shaped")
            out[key] = value[key]
        else:
            out[key] = canonical_value(sub, value[key], where, root)
    return out


def _keyed_list(
    spec: LabelSchemaSpec, value: Any, path: str, root: str, fail: Any
) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple):
        raise fail(f"expected a list of objects keyed by {spec.list_key!r}")
    as_object = LabelSchemaSpec(name=spec.name, value_type=ValueType.STRUCTURED, fields=spec.fields)
    out, keys = [], set()
    for element in value:
        if not isinstance(element, dict) or spec.list_key not in element:
            raise fail(f"every element needs the key field {spec.list_key!r}")
        key = element[spec.list_key]
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise fail(f"key field {spec.list_key!r} must be a string or integer")
        if key in keys:
            raise fail(f"duplicate key {key!r} in {spec.list_key!r}")
        keys.add(key)
        out.append(canonical_value(as_object, element, f"{path}[{spec.list_key}={key}]", root))
    # Elements are aligned by key, so their order carries no meaning.
    return sorted(out, key=lambda e: value_key(e[spec.list_key]))


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_is_json(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def canonical_values(spec: LabelSchemaSpec, values: Iterable[Any]) -> list[Any]:
    """`spec.validate` of each value, checking each distinct scalar once (a label set has few)."""
    seen: dict[tuple[type, Any], Any] = {}
    out = []
    for value in values:
        if value.__class__ not in _SCALARS:
            out.append(spec.validate(value))
            continue
        tag = (value.__class__, value)
        if tag not in seen:
            seen[tag] = spec.validate(value)
        out.append(seen[tag])
    return out
