"""Domain errors; the web and the API turn each into its answer (404, 409, 403, 422)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the rules make. `http_status` is how the web answers it."""

    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        # `message` and the values of `fields` are untranslated templates marked with N_();
        # the web and the API translate them and fill in `params` (%(name)s placeholders).
        super().__init__(message % params if params else message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})
        self.params: dict[str, object] = dict(params or {})


class NotFound(DomainError):
    """The record does not exist or lies outside the user's scope (never a hint which)."""

    http_status = 404


class StaleVersion(DomainError):
    """Someone changed the record since the user opened it."""

    http_status = 409


class Forbidden(DomainError):
    """The user's role may not do this."""

    http_status = 403


class NotAllowed(DomainError):
    """Not possible from the record's current state."""

    http_status = 422


class InvalidDetails(DomainError):
    """A required detail is missing or invalid; `fields` names each one."""

    http_status = 422


class GuardRefused(DomainError):
    """A rule that protects the person refuses the move (fear of return, child, four eyes)."""

    http_status = 422


class TooManyAttempts(DomainError):
    """Too many failed logins for this account (or from this address) within the window."""

    http_status = 429


class PossibleDuplicates(DomainError):
    """The people being registered may be registered already: the officer must look first.

    `candidates` holds, for each person of the household in order, the candidates not yet
    acknowledged (services.duplicates.Candidate).
    """

    http_status = 422

    def __init__(self, message: str, *, candidates: list[list[object]]) -> None:
        super().__init__(message)
        self.candidates = candidates
