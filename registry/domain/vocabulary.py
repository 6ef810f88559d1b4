"""The coded values of the data dictionary (docs/data-dictionary.md): names are a contract."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class DobPrecision(StrEnum):
    EXACT = "exact"
    YEAR = "year"
    ESTIMATED = "estimated"


class EntryType(StrEnum):
    REGULAR = "regular"
    IRREGULAR = "irregular"
    UNKNOWN = "unknown"


class Circumstances(StrEnum):
    INTERCEPTED = "intercepted"
    EXPELLED = "expelled"
    SELF_PRESENTED = "self_presented"
    REFERRED = "referred"
    OTHER = "other"


class DocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    LAISSEZ_PASSER = "laissez_passer"
    BIRTH_CERTIFICATE = "birth_certificate"
    REFUGEE_ID = "refugee_id"
    RESIDENCE_PERMIT = "residence_permit"
    OTHER = "other"


class Vulnerability(StrEnum):
    UNACCOMPANIED_CHILD = "unaccompanied_child"
    SEPARATED_CHILD = "separated_child"
    SINGLE_PARENT = "single_parent"
    ELDERLY_AT_RISK = "elderly_at_risk"
    DISABILITY = "disability"
    SERIOUS_MEDICAL_CONDITION = "serious_medical_condition"
    PREGNANT_OR_LACTATING = "pregnant_or_lactating"
    GBV_SURVIVOR = "gbv_survivor"
    TRAFFICKING_VICTIM = "trafficking_victim"
    TORTURE_SURVIVOR = "torture_survivor"
    WOMAN_AT_RISK = "woman_at_risk"


CHILD_ALONE = frozenset({Vulnerability.UNACCOMPANIED_CHILD, Vulnerability.SEPARATED_CHILD})


class Relationship(StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class CaseStatus(StrEnum):
    REGISTERED = "registered"
    SCREENING = "screening"
    RETURN_REQUESTED = "return_requested"
    RETURN_APPROVED = "return_approved"
    TRAVEL_READY = "travel_ready"
    DEPARTED = "departed"
    RETURNED = "returned"
    REGULARISATION_REQUESTED = "regularisation_requested"
    APPLICATION_SUBMITTED = "application_submitted"
    REGULARISED = "regularised"
    REFUSED = "refused"
    REFERRED = "referred"
    CLOSED = "closed"


class Pathway(StrEnum):
    UNDECIDED = "undecided"
    VOLUNTARY_RETURN = "voluntary_return"
    REGULARISATION = "regularisation"
    REFERRAL = "referral"


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class FearOfReturn(StrEnum):
    NO = "no"
    YES = "yes"
    UNCLEAR = "unclear"


class ClosureReason(StrEnum):
    RETURNED = "returned"
    REGULARISED = "regularised"
    REFERRED = "referred"
    WITHDRAWN = "withdrawn"
    LOST_CONTACT = "lost_contact"
    DECEASED = "deceased"
    DUPLICATE = "duplicate"
    OTHER = "other"


class BidOutcome(StrEnum):
    """Outcome of a best-interests determination for a child without an adult."""

    RETURN = "return"
    STAY = "stay"
    OTHER = "other"


# ICAO codes accepted as nationality beside ISO 3166-1 alpha-3.
STATELESS = "XXA"
UNKNOWN_NATIONALITY = "XXX"
