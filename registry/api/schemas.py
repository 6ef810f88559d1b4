"""The API's request and answer bodies, as pydantic models: each endpoint validates with these,
and the OpenAPI description is generated from the same models (registry/api/openapi.py).

Field names are the data dictionary's (docs/data-dictionary.md). Requests are strict: an unknown
field, a number sent as text or text sent as a number is refused (422), never guessed at.
The details a workflow step records come from the transition table's FieldSpecs, so the API
cannot drift from the table either.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from registry.domain import workflow
from registry.domain.names import has_control_characters
from registry.domain.vocabulary import (
    CaseStatus,
    Circumstances,
    DobPrecision,
    DocumentType,
    EntryType,
    Pathway,
    Priority,
    Relationship,
    Sex,
    Vulnerability,
)

def _prose(value: str) -> str:
    """Text may hold line breaks and tabs (a reason), no other control character (a NUL)."""
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", "Contains characters that are not allowed.")
    return value


def _one_line(value: str) -> str:
    """A name, a number, a place: one line."""
    if any(character in value for character in "\r\n\t"):
        raise PydanticCustomError("control_characters", "Contains characters that are not allowed.")
    return _prose(value)


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - used as a type
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_one_line)]


def Prose(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - used as a type
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_prose)]


CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 (XXA stateless, XXX unknown)")]  # untranslated: OpenAPI, for developers
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{3}$", description="ISO 639-3")]  # untranslated: OpenAPI, for developers
Name = Text(200)
MAX_DOCUMENTS = 5
MAX_HOUSEHOLD = 30
MAX_REASON = workflow.REASON_MAX_LENGTH


class Request(BaseModel):
    """A request body: strict types, no unknown field."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------------------------
# Registering people
# --------------------------------------------------------------------------------------------


class DocumentIn(Request):
    type: DocumentType
    number: Text(60, min_length=1)
    issuing_country: CountryCode | None = None
    expiry_date: date | None = None


class PersonIn(Request):
    """A person's fields (PRODUCT.md, Person). At least a given name or a family name."""

    given_names: Name = ""
    family_name: Name = ""
    other_names: Text(400) = ""
    sex: Sex
    date_of_birth: date | None = None
    dob_precision: DobPrecision | None = None
    nationality: CountryCode
    country_of_birth: CountryCode | None = None
    place_of_origin: Text(200) | None = None
    languages: Annotated[list[LanguageCode], Field(max_length=20)] = []
    phone: Text(40) | None = None
    documents: Annotated[list[DocumentIn], Field(max_length=MAX_DOCUMENTS)] = []
    vulnerabilities: Annotated[list[Vulnerability], Field(max_length=len(Vulnerability))] = []


class HouseholdMemberIn(PersonIn):
    relationship: Literal[
        Relationship.SPOUSE, Relationship.CHILD, Relationship.PARENT, Relationship.SIBLING,
        Relationship.OTHER_RELATIVE, Relationship.OTHER,
    ]  # fmt: skip


class RegistrationIn(PersonIn):
    """The principal's fields flat at the top level, the registration's, and the household."""

    border_point: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")]
    arrival_date: date | None = None
    entry_type: EntryType = EntryType.UNKNOWN
    circumstances: Circumstances = Circumstances.OTHER
    consent_given: bool
    consent_scope: Text(40) | None = None
    consent_date: date | None = None
    consent_language: LanguageCode | None = None
    household: Annotated[list[HouseholdMemberIn], Field(max_length=MAX_HOUSEHOLD)] = []
    confirm_new: bool = Field(
        False, description="Register even though likely duplicates exist (after checking them)."  # untranslated: OpenAPI, for developers
    )


class RegistrationOut(Answer):
    case_number: str
    status: CaseStatus
    version: int
    person_id: int
    members: int = Field(description="People the case covers, the principal included.")  # untranslated: OpenAPI, for developers
    url: str


class DuplicateCandidate(Answer):
    """A likely earlier registration of one of the people sent. Outside the caller's border
    points only the case number, border point, score and reasons are given."""

    for_person: int = Field(description="Whom it may be: 0 the person registered, n household member n-1.")  # untranslated: OpenAPI, for developers
    case_number: str
    border_point: str
    score: float
    reasons: list[str] = Field(description="Codes: same_document, similar_names, ...")  # untranslated: OpenAPI, for developers
    why: list[str] = Field(description="The reasons in words, in the caller's language.")  # untranslated: OpenAPI, for developers
    given_names: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    nationality: str | None = None


# --------------------------------------------------------------------------------------------
# Reading cases
# --------------------------------------------------------------------------------------------


class DocumentOut(Answer):
    type: str
    number: str
    issuing_country: str | None
    expiry_date: date | None


class PersonOut(Answer):
    id: int
    version: int
    given_names: str
    family_name: str
    other_names: str
    sex: str
    date_of_birth: date | None
    dob_precision: str | None
    nationality: str
    country_of_birth: str | None
    place_of_origin: str | None
    languages: list[str]
    phone: str | None
    documents: list[DocumentOut]
    vulnerabilities: list[str]


class MemberOut(Answer):
    relationship: str
    person: PersonOut


class EventOut(Answer):
    at: datetime
    kind: str
    actor: str | None
    from_status: str | None
    to_status: str | None
    reason: str | None
    details: dict[str, Any]


def _detail_type(spec: workflow.FieldSpec) -> Any:
    if spec.kind == "date":
        return date
    if spec.kind == "bool":
        return bool
    if spec.kind == "country":
        return CountryCode
    if spec.kind == "choice":
        return Literal[spec.choices]  # type: ignore[valid-type]
    return Text(spec.max_length or workflow.TEXT_MAX_LENGTH)


def detail_specs() -> dict[str, workflow.FieldSpec]:
    """Every detail a step records, by name, in the table's order (a name means one thing)."""
    specs: dict[str, workflow.FieldSpec] = {}
    for transition in workflow.TRANSITIONS:
        for spec in transition.fields:
            specs.setdefault(spec.name, spec)
    return specs


DETAILS = detail_specs()


class CaseSummaryOut(Answer):
    """One case in a list: enough to find it, not the whole file."""

    case_number: str
    status: CaseStatus
    pathway: Pathway
    priority: Priority
    version: int
    border_point: str
    registered_at: datetime
    assigned_to: str | None
    given_names: str
    family_name: str
    sex: str
    date_of_birth: date | None
    nationality: str


class CaseListOut(Answer):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")  # untranslated: OpenAPI, for developers
    total: int
    total_is_exact: bool = Field(description="False when `total` is the count limit: there are more.")  # untranslated: OpenAPI, for developers


class CaseHead(Answer):
    case_number: str
    status: CaseStatus
    pathway: Pathway
    priority: Priority
    version: int
    border_point: str
    registered_at: datetime
    registered_by: str | None
    assigned_to: str | None
    arrival_date: date | None
    entry_type: str
    circumstances: str
    consent_given: bool
    consent_scope: str | None
    consent_date: date | None
    consent_language: str | None
    fear_of_return_cleared: bool


# Then every detail the workflow records on a case, by its data-dictionary name.
CaseWithDetails = create_model(
    "CaseWithDetails", __base__=CaseHead,
    **{name: (_detail_type(spec) | None, None) for name, spec in DETAILS.items()},  # type: ignore[call-overload]
)


class CaseOut(CaseWithDetails):  # type: ignore[misc,valid-type]
    person: PersonOut
    members: list[MemberOut]
    timeline: list[EventOut]
    allowed_transitions: list[CaseStatus] = Field(
        description="The statuses the caller may move the case to now (guards included)."  # untranslated: OpenAPI, for developers
    )


# --------------------------------------------------------------------------------------------
# Changing cases and people
# --------------------------------------------------------------------------------------------

_transition_details: dict[str, Any] = {
    name: (_detail_type(spec) | None, None) for name, spec in DETAILS.items()
}
TransitionDetails = create_model("TransitionDetails", __base__=Request, **_transition_details)


class TransitionIn(TransitionDetails):  # type: ignore[misc,valid-type]
    """A move: the target status, the version the caller saw, why, and the step's details."""

    to: CaseStatus
    version: int
    reason: Prose(MAX_REASON) | None = None


class PersonPatch(Request):
    """A correction of a person's details: only the fields sent change; `reason` is required."""

    version: int
    reason: Prose(MAX_REASON, min_length=1)
    given_names: Name | None = None
    family_name: Name | None = None
    other_names: Text(400) | None = None
    sex: Sex | None = None
    date_of_birth: date | None = None
    dob_precision: DobPrecision | None = None
    nationality: CountryCode | None = None
    place_of_origin: Text(200) | None = None
    phone: Text(40) | None = None


class PersonPatchOut(Answer):
    person: PersonOut
    changed: list[str]


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


class CountOut(Answer):
    key: str
    cases: int
    people: int


class StatsOut(Answer):
    cases: int
    people: int
    first_day: date | None
    last_day: date | None
    per: str
    series: list[CountOut]
    by_status: list[CountOut]
    by_pathway: list[CountOut]
    by_border_point: list[CountOut]
    by_nationality: list[CountOut]
    by_vulnerability: list[CountOut]
    sex_age_people: dict[str, dict[str, int]]
    sex_age_cases: dict[str, dict[str, int]]
    returns_completed: CountOut
    regularisations_granted: CountOut
    median_days_to_return: float | None
    median_days_to_permit: float | None
    approvals_waiting: int
    overdue_follow_ups: int | None


# --------------------------------------------------------------------------------------------
# Errors (RFC 9457)
# --------------------------------------------------------------------------------------------


class FieldError(Answer):
    field: str = Field(description="The field, as a dotted path (household.0.sex).")  # untranslated: OpenAPI, for developers
    message: str
    code: str


class Problem(Answer):
    """RFC 9457 problem details, with `errors` field by field for validation errors."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    candidates: list[DuplicateCandidate] | None = None


# --------------------------------------------------------------------------------------------
# Query parameters (strings in a URL: read without strict types, unknown names refused)
# --------------------------------------------------------------------------------------------


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseListQuery(Query):
    """The web list's filters (docs/data-dictionary.md), then `cursor` and `limit`."""

    q: Annotated[str, Field(max_length=200, description="Name, case, document or phone number")] | None = None  # untranslated: OpenAPI, for developers
    status: CaseStatus | None = None
    pathway: Pathway | None = None
    border_point: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")] | None = None
    assigned_to: Annotated[str, Field(max_length=80, description="A username, or `none` for nobody")] | None = None  # untranslated: OpenAPI, for developers
    priority: Priority | None = None
    vulnerability: Vulnerability | None = None
    nationality: CountryCode | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    sort: Literal["newest", "oldest", "case_number"] = "newest"
    cursor: Annotated[str, Field(max_length=24, description="`next_cursor` of the previous page")] | None = None  # untranslated: OpenAPI, for developers
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class StatsQuery(Query):
    """The dashboard's filters."""

    border_point: Annotated[str, Field(pattern=r"^[A-Z]{2,8}$")] | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    pathway: Pathway | None = None
    per: Literal["day", "week", "month"] | None = None


class DocumentQuery(Query):
    lang: Annotated[str, Field(pattern=r"^[a-z]{2,3}$", description="Print language (en, fr, sw); default: the person's")] | None = None  # untranslated: OpenAPI, for developers
