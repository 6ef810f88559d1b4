"""SQLAlchemy 2.0 typed models, one file per aggregate."""

from registry.models.api import ApiToken, IdempotentRequest
from registry.models.audit import AuditChainHead, AuditEntry
from registry.models.base import Base
from registry.models.border_point import BorderPoint
from registry.models.case import Case, CaseEvent, CaseMember, CaseNameToken, CaseSequence
from registry.models.duplicate import DuplicatePair, DuplicateStatus, PersonMerge
from registry.models.figures import DailyFigure, DailyFigureBasis, DailyFigureStale, MonthlyFigure
from registry.models.login import FailedLogin
from registry.models.person import (
    IdentityDocument,
    Person,
    PersonChange,
    PersonMatchKey,
    PersonNameToken,
    PersonVulnerability,
)
from registry.models.printing import PrintIssue
from registry.models.transfer import DataTransfer, Partner
from registry.models.user import User, user_border_point
from registry.models.workflow import CaseNote, FollowUp

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEntry",
    "Base",
    "BorderPoint",
    "Case",
    "CaseEvent",
    "CaseMember",
    "CaseNameToken",
    "CaseNote",
    "CaseSequence",
    "DailyFigure",
    "DailyFigureBasis",
    "DailyFigureStale",
    "DataTransfer",
    "DuplicatePair",
    "DuplicateStatus",
    "FailedLogin",
    "FollowUp",
    "IdempotentRequest",
    "IdentityDocument",
    "MonthlyFigure",
    "Partner",
    "Person",
    "PersonChange",
    "PersonMatchKey",
    "PersonMerge",
    "PersonNameToken",
    "PersonVulnerability",
    "PrintIssue",
    "User",
    "user_border_point",
]
