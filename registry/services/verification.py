"""Print issues and their verification: the code in each printed document's QR link.

Every printed document of a case (summary, slip, declaration) is recorded as a print issue
with a random code. The QR code holds `/v/<case_number>/<code>`: no personal data, nothing a
printout could be forged from, and nothing derived from a key, so printouts still verify
after the secret key is rotated. Scanning it tells a logged-in user allowed to see the case
which document it is, when and by whom it was printed, and whether a newer issue of that
document was printed since (a slip replaced, a declaration printed again).
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from registry.domain.errors import NotFound
from registry.domain.i18n import N_
from registry.extensions import db
from registry.models import Case, PrintIssue, User
from registry.services import audit
from registry.services import cases as case_service

# The person's copy of their data (the right of access) is verifiable like the others.
DOCUMENTS = ("summary", "slip", "declaration", "personal_data")
# 16 base32 characters: 80 random bits.
CODE = re.compile(r"^[a-z2-7]{16}$")


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def issue(actor: User, case: Case, document: str, language: str) -> PrintIssue:
    """Record that `document` of `case` is being printed; its code goes into the QR link."""
    if document not in DOCUMENTS:
        raise ValueError(f"unknown document {document!r}")
    printed = PrintIssue(code=new_code(), case_id=case.id, document=document, language=language,
                         issued_by=actor)
    audit.add_after_reading(printed)
    return printed


@dataclass(frozen=True)
class Verification:
    """What a scanned code proves: this issue, and the latest issue of the same document."""

    case: Case
    issue: PrintIssue
    latest: PrintIssue

    @property
    def is_latest(self) -> bool:
        return self.issue.id == self.latest.id


def verify(actor: User, case_number: str, code: str, *, ip_address: str | None) -> Verification:
    """The print issue a QR code names, if the case is among the actor's border points.

    NotFound for a case outside them (the same answer as for a case that does not exist) and
    for a code that was never issued for this case. The scan is recorded.
    """
    case = case_service.get_case(actor, case_number)
    code = code.strip().lower()
    printed = None
    if CODE.fullmatch(code):
        printed = db.session.scalar(
            select(PrintIssue).where(PrintIssue.code == code, PrintIssue.case_id == case.id))
    if printed is None:
        raise NotFound(N_("This verification code does not match any printed document of "
                          "case %(case_number)s."), params={"case_number": case.case_number})
    latest = db.session.scalar(
        select(PrintIssue)
        .where(PrintIssue.case_id == case.id, PrintIssue.document == printed.document)
        .order_by(PrintIssue.id.desc())
        .limit(1)
    )
    verification = Verification(case, printed, latest or printed)
    case_service.record_view(actor, case, purpose="verify_print", ip_address=ip_address,
                             details={"document": printed.document,
                                      "latest": verification.is_latest})
    return verification
