"""The annotate page's form for a label schema: the fields it shows (generated from the schema,
one control per value type) and the value a submitted form makes. Pure: a form arrives as
field name -> list of strings, as HTML forms send it.

Fields are named by position, `value`, `value.0`, `value.0.2`, ..., never by a schema's field
names, which may hold any character; choices are sent as option indexes, so that 1, "1" and
true stay three different answers.
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from workflow.consensus import ConsensusError, LabelSchemaSpec
from workflow.consensus.schema import ListMode, ValueType
from workflow.kernel.errors import InvalidInput

Form = Mapping[str, Sequence[str]]
VALUE = "value"
# Up to this many options show as radio buttons (all visible, one key each); more, a list box.
FEW_OPTIONS = 6
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d{1,300}")
_PASS_FAIL = (("true", "Pass", True), ("false", "Fail", False))


class Control(StrEnum):
    """How a field is asked."""

    RADIO = "radio"
    SELECT = "select"
    CHECKBOXES = "checkboxes"
    NUMBER = "number"
    LINE = "line"  # one line of text: a category without declared options
    TEXT = "text"
    LINES = "lines"  # a list, one entry per line
    JSON = "json"  # a structure without declared fields (or a keyed list)
    GROUP = "group"  # a structure's declared fields


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a choice: what the form sends, what the annotator reads."""

    value: str
    label: str
    chosen: bool


@dataclass(frozen=True, slots=True)
class Field:
    """One control of the form, filled with what was typed (or answered before)."""

    name: str
    label: str
    control: Control
    required: bool  # the browser must see it filled in
    marked: bool  # shown as required: by its schema, once its structure is filled in
    text: str = ""
    choices: tuple[Choice, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    ordered: bool = False
    fields: tuple["Field", ...] = ()

    @property
    def any_marked(self) -> bool:
        """Whether this field or one inside it is shown as required."""
        return self.marked or any(field.any_marked for field in self.fields)


def control_of(spec: LabelSchemaSpec) -> Control:
    """The control that asks for a value of this spec."""
    kind = spec.value_type
    if kind is ValueType.PASS_FAIL:
        return Control.RADIO
    if kind is ValueType.CATEGORICAL:
        if spec.options is None:
            return Control.LINE
        return Control.RADIO if len(spec.options) <= FEW_OPTIONS else Control.SELECT
    if kind is ValueType.CATEGORICAL_LIST:
        return Control.LINES if spec.options is None else Control.CHECKBOXES
    if kind is ValueType.STRUCTURED:
        return Control.GROUP if spec.fields and spec.list_key is None else Control.JSON
    return {
        ValueType.NUMERIC: Control.NUMBER,
        ValueType.TEXT: Control.TEXT,
        ValueType.TEXT_LIST: Control.LINES,
    }[kind]


def option_label(option: Any) -> str:
    """An option as the annotator reads it: text as written, anything else as JSON."""
    return option if isinstance(option, str) else json.dumps(option)


def _choices(spec: LabelSchemaSpec) -> list[tuple[str, str, Any]]:
    if spec.value_type is ValueType.PASS_FAIL:
        return list(_PASS_FAIL)
    return [(str(i), option_label(o), o) for i, o in enumerate(spec.options or ())]


def form_fields(
    spec: LabelSchemaSpec, typed: Form, name: str = VALUE, required: bool = True
) -> Field:
    """The form for `spec`, filled from `typed`. A list may be left empty (it says "none");
    a structure's fields are required as its schema says, of the browser only while the
    structure itself is."""
    control = control_of(spec)
    sent = list(typed.get(name, ()))
    if control is Control.GROUP:
        fields = tuple(
            _marked(
                form_fields(sub, typed, f"{name}.{i}", required and spec.is_required(sub.name)),
                spec.is_required(sub.name),
            )
            for i, sub in enumerate(spec.fields)
        )
        return Field(name, spec.name, control, required, False, fields=fields)
    choices = tuple(Choice(value, label, value in sent) for value, label, _ in _choices(spec))
    empty_list_answers = name == VALUE and control in (Control.CHECKBOXES, Control.LINES)
    return Field(
        name,
        spec.name,
        control,
        required and not empty_list_answers,
        not empty_list_answers,
        text=sent[0] if sent and not choices else "",
        choices=choices,
        min_value=spec.min_value,
        max_value=spec.max_value,
        ordered=spec.list_mode is ListMode.ORDERED,
    )


def _marked(field: Field, marked: bool) -> Field:
    return field if field.control is Control.GROUP else replace(field, marked=marked)


def typed_from_value(spec: LabelSchemaSpec, value: Any, name: str = VALUE) -> dict[str, list[str]]:
    """What the form would hold had the annotator typed `value` (their earlier answer); a
    part that no longer fits the schema is left out."""
    control = control_of(spec)
    if control is Control.GROUP:
        found: dict[str, list[str]] = {}
        if isinstance(value, dict):
            for i, sub in enumerate(spec.fields):
                if sub.name in value:
                    found.update(typed_from_value(sub, value[sub.name], f"{name}.{i}"))
        return found
    if control in (Control.RADIO, Control.SELECT, Control.CHECKBOXES):
        wanted = value if control is Control.CHECKBOXES and isinstance(value, list) else [value]
        return {name: [sent for sent, _, o in _choices(spec) if _among(o, wanted)]}
    if control is Control.LINES:
        entries = value if isinstance(value, list) else []
        return {name: ["\n".join(option_label(entry) for entry in entries)]}
    if control is Control.JSON:
        return {name: [json.dumps(value, indent=2, ensure_ascii=False)]}
    if control is Control.NUMBER:
        return {name: [json.dumps(value)]}
    return {name: [option_label(value)]}


def _among(option: Any, values: list[Any]) -> bool:
    # True == 1 in Python; as answers they differ.
    return any(v == option and type(v) is type(option) for v in values)


class _Missing:
    """Nothing was entered for a field."""


MISSING = _Missing()


def value_from_form(spec: LabelSchemaSpec, form: Form, name: str = VALUE) -> Any:
    """The value a submitted form makes (its fields named from `name`, as `form_fields`
    named them), checked against the schema: InvalidInput naming every field at fault, so
    the page can say what to fix."""
    problems: list[str] = []
    value = _parse(spec, form, name, spec.name, problems)
    if value is MISSING:
        control = control_of(spec)
        if control in (Control.CHECKBOXES, Control.LINES):
            value = []
        elif control is Control.GROUP:
            needed = [f"{spec.name} > {f.name}" for f in spec.fields if spec.is_required(f.name)]
            problems.extend(f"{field}: an answer is needed" for field in needed)
            if not needed:
                problems.append(f"{spec.name}: nothing was filled in")
        else:
            problems.append(f"{spec.name}: an answer is needed")
    if problems:
        raise InvalidInput("; ".join(problems))
    try:
        spec.validate(value)
    except ConsensusError as exc:
        raise InvalidInput(str(exc)) from None
    return value


def _first(form: Form, name: str) -> str:
    return next((text for text in form.get(name, ()) if text.strip()), "")


def _parse(spec: LabelSchemaSpec, form: Form, name: str, label: str, problems: list[str]) -> Any:
    control = control_of(spec)
    if control is Control.GROUP:
        return _group(spec, form, name, label, problems)
    if control is Control.CHECKBOXES:
        sent = set(form.get(name, ()))
        chosen = [o for value, _, o in _choices(spec) if value in sent]
        if len(chosen) != len(sent):
            problems.append(f"{label}: pick among the options shown")
        return chosen or MISSING
    if control is Control.LINES:
        lines = _first(form, name).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return [line.strip() for line in lines if line.strip()] or MISSING
    text = _first(form, name)
    if not text:
        return MISSING
    if control in (Control.RADIO, Control.SELECT):
        chosen = [o for value, _, o in _choices(spec) if value == text]
        if not chosen:
            problems.append(f"{label}: pick one of the options shown")
        return chosen[0] if chosen else MISSING
    if control is Control.NUMBER:
        return _number(text.strip(), label, problems)
    if control is Control.JSON:
        try:
            return json.loads(text)
        except ValueError as exc:
            problems.append(f"{label}: not valid JSON ({exc})")
            return MISSING
    if control is Control.LINE:
        return text.strip()
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _number(text: str, label: str, problems: list[str]) -> Any:
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text) and abs(number := float(text)) != float("inf"):
        return number
    problems.append(f"{label}: {text[:40]!r} is not a number")
    return MISSING


def _group(spec: LabelSchemaSpec, form: Form, name: str, label: str, problems: list[str]) -> Any:
    found: dict[str, Any] = {}
    needed = []
    for i, sub in enumerate(spec.fields):
        value = _parse(sub, form, f"{name}.{i}", f"{label} > {sub.name}", problems)
        if value is not MISSING:
            found[sub.name] = value
        elif spec.is_required(sub.name):
            needed.append(f"{label} > {sub.name}")
    if not found:
        return MISSING
    problems.extend(f"{field}: an answer is needed" for field in needed)
    return found
