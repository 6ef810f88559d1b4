"""Working a case: its next steps, fear of return, assignment, transfer, notes and follow-ups;
the supervisor's queue and the officer's own cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from registry.domain.errors import DomainError, Forbidden, StaleVersion
from registry.domain.i18n import N_
from registry.domain.vocabulary import CaseStatus, Role
from registry.domain.workflow import (
    FEAR_ASSESSED_IN,
    OFFICER_WORK,
    TRANSITIONS,
    Transition,
    available_transitions,
    blocked_reason,
    find_transition,
)
from registry.errors import rerender_on_csrf_error, translated
from registry.extensions import db
from registry.models import Case, CaseEvent
from registry.services import cases as case_service
from registry.services import workflow, worklists
from registry.templating import country_of, label_of, show_date, today
from registry.web.cases import printing
from registry.web.common import actor, audit_here, client_ip
from registry.web.workflow.forms import (
    AssignmentForm,
    ClearFearForm,
    CsrfOnlyForm,
    FearForm,
    FollowUpForm,
    NoteForm,
    TransferForm,
    transition_form,
)
from registry.web.forms import options

bp = Blueprint("workflow", __name__)

# What a request posts beside a move's details.
_NOT_DETAILS = frozenset({"csrf_token", "to", "version", "reason"})


@bp.before_request
def _people_data_is_for_officers_and_supervisors() -> None:
    if not actor().sees_people:
        raise Forbidden(N_("Administrators do not see people's data."))


# --------------------------------------------------------------------------------------------
# The case page
# --------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """A form that was sent and comes back: which one, what was typed, what was wrong."""

    kind: str  # transition, fear, clear_fear, assignment, transfer, note, follow_up
    formdata: MultiDict[str, str]
    to: str | None = None
    field_errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Step:
    transition: Transition
    form: object
    blocked: str | None
    is_open: bool = False


def _is_step_back(transition: Transition, case: Case) -> bool:
    return transition.target == CaseStatus.CLOSED or (
        transition.target == CaseStatus.SCREENING
        and case.status not in (CaseStatus.REGISTERED, CaseStatus.CLOSED)
    )


def _bind(form: object, attempt: Attempt | None, kind: str) -> bool:
    """Put the attempt's field errors on `form` if the attempt was made with it."""
    if attempt is None or attempt.kind != kind:
        return False
    for name, message in attempt.field_errors.items():
        if name in form:  # type: ignore[operator]
            form[name].errors = [_(message)]  # type: ignore[index]
    return True


def _formdata(attempt: Attempt | None, kind: str, to: str | None = None) -> MultiDict[str, str] | None:
    if attempt is not None and attempt.kind == kind and (to is None or attempt.to == to):
        return attempt.formdata
    return None


def _steps(case: Case, attempt: Attempt | None) -> list[Step]:
    user, today_ = actor(), today()
    moves = sorted(available_transitions(case, user, today_), key=lambda t: _is_step_back(t, case))
    steps = []
    for move in moves:
        formdata = _formdata(attempt, "transition", move.target.value)
        form = transition_form(move, case, today_, formdata=formdata)
        step = Step(move, form, blocked_reason(move, case, user, today_))
        if formdata is not None:
            step.is_open = _bind(form, attempt, "transition")
        steps.append(step)
    if not any(step.is_open for step in steps):
        first = next((s for s in steps if not s.blocked and not _is_step_back(s.transition, case)), None)
        if first is not None:
            first.is_open = True
    return steps


def _kept_input(attempt: Attempt) -> list[tuple[str, str]]:
    """What the user typed, as label and value, for an attempt whose form is no longer offered."""
    labels: dict[str, str] = {"reason": _("Why"), "text": _("Note"), "title": _("What to do"),
                              "due_on": _("Due on"), "assigned_to": _("Assign to"),
                              "border_point": _("Transfer to border point"),
                              "fear_of_return": _("Fear of return")}  # fmt: skip
    if attempt.kind == "transition":
        for move in TRANSITIONS:
            if move.target == attempt.to:
                labels.update({spec.name: _(spec.label) for spec in move.fields})
    return [(labels.get(name, name), value) for name, value in attempt.formdata.items()
            if name not in ("csrf_token", "version", "to") and value.strip()]  # fmt: skip


def render_case_page(
    case_number: str,
    *,
    attempt: Attempt | None = None,
    message: str | None = None,
    stale_version: int | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The case page, next step first; with a refused attempt's input and errors when there is one."""
    user = actor()
    case = case_service.open_case(user, case_number, purpose="case_view", ip_address=client_ip())
    if status >= 400:
        # The refused change was rolled back; that this person's data was shown is still recorded.
        db.session.commit()
    today_ = today()
    steps = _steps(case, attempt)

    fear_form = clear_fear_form = assignment_form = transfer_form = None
    if case.status in FEAR_ASSESSED_IN and user.role in OFFICER_WORK:
        fear_form = FearForm(formdata=_formdata(attempt, "fear"))
        _bind(fear_form, attempt, "fear")
        if _formdata(attempt, "fear") is None:
            fear_form.fear_of_return.data = case.fear_of_return
        fear_form.version.data = str(case.version)
        if (user.role == Role.SUPERVISOR and case.fear_of_return in ("yes", "unclear")
                and not case.fear_of_return_cleared):  # fmt: skip
            clear_fear_form = ClearFearForm(formdata=_formdata(attempt, "clear_fear"))
            _bind(clear_fear_form, attempt, "clear_fear")
            clear_fear_form.version.data = str(case.version)
    if user.role == Role.SUPERVISOR:
        assignment_form = AssignmentForm(formdata=_formdata(attempt, "assignment"))
        _bind(assignment_form, attempt, "assignment")
        assignment_form.assigned_to.choices = options(
            [("", _("Nobody"))]
            + [(o.username, o.display_name) for o in workflow.assignable_officers(case)]
        )
        if _formdata(attempt, "assignment") is None:
            assignment_form.assigned_to.data = case.assigned_to.username if case.assigned_to else ""
        assignment_form.version.data = str(case.version)
        targets = workflow.transfer_targets(user, case)
        if targets:
            transfer_form = TransferForm(formdata=_formdata(attempt, "transfer"))
            _bind(transfer_form, attempt, "transfer")
            transfer_form.border_point.choices = options(
                [("", _("Choose…"))] + [(point.code, str(point)) for point in targets]
            )
            transfer_form.version.data = str(case.version)
    note_form = NoteForm(formdata=_formdata(attempt, "note"))
    _bind(note_form, attempt, "note")
    follow_up_form = FollowUpForm(formdata=_formdata(attempt, "follow_up"))
    _bind(follow_up_form, attempt, "follow_up")
    follow_up_form.due_on.render_kw = {**(follow_up_form.due_on.render_kw or {}),
                                       "min": today_.isoformat()}  # fmt: skip

    stale = None
    if stale_version is not None and attempt is not None:
        kept_in_form = any(step.is_open and attempt.kind == "transition" and
                           attempt.to == step.transition.target for step in steps) or (
            attempt.kind != "transition" and {
                "fear": fear_form, "clear_fear": clear_fear_form, "assignment": assignment_form,
                "transfer": transfer_form}.get(attempt.kind) is not None
        )  # fmt: skip
        stale = {
            "changes": workflow.changes_since(case, stale_version),
            "kept_in_form": kept_in_form,
            "kept_input": [] if kept_in_form else _kept_input(attempt),
        }
    page = render_template(
        "cases/show.html",
        case=case,
        today=today_,
        steps=steps,
        fear_form=fear_form,
        clear_fear_form=clear_fear_form,
        assignment_form=assignment_form,
        transfer_form=transfer_form,
        note_form=note_form,
        follow_up_form=follow_up_form,
        notes=workflow.visible_notes(user, case),
        follow_ups=workflow.follow_ups(case),
        message=message,
        stale=stale,
        print_language=printing.print_language(case, request.args.get("lang")),
    )
    return page, status


def _act(case_number: str, attempt: Attempt, call: Callable[[], object], success: str,
         anchor: str = "") -> Response | tuple[str, int]:  # fmt: skip
    """Run one change; on a refusal show the case page again with what was typed."""
    if not CsrfOnlyForm(formdata=attempt.formdata).validate():
        db.session.rollback()
        return render_case_page(case_number, attempt=attempt, status=400, message=_(
            "Your session's security token had expired or was missing. Everything you typed is "
            "still here: check it and send the form again."))  # fmt: skip
    try:
        call()
    except StaleVersion as error:
        db.session.rollback()
        seen = attempt.formdata.get("version", "")
        return render_case_page(case_number, attempt=attempt, message=translated(error), status=409,
                                stale_version=int(seen) if seen.isdigit() else 0)  # fmt: skip
    except DomainError as error:
        if error.http_status != 422:
            raise  # 403 and 404 are answered (and recorded) by the error handler
        db.session.rollback()
        attempt.field_errors = error.fields
        return render_case_page(case_number, attempt=attempt, message=translated(error), status=422)
    flash(success, "success")
    return redirect(url_for("cases.show", case_number=case_number.strip().upper()) + anchor)


@bp.post("/cases/<case_number>/transitions")
@rerender_on_csrf_error
def transition(case_number: str) -> Response | tuple[str, int]:
    form = request.form
    to = form.get("to", "")
    attempt = Attempt("transition", form.copy(), to=to)
    details = {name: value for name, value in form.items() if name not in _NOT_DETAILS}
    return _act(
        case_number,
        attempt,
        lambda: workflow.transition(actor(), case_number, to, form.get("version"), details,
                                    form.get("reason"), today(), ip_address=client_ip()),
        _("The case is now: %(status)s.", status=label_of("status", to)),
    )


@bp.post("/cases/<case_number>/fear-of-return")
@rerender_on_csrf_error
def record_fear(case_number: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        case_number,
        Attempt("fear", form.copy()),
        lambda: workflow.record_fear(actor(), case_number, form.get("version"),
                                     form.get("fear_of_return"), ip_address=client_ip()),
        _("Fear of return recorded."),
    )


@bp.post("/cases/<case_number>/fear-of-return/clear")
@rerender_on_csrf_error
def clear_fear(case_number: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        case_number,
        Attempt("clear_fear", form.copy()),
        lambda: workflow.clear_fear(actor(), case_number, form.get("version"), form.get("reason"),
                                    ip_address=client_ip()),
        _("Fear of return cleared."),
    )


@bp.post("/cases/<case_number>/assignment")
@rerender_on_csrf_error
def assign(case_number: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        case_number,
        Attempt("assignment", form.copy()),
        lambda: workflow.assign(actor(), case_number, form.get("version"), form.get("assigned_to"),
                                ip_address=client_ip()),
        _("Assignment saved."),
        "#assignment",
    )


@bp.post("/cases/<case_number>/transfer")
@rerender_on_csrf_error
def transfer(case_number: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        case_number,
        Attempt("transfer", form.copy()),
        lambda: workflow.transfer(actor(), case_number, form.get("version"),
                                  form.get("border_point"), form.get("reason"),
                                  ip_address=client_ip()),
        _("Case transferred."),
    )


@bp.post("/cases/<case_number>/notes")
@rerender_on_csrf_error
def add_note(case_number: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        case_number,
        Attempt("note", form.copy()),
        lambda: workflow.add_note(actor(), case_number, form.get("text"),
                                  form.get("confidential", "") in ("y", "on", "true", "1"),
                                  ip_address=client_ip()),
        _("Note added."),
        "#notes",
    )


@bp.post("/cases/<case_number>/follow-ups")
@rerender_on_csrf_error
def add_follow_up(case_number: str) -> Response | tuple[str, int]:
    form = request.form
    return _act(
        case_number,
        Attempt("follow_up", form.copy()),
        lambda: workflow.add_follow_up(actor(), case_number, form.get("title"), form.get("due_on"),
                                       today(), ip_address=client_ip()),
        _("Follow-up added."),
        "#follow-ups",
    )


@bp.post("/cases/<case_number>/follow-ups/<int:follow_up_id>/done")
@rerender_on_csrf_error
def complete_follow_up(case_number: str, follow_up_id: int) -> Response | tuple[str, int]:
    return _act(
        case_number,
        Attempt("follow_up_done", request.form.copy()),
        lambda: workflow.complete_follow_up(actor(), case_number, follow_up_id, today(),
                                            ip_address=client_ip()),
        _("Follow-up marked done."),
        "#follow-ups",
    )


# --------------------------------------------------------------------------------------------
# What the timeline says about an event's details
# --------------------------------------------------------------------------------------------


def _show_value(kind: str, name: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if kind == "date" and isinstance(value, str):
        try:
            return show_date(date.fromisoformat(value))
        except ValueError:
            return value
    if kind == "country":
        return country_of(str(value))
    if kind == "choice":
        return label_of(name, str(value))
    if kind == "bool" or isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


@bp.app_template_global()
def event_details(event: CaseEvent) -> list[tuple[str, str]]:
    """An event's details as (label, value) pairs in the reader's language."""
    details = event.details or {}
    if event.kind == "transition" and event.from_status and event.to_status:
        move = find_transition(event.from_status, event.to_status)
        specs = {spec.name: spec for spec in move.fields} if move else {}
        return [
            (_(specs[name].label), _show_value(specs[name].kind, name, value)) if name in specs
            else (name, _show_value("text", name, value))
            for name, value in details.items()
        ]  # fmt: skip
    if event.kind in ("fear_recorded", "fear_cleared"):
        return [(_("Fear of return"), label_of("fear_of_return", details.get("fear_of_return")))]
    if event.kind == "assignment":
        return [(_("Assigned to"), details.get("assigned_to_name") or _("Nobody"))]
    if event.kind == "transfer":
        pairs = [(_("From"), str(details.get("from_border_point"))),
                 (_("To"), str(details.get("to_border_point")))]  # fmt: skip
        if details.get("unassigned"):
            pairs.append((_("No longer assigned to"), str(details["unassigned"])))
        return pairs
    if event.kind in ("follow_up_added", "follow_up_done"):
        return [(_("Follow-up"), str(details.get("title", ""))),
                (_("Due on"), _show_value("date", "due_on", details.get("due_on")))]  # fmt: skip
    return []


# --------------------------------------------------------------------------------------------
# Work lists
# --------------------------------------------------------------------------------------------


@bp.get("/queue")
def queue() -> str:
    user = actor()
    settings = current_app.config["REGISTRY"]
    result = worklists.supervisor_queue(user, today(), datetime.now(UTC), settings.STALE_CASE_DAYS)
    audit_here("queue_view", object_type="case", details={
        section.key: section.total for section in result.sections
    })  # fmt: skip
    return render_template("workflow/queue.html", queue=result, today=today())


@bp.get("/my-cases")
def my_cases() -> str:
    user = actor()
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and len(page) < 8 else 1
    per_page = current_app.config["REGISTRY"].CASES_PER_PAGE
    result = worklists.my_cases(user, today(), number, per_page)
    audit_here("my_cases_view", object_type="case",
               details={"shown": len(result.cases), "overdue": len(result.overdue)})  # fmt: skip
    return render_template("workflow/my_cases.html", result=result, today=today())
