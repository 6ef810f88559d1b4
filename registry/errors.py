"""Every failure answers with a page in the user's language: never a stack trace.

Also the request's one transaction: committed when the answer is a success, rolled back otherwise.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, render_template, request
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from registry.api import problems
from registry.api.auth import TokenRefused, is_api_request
from registry.domain.errors import DomainError, Forbidden, NotFound
from registry.domain.i18n import N_
from registry.extensions import db, rate_limit_window
from registry.services import audit

log = logging.getLogger(__name__)

TITLES = {
    400: N_("The request could not be understood"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("This record changed since you opened it"),
    413: N_("What you sent is too large"),
    422: N_("This cannot be done now"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
}


def translated(error: DomainError) -> str:
    message = gettext(error.message)
    return message % error.params if error.params else message


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    title = gettext(TITLES.get(status, TITLES[500]))
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _record_refusal(error: DomainError) -> None:
    """A refusal of access is itself worth recording; it survives the rollback."""
    db.session.rollback()
    if current_user.is_authenticated:
        audit.record(
            "access_refused" if isinstance(error, NotFound) else "permission_refused",
            actor=current_user._get_current_object(),
            object_type="path",
            object_id=request.path[:40],
            ip_address=request.remote_addr,
            details={"endpoint": request.endpoint or ""},
        )
        db.session.commit()


def init_app(app: Flask) -> None:
    @app.after_request
    def _finish_transaction(response: Response) -> Response:
        if response.status_code < 400:
            if db.session().info.get(audit.SNAPSHOT):
                audit.commit_snapshot(db.session())
            else:
                db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str, int] | Response:
        if isinstance(error, (NotFound, Forbidden)):
            _record_refusal(error)
        else:
            db.session.rollback()
        if is_api_request():
            return problems.from_domain_error(error)
        return render_error(error.http_status, translated(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int] | Response:
        # A form whose view knows how to show itself again comes back with what was typed.
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and getattr(view, "rerender_on_csrf_error", False):
            response = app.make_response(view(**(request.view_args or {})))
            response.status_code = 400
            return response
        return render_error(400, gettext(
            "The form had expired or was sent from elsewhere. Go back, reload the page and send it again."
        ))  # fmt: skip

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException | Response:
        if error.code is not None and error.code < 400:  # routing redirects
            return error
        if is_api_request():
            return _api_http_error(error)
        page, status = render_error(error.code or 500)
        response = Response(page, status, mimetype="text/html")
        if status == 429:
            _say_when_to_retry(response)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int] | Response:
        log.exception("unhandled error on %s", request.path)
        db.session.rollback()
        message = gettext("The error has been logged. Nothing you sent was saved.")
        if is_api_request():
            return problems.problem(500, message)
        return render_error(500, message)


def _say_when_to_retry(response: Response) -> None:
    """Retry-After on a page refused by a rate limit: the seconds until its window ends. Asked of
    the limits' storage only here, never on a page served. No header for a refusal by the
    application itself (a throttled login), or when the storage did not answer: the page says to
    wait."""
    window = rate_limit_window()
    if window is None:
        return
    _, _, reset_at = window
    response.headers["Retry-After"] = str(max(1, int(reset_at - time.time()) + 1))


def _api_http_error(error: HTTPException) -> Response:
    """The API's answer to a refused token, an unknown URL, a body too large, a rate limit..."""
    db.session.rollback()
    status = error.code or 500
    detail = None
    if isinstance(error, TokenRefused):
        # Like a failed login: recorded, so that someone trying tokens is seen.
        audit.record("api_token_refused", actor=None, object_type="path", object_id=request.path[:40],
                     ip_address=request.remote_addr, details={"reason": error.reason})  # fmt: skip
        db.session.commit()
        detail = gettext("Send a valid token: Authorization: Bearer <token>. It may have been "
                         "revoked or have expired.")  # fmt: skip
    elif status == 413:
        detail = gettext("The body is larger than the API accepts (%(size)s bytes).",
                         size=request.max_content_length)  # fmt: skip
    elif status == 429:
        detail = gettext("Too many requests with this token: wait a minute and try again.")
    response = problems.problem(status, detail)
    if status == 405 and isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def rerender_on_csrf_error(view):  # type: ignore[no-untyped-def]
    """Mark a form view: on a refused CSRF token it is called again to show the form with its input."""
    view.rerender_on_csrf_error = True
    return view
