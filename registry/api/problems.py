"""Every refusal of the API as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request
from flask_babel import gettext
from pydantic import ValidationError

from registry.domain.errors import DomainError, StaleVersion
from registry.domain.i18n import N_

MEDIA_TYPE = "application/problem+json"
# Problem types beyond a status code's own meaning (relative references, documented in docs/api.md).
VALIDATION = "/api/v1/problems/validation-error"
STALE_VERSION = "/api/v1/problems/stale-version"
DUPLICATES = "/api/v1/problems/likely-duplicates"
IDEMPOTENCY_KEY_REUSED = "/api/v1/problems/idempotency-key-reused"

TITLES = {
    400: N_("The request could not be understood"),
    401: N_("A valid API token is needed"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("This record changed since you read it"),
    413: N_("What you sent is too large"),
    415: N_("Send JSON (Content-Type: application/json)"),
    422: N_("This cannot be done now"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
}

# Pydantic's error types, said in the registry's words (and languages).
_MESSAGES = {
    "missing": N_("This detail is required."),
    "extra_forbidden": N_("Unknown field."),
    "string_type": N_("Must be text."),
    "int_type": N_("Must be a whole number."),
    "int_parsing": N_("Must be a whole number."),
    "bool_type": N_("Must be true or false."),
    "list_type": N_("Must be a list."),
    "model_type": N_("Must be an object."),
    "model_attributes_type": N_("Must be an object."),
    "dict_type": N_("Must be an object."),
    "date_type": N_("Not a valid date (use YYYY-MM-DD)."),
    "date_parsing": N_("Not a valid date (use YYYY-MM-DD)."),
    "date_from_datetime_parsing": N_("Not a valid date (use YYYY-MM-DD)."),
    "date_from_datetime_inexact": N_("Not a valid date (use YYYY-MM-DD)."),
    "enum": N_("Not one of the allowed values."),
    "literal_error": N_("Not one of the allowed values."),
    "string_too_long": N_("Too long."),
    "string_too_short": N_("This detail is required."),
    "too_long": N_("Too many items."),
    "string_pattern_mismatch": N_("Not in the expected form."),
    "control_characters": N_("Contains characters that are not allowed."),
}
_INVALID = N_("Invalid value.")
VALIDATION_TITLE = N_("The request's details are invalid")


def problem(status: int, detail: str | None = None, *, type_: str = "about:blank",
            title: str | None = None, **members: Any) -> Response:  # fmt: skip
    body: dict[str, Any] = {
        "type": type_,
        "title": title or gettext(TITLES.get(status, TITLES[500])),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update({name: value for name, value in members.items() if value is not None})
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return response


def translated(error: DomainError) -> str:
    message = gettext(error.message)
    return message % error.params if error.params else message


def from_domain_error(error: DomainError) -> Response:
    """404, 409, 403 or 422, in the caller's language, with the fields the rules found wrong."""
    errors = [{"field": name, "message": gettext(message), "code": "invalid"}
              for name, message in error.fields.items()] or None  # fmt: skip
    type_ = "about:blank"
    if isinstance(error, StaleVersion):
        type_ = STALE_VERSION
    elif errors:
        type_ = VALIDATION
    title = gettext(VALIDATION_TITLE) if type_ == VALIDATION else None
    return problem(error.http_status, translated(error), type_=type_, title=title, errors=errors)


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as {field, message, code}: the dotted path of each wrong field."""
    errors = []
    for item in error.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        message = _MESSAGES.get(item["type"], _INVALID)
        errors.append({"field": path, "message": gettext(message), "code": item["type"]})
    return errors


def from_validation_error(error: ValidationError) -> Response:
    return problem(422, gettext("Some details are missing or invalid."), type_=VALIDATION,
                   title=gettext(VALIDATION_TITLE), errors=field_errors(error))  # fmt: skip
