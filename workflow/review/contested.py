"""What a disputed item puts to its committee, pure: the parts the engine settled, each
disputed field and contested list element as a unit of its own, and the value that the
settled parts and the decided units make together."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workflow.consensus import ConsensusError, LabelSchemaSpec, ListMode, ValueType, infer_spec
from workflow.consensus.lists import element_key
from workflow.consensus.structured import Path, flatten, path_text, unflatten
from workflow.consensus.values import value_key

WHOLE = ""  # the path of a vote on the whole value


class UnitKind(StrEnum):
    """How a unit is voted."""

    WHOLE = "whole"  # the value as one: a proposal, a written value, or abstain
    FIELD = "field"  # one field: a proposal's value for it, a written value, or abstain
    ELEMENT = "element"  # one element of a list whose order does not count: keep or drop


@dataclass(frozen=True)
class Unit:
    """One thing the committee votes on: `leaf` is where it sits in the value (() for the
    value itself), `spec` what a value written for it must fit, `element` the list element
    an ELEMENT unit keeps or drops."""

    path: str
    kind: UnitKind
    spec: LabelSchemaSpec
    leaf: Path = ()
    element: Any = None


@dataclass(frozen=True)
class Elements:
    """A list whose contested elements are voted: the keys of those settled in and out, and
    the order the list is rebuilt in (the engine's consensus first)."""

    spec: LabelSchemaSpec
    kept: frozenset[str]
    dropped: frozenset[str]
    order: tuple[Any, ...]

    def key(self, element: Any) -> str:
        """The identity of an element of this list."""
        return element_key(self.spec, element)

    def rebuilt(self, kept: set[str]) -> list[Any]:
        """The list of the elements whose keys are `kept`, in order, each once."""
        out, seen = [], set()
        for element in self.order:
            key = self.key(element)
            if key in kept and key not in seen:
                seen.add(key)
                out.append(element)
        return out


@dataclass(frozen=True)
class Dispute:
    """An item's units, the leaves the engine settled (present ones, by path) and the lists
    whose elements are voted one by one."""

    spec: LabelSchemaSpec
    units: tuple[Unit, ...]
    settled: Mapping[Path, Any] = field(default_factory=dict)
    lists: Mapping[Path, Elements] = field(default_factory=dict)

    @property
    def whole(self) -> bool:
        """Whether the value is voted as one (it cannot be split, or nothing split it)."""
        return self.units[0].kind is UnitKind.WHOLE

    def unit(self, path: str) -> Unit | None:
        """The unit at `path`, if one is voted; the whole value is always one."""
        if path == WHOLE:
            return Unit(WHOLE, UnitKind.WHOLE, self.spec)
        return next((unit for unit in self.units if unit.path == path), None)

    def _leaves(self, value: Any) -> dict[Path, Any]:
        # In canonical form, so that "yes" and true say the same on a pass/fail field.
        value = self.spec.validate(value)
        if self.spec.value_type is not ValueType.STRUCTURED:
            return {(): value}
        return {path: leaf for path, (_, leaf) in flatten(self.spec, value).items()}

    def cells(self, value: Any) -> dict[str, Any]:
        """What a whole value (valid for the schema) says on each unit: the value itself for
        the whole, [its value] or [] (absent) for a field, kept or not for an element."""
        if self.whole:
            return {WHOLE: value}
        leaves = self._leaves(value)
        out: dict[str, Any] = {}
        for unit in self.units:
            held = leaves.get(unit.leaf)
            if unit.kind is UnitKind.FIELD:
                out[unit.path] = [held] if unit.leaf in leaves else []
            else:
                key = element_key(unit.spec, unit.element)
                out[unit.path] = isinstance(held, list) and any(
                    element_key(unit.spec, e) == key for e in held
                )
        return out

    def changed(self, value: Any) -> list[str]:
        """The settled parts a whole value (valid for the schema) would change: a settled
        field it leaves out or alters, a settled element it drops or adds, a field nobody
        proposed."""
        if self.whole:
            return []
        leaves = self._leaves(value)
        out = [
            path_text(path)
            for path, settled in self.settled.items()
            if path not in leaves or value_key(leaves[path]) != value_key(settled)
        ]
        for path, elements in self.lists.items():
            held = leaves.get(path)
            keys = {elements.key(e) for e in held} if isinstance(held, list) else set()
            if not elements.kept <= keys or elements.dropped & keys:
                out.append(path_text(path) or "the list's settled elements")
        known = {*self.settled, *self.lists, *(unit.leaf for unit in self.units)}
        out.extend(path_text(path) for path in leaves if path not in known)
        return out

    def assemble(self, decided: Mapping[str, Any]) -> Any:
        """The value the settled parts and each unit's decided cell make, checked against the
        schema (ConsensusError if it does not fit)."""
        if self.whole:
            return self.spec.validate(decided[WHOLE])
        return self.spec.validate(self._value(decided))

    def settled_value(self) -> Any:
        """The settled parts alone as a value (each voted list with its settled elements),
        what a corrected value starts from; None when the whole value is voted."""
        return None if self.whole else self._value({})

    def _value(self, decided: Mapping[str, Any]) -> Any:
        # A unit missing from `decided` is left out: a field absent, an element dropped.
        leaves = dict(self.settled)
        for unit in self.units:
            if unit.kind is UnitKind.FIELD and decided.get(unit.path):
                leaves[unit.leaf] = decided[unit.path][0]
        for path, elements in self.lists.items():
            kept = set(elements.kept)
            kept.update(
                elements.key(unit.element)
                for unit in self.units
                if unit.kind is UnitKind.ELEMENT and unit.leaf == path and decided.get(unit.path)
            )
            leaves[path] = elements.rebuilt(kept)
        return leaves[()] if () in leaves else unflatten(leaves)


def dispute(spec: LabelSchemaSpec, proposals: Sequence[Any], record: Mapping | None) -> Dispute:
    """What the committee votes on, from the proposals and the engine's record of the item:
    a structure's disputed fields, a list's contested elements (a list field's too), or the
    whole value when it cannot be split (a scalar, a ranking, a keyed list, an unfit value)."""
    whole = Dispute(spec, (Unit(WHOLE, UnitKind.WHOLE, spec),))
    decided = {
        f["path"]: f
        for f in (record or {}).get("fields") or ()
        if isinstance(f, dict) and isinstance(f.get("path"), str)
    }
    try:
        values = [spec.validate(value) for value in proposals]
    except ConsensusError:
        return whole
    if not decided:
        return whole
    if spec.is_list and spec.list_mode is ListMode.SET:
        elements, units = _elements(spec, (), "", decided, (record or {}).get("consensus"), set())
        return Dispute(spec, units, lists={(): elements}) if units else whole
    if spec.value_type is ValueType.STRUCTURED and spec.list_key is None:
        return _structured(spec, values, decided) or whole
    return whole


def _structured(spec: LabelSchemaSpec, values: list[Any], decided: dict) -> Dispute | None:
    found: dict[str, tuple[Path, LabelSchemaSpec | None, list[Any]]] = {}
    for value in values:
        for path, (declared, leaf) in flatten(spec, value).items():
            found.setdefault(path_text(path), (path, declared, []))[2].append(leaf)
    units: list[Unit] = []
    settled: dict[Path, Any] = {}
    lists: dict[Path, Elements] = {}
    for text, (path, declared, seen) in sorted(found.items()):
        leaf = decided.get(text)
        if leaf is None:
            return None  # a record of another shape: the whole value is voted
        if not leaf.get("disputed"):
            if leaf.get("present"):
                settled[path] = leaf.get("consensus")
            continue
        # The engine's own spec for the field: declared, else inferred from what was proposed.
        leaf_spec = declared or infer_spec(text, seen, agreement_threshold=spec.agreement_threshold)
        if leaf_spec.is_list and leaf_spec.list_mode is ListMode.SET and leaf.get("present"):
            elements, contested = _elements(
                leaf_spec, path, text, decided, leaf.get("consensus"), set(found)
            )
            if contested:
                lists[path] = elements
                units.extend(contested)
                continue
        units.append(Unit(text, UnitKind.FIELD, leaf_spec, path))
    return Dispute(spec, tuple(units), settled, lists) if units else None


def _elements(
    spec: LabelSchemaSpec,
    path: Path,
    text: str,
    decided: dict,
    consensus: Any,
    leaves: set[str],
) -> tuple[Elements, tuple[Unit, ...]]:
    """A list's element decisions (`text[element]`): the contested ones as units."""
    parts = [
        part
        for name, part in sorted(decided.items())
        if name.startswith(f"{text}[") and name.endswith("]") and name not in leaves
    ]
    settled = [
        (element_key(spec, p.get("consensus")), p.get("present"))
        for p in parts
        if not p.get("disputed")
    ]
    order = [*(consensus if isinstance(consensus, list) else ()), *(p["consensus"] for p in parts)]
    elements = Elements(
        spec,
        frozenset(key for key, present in settled if present),
        frozenset(key for key, present in settled if not present),
        tuple(order),
    )
    units = tuple(
        Unit(part["path"], UnitKind.ELEMENT, spec, path, part.get("consensus"))
        for part in parts
        if part.get("disputed")
    )
    return elements, units
