"""Label schema specification: value type, per-type configuration and agreement policy."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cached_property
from typing import Any

from workflow.consensus.errors import SchemaConfigError

# Two of three annotators must agree by default; a lone pair must be unanimous.
DEFAULT_AGREEMENT_THRESHOLD = 2 / 3
# Character similarity accepts only near-identical texts, and only with equal numbers and negations.
DEFAULT_TEXT_SIMILARITY = 0.9
# Enough decisions that a reliability estimate is no longer dominated by its prior.
DEFAULT_MIN_HISTORY = 20


class ValueType(StrEnum):
    """The value types a label schema can declare (mirrors MLflow's label schema inputs)."""

    CATEGORICAL = "categorical"
    CATEGORICAL_LIST = "categorical_list"
    NUMERIC = "numeric"
    PASS_FAIL = "pass_fail"
    TEXT = "text"
    TEXT_LIST = "text_list"
    STRUCTURED = "structured"


class ListMode(StrEnum):
    """Whether a list's order carries meaning."""

    SET = "set"
    ORDERED = "ordered"


LIST_TYPES = frozenset({ValueType.CATEGORICAL_LIST, ValueType.TEXT_LIST})
_SCALAR_OPTION = (str, int, float, bool)


@dataclass(frozen=True)
class LabelSchemaSpec:
    """One expectation name with its value type and agreement policy; immutable and JSON-safe."""

    name: str
    value_type: ValueType
    options: tuple[Any, ...] | None = None
    ordered: bool = False
    min_value: float | None = None
    max_value: float | None = None
    tolerance: float = 0.0
    list_mode: ListMode = ListMode.SET
    text_similarity_threshold: float | None = DEFAULT_TEXT_SIMILARITY
    agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD
    reliability_min_history: int = DEFAULT_MIN_HISTORY
    fields: tuple[LabelSchemaSpec, ...] = ()
    required_fields: tuple[str, ...] | None = None
    list_key: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.name, str) or not self.name.strip():
            raise SchemaConfigError("name must be a non-empty string")
        set_(self, "value_type", _enum(ValueType, self.value_type, "value_type"))
        set_(self, "list_mode", _enum(ListMode, self.list_mode, "list_mode"))
        self._check_options()
        self._check_numeric_policy()
        self._check_agreement_policy()
        self._check_structure()

    def _check_options(self) -> None:
        if not isinstance(self.ordered, bool):
            raise SchemaConfigError(f"{self.name}: ordered must be true or false")
        if self.options is None:
            if self.ordered:
                raise SchemaConfigError(f"{self.name}: ordered=True needs options")
            return
        if self.value_type not in (ValueType.CATEGORICAL, ValueType.CATEGORICAL_LIST):
            raise SchemaConfigError(f"{self.name}: options only apply to categorical types")
        opts = tuple(self.options) if isinstance(self.options, list | tuple) else None
        if not opts or any(not isinstance(o, _SCALAR_OPTION) for o in opts):
            raise SchemaConfigError(f"{self.name}: options must be a non-empty list of scalars")
        if len({_option_key(o) for o in opts}) != len(opts):
            raise SchemaConfigError(f"{self.name}: options must be distinct")
        object.__setattr__(self, "options", opts)

    def _check_numeric_policy(self) -> None:
        for attr in ("min_value", "max_value"):
            bound = getattr(self, attr)
            if bound is not None and not _finite(bound):
                raise SchemaConfigError(f"{self.name}: {attr} must be a finite number")
        lo, hi = self.min_value, self.max_value
        if lo is not None and hi is not None and lo >= hi:
            raise SchemaConfigError(f"{self.name}: min_value must be below max_value")
        if not _finite(self.tolerance) or self.tolerance < 0:
            raise SchemaConfigError(f"{self.name}: tolerance must be a finite number >= 0")

    def _check_agreement_policy(self) -> None:
        thr = self.agreement_threshold
        if not _finite(thr) or not 0.5 < thr <= 1:
            raise SchemaConfigError(f"{self.name}: agreement_threshold must be in (0.5, 1]")
        sim = self.text_similarity_threshold
        if sim is not None and (not _finite(sim) or not 0 < sim <= 1):
            raise SchemaConfigError(f"{self.name}: text_similarity_threshold must be in (0, 1]")
        hist = self.reliability_min_history
        if isinstance(hist, bool) or not isinstance(hist, int) or hist < 1:
            raise SchemaConfigError(f"{self.name}: reliability_min_history must be an integer >= 1")

    def _check_structure(self) -> None:
        structured = self.value_type is ValueType.STRUCTURED
        if (self.fields or self.list_key or self.required_fields is not None) and not structured:
            raise SchemaConfigError(
                f"{self.name}: fields, required_fields and list_key apply to structured only"
            )
        specs = tuple(self.fields)
        if any(not isinstance(f, LabelSchemaSpec) for f in specs):
            raise SchemaConfigError(f"{self.name}: fields must be label schema specs")
        names = [f.name for f in specs]
        if len(set(names)) != len(names):
            raise SchemaConfigError(f"{self.name}: field names must be distinct")
        object.__setattr__(self, "fields", specs)
        if self.required_fields is not None:
            if not isinstance(self.required_fields, list | tuple):
                raise SchemaConfigError(f"{self.name}: required_fields must be a list of names")
            req = tuple(self.required_fields)
            if any(not isinstance(r, str) for r in req):
                raise SchemaConfigError(f"{self.name}: required_fields must be strings")
            unknown = set(req) - set(names) if specs else set()
            if unknown:
                raise SchemaConfigError(f"{self.name}: unknown required fields {sorted(unknown)}")
            object.__setattr__(self, "required_fields", req)
        if self.list_key is not None and (not isinstance(self.list_key, str) or not self.list_key):
            raise SchemaConfigError(f"{self.name}: list_key must be a non-empty string")

    @property
    def is_list(self) -> bool:
        """True for list types (categorical_list, text_list)."""
        return self.value_type in LIST_TYPES

    @cached_property
    def _by_name(self) -> dict[str, LabelSchemaSpec]:
        return {f.name: f for f in self.fields}

    @cached_property
    def option_lookup(self) -> dict[tuple[type, Any], Any]:
        """Declared options keyed by (type, value), so True and 1 stay distinct."""
        return {(type(o), o): o for o in self.options or ()}

    def subfield(self, name: str) -> LabelSchemaSpec | None:
        """The declared sub-field spec called `name`, if any."""
        return self._by_name.get(name)

    def is_required(self, name: str) -> bool:
        """Whether a top-level field must agree for the whole item to be accepted."""
        return self.required_fields is None or name in self.required_fields

    def validate(self, value: Any) -> Any:
        """Check `value` against this schema and return its canonical form, or raise."""
        from workflow.consensus.values import canonical_value

        return canonical_value(self, value)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict that `from_dict` turns back into an equal spec."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "fields":
                value = [s.to_dict() for s in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, StrEnum):
                value = value.value
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Any) -> LabelSchemaSpec:
        """Build a spec from a JSON-shaped dict, raising SchemaConfigError on anything invalid."""
        if not isinstance(data, dict):
            raise SchemaConfigError("a label schema must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SchemaConfigError(f"unknown label schema keys: {unknown}")
        kwargs = dict(data)
        sub = kwargs.get("fields", ())
        if not isinstance(sub, list | tuple):
            raise SchemaConfigError("fields must be a list of label schemas")
        kwargs["fields"] = tuple(cls.from_dict(s) for s in sub)
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise SchemaConfigError(f"invalid label schema: {exc}") from exc


def _enum(kind: type[StrEnum], raw: Any, attr: str) -> Any:
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise SchemaConfigError(f"{attr} must be one of: {allowed} (got {raw!r})") from None


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _option_key(o: Any) -> tuple[str, Any]:
    # True == 1 in Python, but they are different JSON answers.
    return (type(o).__name__ if isinstance(o, bool | str) else "number", o)
