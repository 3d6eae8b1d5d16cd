"""Every JSON route declares what it answers, so /openapi.json describes each answer."""

from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from api.app import create_app
from workflow.kernel.settings import Settings

# The app as the live server builds it; its routes and description need no database.
APP = create_app(Settings(environment="test", database_url="sqlite://"))
OPENAPI = APP.openapi()
NO_CONTENT = 204


def _json_routes() -> list[Any]:
    """The routes in the description, pages (HTML, in api/pages/) left out."""
    return [
        context
        for context in iter_route_contexts(APP.routes)
        if isinstance(context.original_route, APIRoute)
        and context.include_in_schema
        and not context.endpoint.__module__.startswith("api.pages.")
    ]


def _operations() -> list[tuple[str, str, Any]]:
    return [
        (method, context.path_format, context)
        for context in _json_routes()
        for method in sorted(context.methods - {"HEAD"})
    ]


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def _success(responses: dict[str, Any]) -> dict[str, Any]:
    return {code: answer for code, answer in responses.items() if str(code).startswith("2")}


def _declares_a_model(context: Any) -> bool:
    documented = _success(context.responses).values()
    return _is_model(context.response_model) or any(
        _is_model(answer.get("model")) for answer in documented
    )


def _no_body(method: str, path: str, context: Any) -> bool:
    """A 204 route that answers nothing: nothing to describe."""
    described = OPENAPI["paths"][path][method.lower()]["responses"].get(str(NO_CONTENT), {})
    return context.status_code == NO_CONTENT and "content" not in described


def _named_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The component a 2xx schema refers to; empty if it names none."""
    reference = schema.get("$ref", "")
    name = reference.removeprefix("#/components/schemas/")
    return OPENAPI.get("components", {}).get("schemas", {}).get(name, {}) if reference else {}


def test_the_walk_finds_every_kind_of_json_route():
    paths = {path for _method, path, _context in _operations()}
    assert {"/health", "/api/v1/me", "/api/3.0/mlflow/traces/get"} <= paths
    assert not any(path.startswith("/login") for path in paths)


def test_every_json_route_declares_a_response_model():
    undeclared = [
        f"{method} {path}"
        for method, path, context in _operations()
        if not _declares_a_model(context) and not _no_body(method, path, context)
    ]
    assert not undeclared, f"routes without a response model: {undeclared}"


def test_openapi_describes_every_success_answer():
    undescribed = []
    for method, path, context in _operations():
        if _no_body(method, path, context):
            continue
        answers = _success(OPENAPI["paths"][path][method.lower()]["responses"])
        schemas = [
            answer.get("content", {}).get("application/json", {}).get("schema", {})
            for answer in answers.values()
        ]
        if not schemas or not all(_named_schema(schema) for schema in schemas):
            undescribed.append(f"{method} {path}")
    assert not undescribed, (
        f"routes whose 2xx answer /openapi.json leaves undescribed: {undescribed}"
    )
