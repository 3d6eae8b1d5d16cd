"""The campaign forms: what a lead typed, read into the domain's settings, schema targets and
trace selection (a refusal names the field), and stored settings shown back as a form."""

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.datastructures import ImmutableMultiDict, UploadFile

from workflow import campaigns
from workflow.kernel.errors import InvalidInput

Values = ImmutableMultiDict  # what a form shows: typed by the user, or the stored settings
# What a new campaign starts with, the form's first values.
DEFAULTS = campaigns.CampaignSettings(name="")


def text_field(form: Values, key: str, *, limit: int = 1024) -> str:
    value = form.get(key)
    text = value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise InvalidInput(f"{key.replace('_', ' ')} has at most {limit} characters")
    return text


def _midnight(raw: str) -> datetime:
    return datetime.combine(date.fromisoformat(raw), time(), UTC)


def _lease(raw: str) -> int:
    return round(float(raw) * 60)


# What each parser takes, as a refusal names it.
_SHAPES: dict[Callable[[str], Any], str] = {
    int: "a whole number",
    _midnight: "a date (YYYY-MM-DD)",
    _lease: "a number of minutes",
}


def _parsed(form: Values, key: str, parse: Callable[[str], Any], default: Any = None) -> Any:
    raw = text_field(form, key)
    if not raw:
        return default
    try:
        return parse(raw)
    except (ValueError, OverflowError):
        what = key.replace("_", " ")
        raise InvalidInput(f"{what} is {_SHAPES[parse]}, not {raw!r}") from None


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:g}"


def editable(form: Values) -> dict[str, Any]:
    """The settings a lead may change at any time, as typed."""
    return {
        "name": text_field(form, "name"),
        "priority": _parsed(form, "priority", int, DEFAULTS.priority),
        "due": _parsed(form, "due", _midnight),
        "instructions": text_field(form, "instructions", limit=campaigns.MAX_INSTRUCTIONS),
        "show_suggestions": bool(form.get("show_suggestions")),
        "ordering": text_field(form, "ordering") or DEFAULTS.ordering.value,
        "lease_seconds": _parsed(form, "lease_minutes", _lease, DEFAULTS.lease_seconds),
    }


def new_settings(form: Values) -> campaigns.CampaignSettings:
    adaptive = form.get("overlap_mode") == "adaptive"
    return campaigns.CampaignSettings(
        **editable(form),
        overlap=None if adaptive else _parsed(form, "overlap", int, campaigns.DEFAULT_OVERLAP),
        adaptive=adaptive,
        max_overlap=_parsed(form, "max_overlap", int) if adaptive else None,
        blind=bool(form.get("blind")),
    )


def targets(form: Values) -> tuple[campaigns.SchemaTarget, ...]:
    chosen = [name for name in form.getlist("schema") if isinstance(name, str)]
    if not chosen:
        raise InvalidInput("choose at least one label schema")
    return tuple(
        campaigns.SchemaTarget(
            name,
            text_field(form, f"span_name.{name}", limit=512) or None,
            text_field(form, f"span_type.{name}", limit=64) or None,
        )
        for name in chosen
    )


def _tags(text: str) -> dict[str, str]:
    tags = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip():
            raise InvalidInput(f"tag line {number} is not key=value: {line!r}")
        tags[key.strip()] = value.strip()
    return tags


def _imported(form: Values) -> tuple[Any, ...]:
    """The traces of the import: the JSON pasted and the file chosen, each a list or one trace."""
    sources = [("pasted JSON", text_field(form, "traces_json", limit=2**21))]
    upload = form.get("traces_file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            sources.append((f"file {upload.filename!r}", upload.file.read().decode("utf-8")))
        except UnicodeDecodeError:
            raise InvalidInput(f"file {upload.filename!r} is not UTF-8 text") from None
    payloads: list[Any] = []
    for source, text in sources:
        if not text.strip():
            continue
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"the {source} is not JSON: {exc}") from None
        payloads += parsed if isinstance(parsed, list) else [parsed]
    return tuple(payloads)


def selection(form: Values) -> campaigns.TraceSelection:
    lines = text_field(form, "trace_ids", limit=2**21).splitlines()
    until = _parsed(form, "until", _midnight)
    sample = _parsed(form, "sample", int)
    if sample is not None and sample < 1:
        raise InvalidInput("a sample has at least one trace")
    return campaigns.TraceSelection(
        trace_ids=tuple(dict.fromkeys(line.strip() for line in lines if line.strip())),
        tags=_tags(text_field(form, "tags", limit=20_000)),
        since=_parsed(form, "since", _midnight),
        until=until + timedelta(days=1) if until else None,  # the last day is included
        sample=sample,
        payloads=_imported(form),
    )


def shown(settings: campaigns.CampaignSettings | campaigns.CampaignView) -> Values:
    """Settings as their form shows them."""
    return Values(
        name=settings.name,
        overlap_mode="adaptive" if settings.adaptive else "fixed",
        overlap=str(settings.overlap or campaigns.DEFAULT_OVERLAP),
        max_overlap=str(settings.max_overlap or campaigns.ADAPTIVE_MAX),
        blind="on" if settings.blind else "",
        priority=str(settings.priority),
        due=settings.due.date().isoformat() if settings.due else "",
        instructions=settings.instructions,
        show_suggestions="on" if settings.show_suggestions else "",
        ordering=str(settings.ordering),
        lease_minutes=_minutes(settings.lease_seconds),
    )
