"""The OpenAPI 3.1 description, generated from the models the endpoints validate with.

Each view declares its operation with `@operation(...)`: its request model, query model and
answers. The description is built from those declarations and the models' JSON Schemas
(pydantic writes JSON Schema 2020-12, which OpenAPI 3.1 uses as it is), so it cannot drift
from what the endpoints accept and return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from registry.api import schemas
from registry.api.problems import MEDIA_TYPE as PROBLEM

PDF = "application/pdf"
VERSION = "1.0.0"
REF = "#/components/schemas/{model}"

F = TypeVar("F", bound=Callable[..., Any])

# Answers every authenticated operation may give besides its own.
COMMON_ERRORS = {
    401: "No token, or a revoked or expired one.",
    403: "The caller's role may not do this.",
    429: "Too many requests with this token.",
}
BODY_ERRORS = {
    400: "The body is not JSON, or an Idempotency-Key header is malformed.",
    413: "The body is too large.",
    415: "The body is not sent as application/json.",
    422: "A field is missing, unknown or invalid (see `errors`), or the rules refuse it.",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form: /cases/{case_number}
    operation_id: str
    summary: str
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_parameters: tuple[dict[str, Any], ...] = ()
    answers: dict[int, tuple[str, type[BaseModel] | str]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    headers: tuple[dict[str, Any], ...] = ()
    public: bool = False


OPERATIONS: list[Operation] = []


def operation(method: str, path: str, operation_id: str, summary: str, **details: Any) -> Callable[[F], F]:
    """Declare a view's operation for the description (the view still does its own validation
    with the same models)."""

    def declare(view: F) -> F:
        OPERATIONS.append(Operation(method, path, operation_id, summary, **details))
        return view

    return declare


def path_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def _models() -> list[tuple[type[BaseModel], str]]:
    models: dict[tuple[type[BaseModel], str], None] = {(schemas.Problem, "serialization"): None}
    for op in OPERATIONS:
        if op.body is not None:
            models[(op.body, "validation")] = None
        for _description, answer in op.answers.values():
            if isinstance(answer, type):
                models[(answer, "serialization")] = None
    return list(models)


def _query_parameters(model: type[BaseModel], definitions: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    required = set(schema.get("required", []))
    parameters = []
    for name, property_schema in schema.get("properties", {}).items():
        parameter_schema = _without_null(property_schema)
        description = parameter_schema.pop("description", "")
        parameter_schema.pop("title", None)
        parameters.append({"name": name, "in": "query", "required": name in required,
                           "description": description, "schema": parameter_schema})  # fmt: skip
    definitions.update(schema.get("$defs", {}))
    return parameters


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is given or absent, never null: `X | None` is described as X."""
    members = [member for member in schema.get("anyOf", []) if member != {"type": "null"}]
    if len(members) != 1:
        return dict(schema)
    outer = {key: value for key, value in schema.items() if key != "anyOf"}
    if outer.get("default", "") is None:
        del outer["default"]
    return {**members[0], **outer}


def _response(description: str, answer: type[BaseModel] | str | None, keys: dict[Any, Any]) -> dict[str, Any]:
    if answer is None:
        return {"description": description}
    if isinstance(answer, str):
        schema = {"type": "string", "format": "binary"} if answer == PDF else {"type": "object"}
        return {"description": description, "content": {answer: {"schema": schema}}}
    media = PROBLEM if answer is schemas.Problem else "application/json"
    return {"description": description, "content": {media: {"schema": keys[(answer, "serialization")]}}}


def describe(server_url: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    keys, top = models_json_schema(_models(), ref_template=REF)
    definitions: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    problem_ref = keys[(schemas.Problem, "serialization")]
    for op in OPERATIONS:
        item: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
        if op.description:
            item["description"] = op.description
        parameters = list(op.path_parameters) + list(op.headers)
        if op.query is not None:
            parameters += _query_parameters(op.query, definitions)
        if parameters:
            item["parameters"] = parameters
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": keys[(op.body, "validation")]}}}  # fmt: skip
        responses: dict[str, Any] = {}
        for status, (description, answer) in sorted(op.answers.items()):
            responses[str(status)] = _response(description, answer, keys)
        errors = dict(op.errors)
        if not op.public:
            errors = {**COMMON_ERRORS, **errors}
        if op.body is not None:
            errors = {**BODY_ERRORS, **errors}
        for status, description in sorted(errors.items()):
            responses.setdefault(str(status), {
                "description": description, "content": {PROBLEM: {"schema": problem_ref}}})  # fmt: skip
        item["responses"] = responses
        if op.public:
            item["security"] = []
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Migrant registry API",
            "version": VERSION,
            "description": "Register people and follow their cases, under the same rules as the "
                           "web pages. See docs/api.md.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "flask registry create-token USERNAME"}},
        },
    }
