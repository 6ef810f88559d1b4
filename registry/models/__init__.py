"""SQLAlchemy 2.0 typed models, one file per aggregate."""

from registry.models.audit import AuditEntry
from registry.models.base import Base
from registry.models.border_point import BorderPoint
from registry.models.case import Case, CaseEvent, CaseMember, CaseSequence
from registry.models.figures import DailyFigure, DailyFigureBasis, DailyFigureStale, MonthlyFigure
from registry.models.person import IdentityDocument, Person, PersonNameToken, PersonVulnerability
from registry.models.user import User, user_border_point

__all__ = [
    "AuditEntry",
    "Base",
    "BorderPoint",
    "Case",
    "CaseEvent",
    "CaseMember",
    "CaseSequence",
    "DailyFigure",
    "DailyFigureBasis",
    "DailyFigureStale",
    "IdentityDocument",
    "MonthlyFigure",
    "Person",
    "PersonNameToken",
    "PersonVulnerability",
    "User",
    "user_border_point",
]
