"""The JSON API's endpoints: parse with the schemas, call the same services as the web, answer.

Who may call what is the access matrix's (registry/access.py), as for the web pages; a call is
authenticated by its bearer token (registry/api/auth.py) and audited like the page it mirrors.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, request, send_file, url_for
from flask_babel import gettext
from pydantic import BaseModel, ValidationError

from registry.api import idempotency, openapi, problems, registrations, schemas, serialise
from registry.api.auth import token_id
from registry.api.openapi import PDF, operation, path_parameter
from registry.domain.cases import CASE_NUMBER as CASE_NUMBER_PATTERN
from registry.domain.errors import InvalidDetails, PossibleDuplicates, StaleVersion
from registry.domain.i18n import N_
from registry.domain.workflow import find_transition
from registry.extensions import db, limiter, rate_limit_window
from registry.models import Case, User
from registry.services import cases as case_service
from registry.services import stats, workflow
from registry.templating import today
from registry.web.cases import printing
from registry.web.cases.forms import CaseFilterForm
from registry.web.common import actor, client_ip, timezone
from registry.web.dashboard.forms import DashboardFilterForm

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _per_token() -> str:
    token = g.get("api_token")
    return f"api-token:{token.id}" if token is not None else f"api-address:{request.remote_addr}"


def _api_limit() -> str:
    return str(current_app.config["REGISTRY"].API_RATE_LIMIT)


# Once per process (the blueprint is one object, whatever number of apps use it).
limiter.limit(_api_limit, key_func=_per_token)(bp)

# A registration with a household of thirty and their documents is a few tens of kilobytes.
MAX_BODY_BYTES = 256 * 1024
M = TypeVar("M", bound=BaseModel)

CASE_NUMBER = path_parameter("case_number", "e.g. MNY-2026-000042",
                             {"type": "string", "pattern": CASE_NUMBER_PATTERN.pattern})  # fmt: skip
PERSON_ID = path_parameter("person_id", "The person's id (`person.id` in a case)",
                           {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})  # fmt: skip
IDEMPOTENCY_KEY = {"name": idempotency.HEADER, "in": "header", "required": False,
                   "description": "Kept 24 hours per token: a retry with it gets the first answer.",
                   "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH}}  # fmt: skip




@bp.before_request
def _limit_body_size() -> None:
    request.max_content_length = MAX_BODY_BYTES


@bp.after_request
def _rate_limit_headers(response: Response) -> Response:
    """How many calls the token has left (docs/api.md), on the API's answers only: working it out
    asks the limits' storage (Redis) twice more, which on every web page cost a tenth of the
    page's CPU for headers no browser reads (RATELIMIT_HEADERS_ENABLED is off)."""
    window = rate_limit_window()
    if window is None:
        return response
    current, remaining, reset_at = window
    response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    response.headers["X-RateLimit-Reset"] = str(reset_at)
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(0, int(reset_at - time.time())))
    return response


@bp.errorhandler(ValidationError)
def _invalid(error: ValidationError) -> Response:
    db.session.rollback()
    return problems.from_validation_error(error)


# --------------------------------------------------------------------------------------------
# Reading and answering
# --------------------------------------------------------------------------------------------


def parse_body(model: type[M]) -> M:
    """The request's JSON body as `model`: 415 if not JSON, 400 if unreadable, 422 if invalid."""
    if request.mimetype != "application/json":
        raise _Answer(problems.problem(415, gettext("Send the body as JSON with Content-Type: application/json.")))
    raw = request.get_data(cache=True)
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            raise _Answer(problems.problem(400, gettext("The body is not valid JSON."))) from None
        if any(item["type"] == "model_type" and not item["loc"] for item in error.errors()):
            raise _Answer(problems.problem(422, gettext("The body must be a JSON object."),
                                           type_=problems.VALIDATION)) from None  # fmt: skip
        raise


def parse_query(model: type[M]) -> M:
    # Each parameter once: a repeated one is as unknown as a misspelt one.
    repeated = [name for name, values in request.args.lists() if len(values) > 1]
    if repeated:
        raise InvalidDetails(N_("Give each parameter once."),
                             fields={name: N_("Give each parameter once.") for name in repeated})  # fmt: skip
    return model.model_validate(request.args.to_dict())


class _Answer(Exception):
    """An answer decided while parsing (415, 400): sent as it is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@bp.errorhandler(_Answer)
def _send_answer(answer: _Answer) -> Response:
    db.session.rollback()
    return answer.response


def answer(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(model.model_dump_json(), status=status, mimetype="application/json", headers=headers)


def _audit_details(**details: Any) -> dict[str, Any]:
    return {**details, "api_token_id": token_id()}


# The printed documents of a case, by the name in their URL: (case, user, language, ip_address,
# audit_details) -> PDF bytes, the print recorded and its QR code issued, as on the web.
DOCUMENTS: dict[str, Callable[..., bytes]] = {
    "summary": printing.summary_pdf,
    "slip": printing.slip_pdf,
    "declaration": printing.declaration_pdf,
}


def _form_errors(form: Any) -> None:
    """A filter the user may not use (another border point, an unknown officer) is refused."""
    errors = {name: " ".join(str(message) for message in messages)
              for name, messages in form.errors.items()}  # fmt: skip
    if errors:
        raise InvalidDetails(N_("Some filters are invalid."), fields=errors)


# --------------------------------------------------------------------------------------------
# The description
# --------------------------------------------------------------------------------------------


@bp.get("/openapi.json")
@operation("GET", "/openapi.json", "openapi", "This description (OpenAPI 3.1)", public=True,
           answers={200: ("The OpenAPI document", "application/json")})  # fmt: skip
def openapi_description() -> Response:
    return Response(_description(url_for("api.openapi_description").rsplit("/", 1)[0]),
                    mimetype="application/json")  # fmt: skip


@lru_cache(maxsize=4)
def _description(server_url: str) -> str:
    # The operations and models are fixed once the app is built: no need to describe them anew.
    return json.dumps(openapi.describe(server_url))


# --------------------------------------------------------------------------------------------
# Registering
# --------------------------------------------------------------------------------------------


@bp.post("/registrations")
@operation("POST", "/registrations", "register", "Register a person (and their household)",
           description="The person's fields flat at the top level. 409 with the likely duplicates "  # untranslated: OpenAPI, for developers
                       "unless `confirm_new` is true; nothing is saved then.",
           body=schemas.RegistrationIn, headers=(IDEMPOTENCY_KEY,),
           answers={201: ("Registered: the new case", schemas.RegistrationOut),
                    409: ("Likely duplicates: `candidates`", schemas.Problem)})  # fmt: skip
def register() -> Response:
    data = parse_body(schemas.RegistrationIn)
    token = token_id()
    assert token is not None  # noqa: S101 - the access check authenticated the call
    claim = idempotency.claim(token)
    if claim.replay is not None:
        return claim.replay
    user = actor()
    try:
        case = registrations.register(user, data, today=today(), timezone=timezone(), ip_address=client_ip())
    except PossibleDuplicates as error:
        db.session.rollback()
        candidates = registrations.candidates_of(error)
        return problems.problem(
            409, gettext("These people may already be registered. Check the candidates; send "
                         "\"confirm_new\": true to register them anyway."),
            type_=problems.DUPLICATES, title=gettext("Likely duplicates"),
            candidates=[candidate.model_dump(mode="json", exclude_none=True) for candidate in candidates],
        )  # fmt: skip
    location = url_for("api.get_case", case_number=case.case_number)
    body = schemas.RegistrationOut(case_number=case.case_number, status=case.status, version=case.version,
                                   person_id=case.principal_id, members=len(case.members), url=location)  # fmt: skip
    idempotency.remember(claim, 201, body.model_dump(mode="json"), location)
    return answer(body, 201, {"Location": location})


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@bp.get("/cases")
@operation("GET", "/cases", "list_cases", "The caller's cases, filtered as on the web list",
           query=schemas.CaseListQuery,
           answers={200: ("A page of cases, and the cursor of the next", schemas.CaseListOut)},
           errors={422: "An invalid filter or cursor (see `errors`)."})  # fmt: skip
def list_cases() -> Response:
    query = parse_query(schemas.CaseListQuery)
    user = actor()
    border_points = case_service.list_border_points(user)
    points = [(point.code, str(point)) for point in border_points]
    args = {name: value for name, value in request.args.items() if name not in ("cursor", "limit")}
    form = CaseFilterForm(_multidict(args), border_points=points,
                          assignees=case_service.list_assignees(user, border_points))
    form.validate()
    _form_errors(form)
    filters = form.filters()
    settings = current_app.config["REGISTRY"]
    page = case_service.list_cases(user, filters, timezone=timezone(), per_page=query.limit,
                                   count_limit=settings.CASES_COUNT_LIMIT, sort=query.sort,
                                   after=query.cursor)  # fmt: skip
    if query.cursor and page.messages:
        message = N_("This cursor names no case of this list: start again without it.")
        raise InvalidDetails(message, fields={"cursor": message})
    case_service.audit.record("case_list", actor=user, object_type="case", ip_address=client_ip(),
                              search_text=filters.q,
                              details=_audit_details(**filters.for_audit(), shown=len(page.cases)))  # fmt: skip
    return answer(schemas.CaseListOut(items=[serialise.case_summary(case) for case in page.cases],
                                      next_cursor=page.next_cursor, total=page.total,
                                      total_is_exact=page.total_is_exact))  # fmt: skip


def _multidict(args: dict[str, str]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(args)


def _case_answer(user: User, case: Case, status: int = 200) -> Response:
    return answer(serialise.case(case, user, today()), status)


@bp.get("/cases/<case_number>")
@operation("GET", "/cases/{case_number}", "get_case", "A case: status, person, timeline, allowed moves",
           path_parameters=(CASE_NUMBER,),
           answers={200: ("The case", schemas.CaseOut)},
           errors={404: "No such case among the caller's border points."})  # fmt: skip
def get_case(case_number: str) -> Response:
    user = actor()
    case = case_service.open_case(user, case_number, purpose="case_view", ip_address=client_ip(),
                                  details=_audit_details())  # fmt: skip
    return _case_answer(user, case)


@bp.post("/cases/<case_number>/transitions")
@operation("POST", "/cases/{case_number}/transitions", "move_case", "Move a case to another status",
           description="`to`, the `version` read, `reason`, and the step's details by their data "  # untranslated: OpenAPI, for developers
                       "dictionary names. 404 outside the caller's border points, then 409 for a "
                       "stale version, 403 for a move the role may not make, 422 for a move not "
                       "allowed now, a missing or invalid detail, or a guard.",
           path_parameters=(CASE_NUMBER,), body=schemas.TransitionIn,
           answers={200: ("The case, moved", schemas.CaseOut)},
           errors={404: "No such case among the caller's border points.",
                   409: "The case changed since the caller read it (`version`)."})  # fmt: skip
def move_case(case_number: str) -> Response:
    user = actor()
    try:
        data = parse_body(schemas.TransitionIn)
    except ValidationError:
        # A stale version is said first, whatever else is wrong (as the web does).
        _refuse_if_stale(user, case_number)
        raise
    details = data.model_dump(exclude={"to", "version", "reason"}, exclude_unset=True)
    status_before = case_service.get_case(user, case_number).status
    case = workflow.transition(user, case_number, data.to, data.version, details, data.reason, today(),
                               ip_address=client_ip())  # fmt: skip
    move = find_transition(status_before, case.status)
    recorded = {spec.name for spec in move.fields} if move is not None else set()
    foreign = sorted(set(details) - recorded)
    if foreign:
        message = N_("Not a detail of this step.")
        raise InvalidDetails(N_("Some details are missing or invalid."),
                             fields={name: message for name in foreign})  # fmt: skip
    db.session.refresh(case)
    case_service.record_view(user, case, purpose="case_view", ip_address=client_ip(),
                             details=_audit_details())  # fmt: skip
    return _case_answer(user, case)


def _refuse_if_stale(user: User, case_number: str) -> None:
    try:
        raw = json.loads(request.get_data(cache=True))
    except ValueError:
        return
    version = raw.get("version") if isinstance(raw, dict) else None
    if isinstance(version, int) and not isinstance(version, bool):
        case = case_service.get_case(user, case_number)
        if version != case.version:
            raise StaleVersion(workflow.CASE_CHANGED, params={"case_number": case.case_number})


@bp.get(f"/cases/<case_number>/documents/<any({', '.join(DOCUMENTS)}):document>.pdf")
@operation("GET", "/cases/{case_number}/documents/{document}.pdf", "print_document",
           "A printed document of the case (PDF)",
           path_parameters=(CASE_NUMBER, path_parameter("document", "Which document",
                                                        {"type": "string", "enum": list(DOCUMENTS)})),
           query=schemas.DocumentQuery,
           answers={200: ("The PDF", PDF)},
           errors={404: "No such case among the caller's border points.",
                   422: "A language the documents are not printed in."})  # fmt: skip
def print_document(case_number: str, document: str) -> Response:
    query = parse_query(schemas.DocumentQuery)
    user = actor()
    case = case_service.get_case(user, case_number)
    language = printing.print_language(case, query.lang)
    pdf = DOCUMENTS[document](case, user, language, ip_address=client_ip(),
                              audit_details=_audit_details(language=language))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"{case.case_number}-{document}.pdf")  # fmt: skip


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


@bp.patch("/persons/<int:person_id>")
@operation("PATCH", "/persons/{person_id}", "correct_person", "Correct a person's details",
           description="Only the fields sent change. `version` is the person's (`person.version`); "  # untranslated: OpenAPI, for developers
                       "the case's timeline records who, which fields and why.",
           path_parameters=(PERSON_ID,), body=schemas.PersonPatch,
           answers={200: ("The person, corrected", schemas.PersonPatchOut)},
           errors={404: "No such person among the caller's border points.",
                   409: "The person changed since the caller read them (`version`)."})  # fmt: skip
def correct_person(person_id: int) -> Response:
    user = actor()
    data = parse_body(schemas.PersonPatch)
    sent = data.model_dump(exclude={"version", "reason"}, exclude_unset=True)
    person, changed = registrations.correct(user, person_id, sent, version=data.version,
                                            reason=data.reason, today=today(), ip_address=client_ip())  # fmt: skip
    return answer(schemas.PersonPatchOut(person=serialise.person(person), changed=changed))


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@bp.get("/stats")
@operation("GET", "/stats", "stats", "The dashboard's figures, within the caller's border points",
           query=schemas.StatsQuery, answers={200: ("The figures", schemas.StatsOut)},
           errors={422: "An invalid filter (see `errors`)."})  # fmt: skip
def figures() -> Response:
    parse_query(schemas.StatsQuery)
    user = actor()
    points = [(point.code, str(point)) for point in case_service.list_border_points(user)]
    form = DashboardFilterForm(request.args, border_points=points)
    form.validate()
    _form_errors(form)
    first, last = form.valid_dates()
    border_point, pathway = form.valid("border_point"), form.valid("pathway")
    result = stats.dashboard(user, border_point, first, last, pathway, timezone=timezone(),
                             per=form.valid("per"))  # fmt: skip
    case_service.audit.record("dashboard_view", actor=user, object_type="figures", ip_address=client_ip(),
                              details=_audit_details(border_point=border_point, pathway=pathway,
                                                     registered_from=first.isoformat() if first else None,
                                                     registered_to=last.isoformat() if last else None))  # fmt: skip
    return answer(serialise.figures(result))

