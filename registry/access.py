"""The access matrix: for every endpoint, who may use it and on which records. Consulted on every request.

One row per endpoint (blueprint.view): the roles that may use it, the scope of the records it
touches, and whether it shows a person's data. `enforce()` runs before every view, so a view
cannot forget the check; an endpoint without a row is refused to everyone (and fails the test
that walks app.url_map: tests/web/test_access_matrix.py). To add a page, add its row here.

Order of the answers, as the product brief asks: not logged in -> the login page; a case outside
the user's border points -> 404, checked before the role, the same answer as a case that does not
exist; a role that may not -> 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask import Flask, Response, request
from flask_login import current_user

from registry.domain.errors import Forbidden
from registry.domain.i18n import N_
from registry.domain.vocabulary import Role


class Scope(StrEnum):
    NONE = "none"  # no record, or records the role checks cover (accounts for administrators)
    CASE = "case"  # the URL names a case (<case_number>): it must lie in the user's border points
    BORDER_POINT = "border_point"  # the URL names a border point (<border_point>): one of the user's


EVERYONE = frozenset({"anonymous", *Role})
LOGGED_IN = frozenset(Role)
PEOPLE = frozenset({Role.OFFICER, Role.SUPERVISOR})  # administrators never see people's data
SUPERVISORS = frozenset({Role.SUPERVISOR})
ADMINS = frozenset({Role.ADMIN})
SUPERVISORS_AND_ADMINS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    scope: Scope = Scope.NONE
    # Shows or prints a person's data: a success is always audited (see audit_personal_pages).
    personal: bool = False

    @property
    def public(self) -> bool:
        return "anonymous" in self.roles


def people(scope: Scope = Scope.NONE) -> Rule:
    return Rule(PEOPLE, scope, personal=True)


MATRIX: dict[str, Rule] = {
    # Open to anyone: the login steps, the language switch, the health check, static files.
    "static": Rule(EVERYONE),
    "main.health": Rule(EVERYONE),
    "auth.login": Rule(EVERYONE),
    "auth.set_language": Rule(EVERYONE),
    # The second step of a login: the session holds a password already checked, not a user.
    "auth.two_factor": Rule(EVERYONE),
    # Any account, for itself.
    "main.index": Rule(LOGGED_IN),
    "auth.logout": Rule(LOGGED_IN),
    "account.password": Rule(LOGGED_IN),
    "account.two_factor": Rule(SUPERVISORS_AND_ADMINS),
    "account.disable_two_factor": Rule(SUPERVISORS_AND_ADMINS),
    "account.language": Rule(LOGGED_IN),
    # People's data: officers and supervisors, within their border points.
    "registrations.new": people(),
    "cases.index": people(),
    "cases.export_csv": people(),
    "cases.export_xlsx": people(),
    # Figures only, no person's data; scoped to the supervisor's border points by its service.
    "dashboard.index": Rule(SUPERVISORS),
    "cases.show": people(Scope.CASE),
    "cases.summary_pdf": people(Scope.CASE),
    "cases.slip_pdf": people(Scope.CASE),
    "cases.declaration_pdf": people(Scope.CASE),
    "cases.verify": people(Scope.CASE),
    # Batches and manifests check each case's border point in their services.
    "cases.sheets_pdf": people(),
    "manifests.index": people(),
    "manifests.pdf": people(Scope.BORDER_POINT),
    # The case's workflow: the transition table decides which role may make which move (403).
    "workflow.transition": people(Scope.CASE),
    "workflow.record_fear": people(Scope.CASE),
    "workflow.clear_fear": Rule(SUPERVISORS, Scope.CASE, personal=True),
    "workflow.assign": Rule(SUPERVISORS, Scope.CASE, personal=True),
    "workflow.transfer": Rule(SUPERVISORS, Scope.CASE, personal=True),
    "workflow.add_note": people(Scope.CASE),
    "workflow.add_follow_up": people(Scope.CASE),
    "workflow.complete_follow_up": people(Scope.CASE),
    "workflow.queue": Rule(SUPERVISORS, personal=True),
    "workflow.my_cases": people(),
    "rights.personal_data": people(Scope.CASE),
    "rights.correct": people(Scope.CASE),
    "rights.transfers": people(Scope.CASE),
    "rights.approve_transfer": Rule(SUPERVISORS, Scope.CASE, personal=True),
    # The household after registration; the photo only through its own audited route.
    "household.add_member": people(Scope.CASE),
    "household.split_member": people(Scope.CASE),
    "household.vulnerabilities": people(Scope.CASE),
    "household.documents": people(Scope.CASE),
    "household.remove_document": people(Scope.CASE),
    "household.photo": people(Scope.CASE),
    "household.upload_photo": people(Scope.CASE),
    "household.history": people(Scope.CASE),
    "household.raise_priority": Rule(SUPERVISORS, Scope.CASE, personal=True),
    # Suspected duplicates: a supervisor holding both people's border points resolves them.
    "duplicates.review": Rule(SUPERVISORS, personal=True),
    "duplicates.not_duplicate": Rule(SUPERVISORS, personal=True),
    "duplicates.merge": Rule(SUPERVISORS, personal=True),
    "duplicates.undo_merge": Rule(SUPERVISORS, personal=True),
    # Accountability: supervisors read a case's access history, administrators search the log.
    "audit.case_history": Rule(SUPERVISORS, Scope.CASE, personal=True),
    "audit.search": Rule(ADMINS),
    # Administration: accounts, border points, reference lists; never people's data.
    "admin.index": Rule(ADMINS),
    "admin.new_user": Rule(ADMINS),
    "admin.edit_user": Rule(ADMINS),
    "admin.reset_password": Rule(ADMINS),
    "admin.deactivate_user": Rule(ADMINS),
    "admin.reactivate_user": Rule(ADMINS),
    "admin.new_border_point": Rule(ADMINS),
    "admin.edit_border_point": Rule(ADMINS),
    "admin.new_partner": Rule(ADMINS),
    "admin.edit_partner": Rule(ADMINS),
}

PUBLIC_ENDPOINTS = frozenset(endpoint for endpoint, rule in MATRIX.items() if rule.public)
# What an account that must change its temporary password may still reach.
PASSWORD_CHANGE_ENDPOINTS = PUBLIC_ENDPOINTS | {"account.password", "auth.logout"}


def rule_for(endpoint: str | None) -> Rule | None:
    return MATRIX.get(endpoint or "")


def enforce() -> Response | None:
    """Before every view: the login, then the record's scope, then the role."""
    from registry.security import redirect_to_login, redirect_to_password_change

    endpoint = request.endpoint
    if endpoint is None:  # an unknown URL or method: 404 or 405 for everyone, never a hint
        return None
    rule = rule_for(endpoint)
    if rule is not None and rule.public:
        return None
    if not current_user.is_authenticated:
        return redirect_to_login()
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect_to_password_change()
    if rule is None:
        # Deny by default: a page added without its row in the matrix is refused to everyone.
        raise Forbidden(N_("You may not do this."))
    user = current_user._get_current_object()
    if rule.scope is Scope.CASE and user.sees_people:
        from registry.services.cases import require_in_scope

        require_in_scope(user, str((request.view_args or {}).get("case_number", "")))
    if rule.scope is Scope.BORDER_POINT and user.sees_people:
        from registry.services.printing import border_point_in_scope

        border_point_in_scope(user, str((request.view_args or {}).get("border_point", "")))
    if user.role not in rule.roles:
        raise Forbidden(N_("You may not do this."))
    return None


def audit_personal_pages(response: Response) -> Response:
    """A page showing a person's data that its view forgot to record is recorded here."""
    from registry.services import audit

    rule = rule_for(request.endpoint)
    if (rule is None or not rule.personal or request.method != "GET"
            or response.status_code >= 400 or not current_user.is_authenticated):  # fmt: skip
        return response
    if audit.recorded_count() == 0:
        case_number = (request.view_args or {}).get("case_number")
        audit.record("page_view", actor=current_user._get_current_object(),
                     object_type="case" if case_number else "page",
                     object_id=case_number or request.endpoint,
                     ip_address=request.remote_addr,
                     details={"endpoint": request.endpoint or ""})  # fmt: skip
    return response


def init_app(app: Flask) -> None:
    """Bound last, so that its after-request hook runs before the request's commit."""
    app.after_request(audit_personal_pages)


def describe() -> list[tuple[str, str, str, str]]:
    """The matrix as rows of text (endpoint, roles, scope, personal data): for the docs and CLI."""
    rows = []
    for endpoint, rule in sorted(MATRIX.items()):
        roles = "everyone" if rule.public else ", ".join(sorted(rule.roles))
        rows.append((endpoint, roles, rule.scope.value, "yes" if rule.personal else ""))
    return rows
