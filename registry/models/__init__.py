"""SQLAlchemy 2.0 typed models, one file per aggregate."""

from registry.models.audit import AuditChainHead, AuditEntry
from registry.models.base import Base
from registry.models.border_point import BorderPoint
from registry.models.case import Case, CaseEvent, CaseMember, CaseSequence
from registry.models.login import FailedLogin
from registry.models.person import IdentityDocument, Person, PersonVulnerability
from registry.models.transfer import DataTransfer, Partner
from registry.models.user import User, user_border_point
from registry.models.workflow import CaseNote, FollowUp

__all__ = [
    "AuditChainHead",
    "AuditEntry",
    "Base",
    "BorderPoint",
    "Case",
    "CaseEvent",
    "CaseMember",
    "CaseNote",
    "CaseSequence",
    "DataTransfer",
    "FailedLogin",
    "FollowUp",
    "IdentityDocument",
    "Partner",
    "Person",
    "PersonVulnerability",
    "User",
    "user_border_point",
]
