"""A trace made readable for a domain expert: its request and response, and its spans as a
tree whose JSON-text attributes are decoded and long values folded. Pure: no database."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workflow.kernel.entities import SpanView

# About ten lines of prose: enough to recognise a value, short enough to see the tree around it.
FOLD_AT = 600
# Deeper spans are listed at this depth: the page nests one element per level.
MAX_DEPTH = 24
_NESTING = 12  # levels of a value written out before the rest is shown as JSON


@dataclass(frozen=True, slots=True)
class Folded:
    """A value as text: its head, always shown, and the rest, shown on request."""

    head: str
    rest: str = ""


@dataclass(frozen=True, slots=True)
class SpanNode:
    """One span as the reader sees it, with the spans it called."""

    span_id: str
    name: str
    span_type: str | None
    inputs: Folded | None
    outputs: Folded | None
    status: str | None  # "error" for a failed span, else None
    duration_ms: float | None
    focus: bool  # the span under annotation
    on_path: bool  # the focus or one of its ancestors: shown open
    children: tuple["SpanNode", ...] = ()


@dataclass(frozen=True, slots=True)
class ReadableTrace:
    """What a trace asked and answered, and its span tree (roots first, in recorded order)."""

    trace_id: str
    request: Folded | None
    response: Folded | None
    spans: tuple[SpanNode, ...]


def decode(raw: Any) -> Any:
    """An attribute's value: MLflow stores JSON text; text that is not JSON stays as it is."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def readable(value: Any, depth: int = 0) -> str:
    """A decoded value as plain lines: text as written, objects as `key: value`, lists as
    `- item`; so a message with line breaks reads as a message, not as escaped JSON."""
    if isinstance(value, str):
        return value
    if depth >= _NESTING or not isinstance(value, dict | list) or not value:
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        pairs = ((f"{key}:", item) for key, item in value.items())
    else:
        pairs = (("-", item) for item in value)
    lines = []
    for lead, item in pairs:
        first, *rest = readable(item, depth + 1).split("\n")
        # A list's element starts on its dash; a key's structure, or text of several lines,
        # goes below the key.
        nested = isinstance(item, dict | list) and bool(item)
        if lead != "-" and (rest or nested):
            first, rest = "", [first, *rest]
        lines.append(f"{lead} {first}" if first else lead)
        lines.extend("  " + line if line else "" for line in rest)
    return "\n".join(lines)


def fold(text: str, limit: int = FOLD_AT) -> Folded:
    """The text, its head cut near `limit` (at a line break when one is close)."""
    if len(text) <= limit:
        return Folded(text)
    cut = text.rfind("\n", limit * 2 // 3, limit)
    cut = limit if cut < 0 else cut + 1
    return Folded(text[:cut], text[cut:])


def _shown(raw: Any) -> Folded | None:
    return None if raw is None else fold(readable(decode(raw)))


def _attributes(span: SpanView) -> Mapping[str, Any]:
    attributes = span.data.get("attributes")
    return attributes if isinstance(attributes, dict) else {}


def _duration(data: Mapping[str, Any]) -> float | None:
    start, end = data.get("start_time_unix_nano"), data.get("end_time_unix_nano")
    if isinstance(start, int) and isinstance(end, int) and end >= start:
        return (end - start) / 1e6
    return None


def _status(data: Mapping[str, Any]) -> str | None:
    status = data.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    return "error" if code == "STATUS_CODE_ERROR" else None


def _ancestors(spans: Mapping[str, SpanView], focus: str | None) -> set[str]:
    path: set[str] = set()
    while focus in spans and focus not in path:
        path.add(focus)
        focus = spans[focus].parent_span_id
    return path


def span_tree(spans: Iterable[SpanView], focus: str | None = None) -> tuple[SpanNode, ...]:
    """The spans nested by parent: a span whose parent is not in the trace is a root, and so
    is one caught in a cycle of parents, so that every span is shown exactly once."""
    by_id = {span.span_id: span for span in spans}
    children: dict[str, list[SpanView]] = {}
    for span in by_id.values():
        if span.parent_span_id in by_id and span.parent_span_id != span.span_id:
            children.setdefault(span.parent_span_id, []).append(span)
    path = _ancestors(by_id, focus)
    placed: set[str] = set()

    def below(span: SpanView) -> list[SpanView]:
        fresh = [child for child in children.get(span.span_id, ()) if child.span_id not in placed]
        placed.update(child.span_id for child in fresh)
        return fresh

    def everything_below(span: SpanView) -> list[SpanView]:
        found, stack = [], below(span)[::-1]
        while stack:
            found.append(stack.pop())
            stack.extend(reversed(below(found[-1])))
        return found

    def node(span: SpanView, depth: int) -> SpanNode:
        placed.add(span.span_id)
        if depth < MAX_DEPTH:
            nested = tuple(node(child, depth + 1) for child in below(span))
        else:
            nested = tuple(_node(child, focus, path) for child in everything_below(span))
        return _node(span, focus, path, nested)

    roots = [
        span
        for span in by_id.values()
        if span.parent_span_id not in by_id or span.parent_span_id == span.span_id
    ]
    tree = [node(span, 0) for span in roots]
    # What is left sits in a cycle of parents: each such span starts a tree of its own.
    tree += [node(span, 0) for span in by_id.values() if span.span_id not in placed]
    return tuple(tree)


def _node(
    span: SpanView, focus: str | None, path: set[str], children: tuple[SpanNode, ...] = ()
) -> SpanNode:
    attributes = _attributes(span)
    kind = decode(attributes.get("mlflow.spanType"))
    return SpanNode(
        span_id=span.span_id,
        name=span.name,
        span_type=kind if isinstance(kind, str) and kind else None,
        inputs=_shown(attributes.get("mlflow.spanInputs")),
        outputs=_shown(attributes.get("mlflow.spanOutputs")),
        status=_status(span.data),
        duration_ms=_duration(span.data),
        focus=span.span_id == focus,
        on_path=span.span_id in path,
        children=children,
    )


def _root(spans: tuple[SpanView, ...]) -> SpanView | None:
    ids = {span.span_id for span in spans}
    return next((span for span in spans if span.parent_span_id not in ids), None)


def _info_value(info: Mapping[str, Any], key: str, preview: str) -> Any:
    for block in ("trace_metadata", "request_metadata"):
        metadata = info.get(block)
        if isinstance(metadata, dict) and metadata.get(key) is not None:
            return metadata[key]
    return info.get(preview)


def read_trace(
    trace_id: str, info: Mapping[str, Any], spans: tuple[SpanView, ...], focus: str | None = None
) -> ReadableTrace:
    """The trace as a reader sees it. The request and response come from the root span, whose
    copy is whole; else from the info block, whose copies MLflow cuts to a preview."""
    root = _root(spans)
    attributes = _attributes(root) if root is not None else {}
    request = attributes.get("mlflow.spanInputs")
    response = attributes.get("mlflow.spanOutputs")
    if request is None:
        request = _info_value(info, "mlflow.traceInputs", "request_preview")
    if response is None:
        response = _info_value(info, "mlflow.traceOutputs", "response_preview")
    return ReadableTrace(trace_id, _shown(request), _shown(response), span_tree(spans, focus))
