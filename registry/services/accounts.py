"""Accounts, border points and partners: creation, authentication, throttling, passwords, deactivation."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, text

from registry.domain import passwords as policy
from registry.domain import two_factor
from registry.domain.errors import Forbidden, InvalidDetails, TooManyAttempts
from registry.domain.i18n import N_
from registry.domain.reference import is_country
from registry.domain.vocabulary import CaseStatus, Role
from registry.extensions import db
from registry.models import BorderPoint, Case, FailedLogin, Partner, User
from registry.models.base import READ_ONLY, utcnow
from registry.services import audit
from registry.services.passwords import hash_password, verify_password

BORDER_POINT_CODE = re.compile(r"^[A-Z]{2,8}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD_LENGTH = policy.MIN_LENGTH
PARTNER_KINDS = ("protection_agency", "un_agency", "ngo", "government", "health", "other")
# No 0/o, 1/l/i: a temporary password is read aloud or copied from a screen.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class LoginLimits:
    per_account: int = 5
    per_address: int = 50
    window_seconds: int = 60


# --- Border points and partners -------------------------------------------------------------------


def add_border_point(code: str, name: str, country: str, region: str | None = None, *,
                     active: bool = True, actor: User | None = None) -> BorderPoint:  # fmt: skip
    """Add a border point, or update the one with this code."""
    code = code.strip().upper()
    country = country.strip().upper()
    if not BORDER_POINT_CODE.match(code):
        raise InvalidDetails(N_("A border point code is 2 to 8 letters, e.g. MNY."),
                             fields={"code": N_("A border point code is 2 to 8 letters, e.g. MNY.")})  # fmt: skip
    if not name.strip():
        raise InvalidDetails(N_("A border point needs a name."),
                             fields={"name": N_("A border point needs a name.")})  # fmt: skip
    if not is_country(country):
        raise InvalidDetails(N_("Unknown country code: %(code)s."), params={"code": country},
                             fields={"country": N_("Choose a country from the list.")})  # fmt: skip
    point = db.session.scalar(select(BorderPoint).where(BorderPoint.code == code))
    if point is None:
        point = BorderPoint(code=code, name=name.strip(), country=country, region=region, active=active)
        db.session.add(point)
        action, changed = "border_point_created", ["code", "name", "country", "region", "active"]
    else:
        point.name, point.country, point.region, point.active = name.strip(), country, region, active
        action, changed = "border_point_updated", audit.changed_fields(point)
    db.session.flush()
    audit.record(action, actor=actor, object_type="border_point", object_id=point.code,
                 details={"fields": changed})  # fmt: skip
    return point


def save_partner(actor: User, partner: Partner | None, *, name: str, kind: str,
                 agreement_reference: str | None, active: bool = True) -> Partner:  # fmt: skip
    name = name.strip()
    if not name:
        raise InvalidDetails(N_("A partner needs a name."), fields={"name": N_("A partner needs a name.")})
    if kind not in PARTNER_KINDS:
        raise InvalidDetails(N_("Choose the kind of organisation."),
                             fields={"kind": N_("Choose the kind of organisation.")})  # fmt: skip
    same_name = db.session.scalar(select(Partner).where(func.lower(Partner.name) == name.lower()))
    if same_name is not None and same_name is not partner:
        raise InvalidDetails(N_("A partner of this name exists already."),
                             fields={"name": N_("A partner of this name exists already.")})  # fmt: skip
    created = partner is None
    if partner is None:
        partner = Partner(name=name, kind=kind)
        db.session.add(partner)
    partner.name, partner.kind, partner.active = name, kind, active
    partner.agreement_reference = (agreement_reference or "").strip() or None
    changed = ["name", "kind", "agreement_reference", "active"] if created else audit.changed_fields(partner)
    db.session.flush()
    audit.record("partner_created" if created else "partner_updated", actor=actor,
                 object_type="partner", object_id=partner.id, details={"fields": changed})  # fmt: skip
    return partner


# --- Accounts -----------------------------------------------------------------------------------


def check_password(password: str, username: str = "") -> None:
    found = policy.problems(password, username)
    if found:
        raise InvalidDetails(found[0], fields={"password": found[0]})


def temporary_password() -> str:
    """Four groups of four characters: about 79 bits, easy to read out."""
    chars = "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(16))
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def _border_points(codes: list[str] | tuple[str, ...]) -> list[BorderPoint]:
    points = []
    for code in codes:
        point = db.session.scalar(select(BorderPoint).where(BorderPoint.code == code.strip().upper()))
        if point is None:
            raise InvalidDetails(N_("Unknown border point: %(code)s."), params={"code": code},
                                 fields={"border_points": N_("Choose border points from the list.")})  # fmt: skip
        points.append(point)
    return points


def _check_role_and_points(role: str, codes: list[str] | tuple[str, ...], all_border_points: bool) -> None:
    if role not in set(Role):
        raise InvalidDetails(N_("Unknown role: %(role)s."), params={"role": role},
                             fields={"role": N_("Choose a role.")})  # fmt: skip
    if all_border_points and role != Role.SUPERVISOR:
        message = N_("Only a supervisor can hold every border point.")
        raise InvalidDetails(message, fields={"all_border_points": message})
    if role != Role.ADMIN and not codes and not all_border_points:
        message = N_("An officer or supervisor needs at least one border point.")
        raise InvalidDetails(message, fields={"border_points": message})
    if role == Role.ADMIN and codes:
        message = N_("An administrator holds no border point: administrators see no people's data.")
        raise InvalidDetails(message, fields={"border_points": message})


def create_user(
    username: str,
    password: str,
    role: str,
    border_point_codes: list[str] | tuple[str, ...] = (),
    *,
    all_border_points: bool = False,
    full_name: str = "",
    locale: str | None = None,
    temporary: bool = False,
    actor: User | None = None,
) -> User:
    """Create an account. A temporary password must be changed at the first login."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        message = N_("A username is 2 to 80 lower-case letters, digits, dots, dashes or underscores.")
        raise InvalidDetails(message, fields={"username": message})
    _check_role_and_points(role, border_point_codes, all_border_points)
    check_password(password, username)
    points = _border_points(border_point_codes)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidDetails(N_("This username is taken."), fields={"username": N_("This username is taken.")})
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        all_border_points=all_border_points,
        full_name=full_name.strip(),
        locale=locale,
        border_points=points,
        must_change_password=temporary,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", actor=actor, object_type="user", object_id=user.id,
                 details={"role": role, "temporary_password": temporary})  # fmt: skip
    return user


def update_user(actor: User, user: User, *, role: str, full_name: str,
                border_point_codes: list[str] | tuple[str, ...], all_border_points: bool) -> list[str]:  # fmt: skip
    """Change an account's role, name and border points; returns the names of what changed."""
    _check_role_and_points(role, border_point_codes, all_border_points)
    if user.id == actor.id and role != user.role:
        raise Forbidden(N_("You cannot change your own role."))
    points = _border_points(border_point_codes)
    before = [point.code for point in user.border_points]
    user.role, user.full_name, user.all_border_points = role, full_name.strip(), all_border_points
    changed = audit.changed_fields(user)
    if sorted(point.code for point in points) != sorted(before):
        user.border_points = points
        changed.append("border_points")
    db.session.flush()
    audit.record("user_updated", actor=actor, object_type="user", object_id=user.id,
                 details={"fields": changed})  # fmt: skip
    return changed


def reset_password(actor: User | None, user: User) -> str:
    """Give the account a new temporary password; its sessions end. Returns the password, shown once."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.end_sessions()
    db.session.flush()
    audit.record("password_reset", actor=actor, object_type="user", object_id=user.id)
    return password


def set_password(user: User, password: str, *, temporary: bool, actor: User | None = None) -> None:
    """Set a password given on the command line (temporary or not); the account's sessions end."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.password_changed_at = utcnow()
    user.end_sessions()
    db.session.flush()
    audit.record("password_reset" if temporary else "password_set", actor=actor,
                 object_type="user", object_id=user.id)  # fmt: skip


def change_password(user: User, current: str, new: str, ip_address: str | None) -> None:
    """The account's own change. Every other session of the account ends."""
    if not verify_password(user.password_hash, current):
        message = N_("The current password is wrong.")
        raise InvalidDetails(message, fields={"current_password": message})
    if current == new:
        message = N_("Choose a password different from the current one.")
        raise InvalidDetails(message, fields={"password": message})
    check_password(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    user.end_sessions()
    db.session.flush()
    audit.record("password_changed", actor=user, object_type="user", object_id=user.id,
                 ip_address=ip_address)  # fmt: skip


def open_cases_of(user: User) -> list[Case]:
    """The cases assigned to the account and not closed: to reassign when it is deactivated."""
    return list(db.session.scalars(
        select(Case).where(Case.assigned_to_id == user.id, Case.status != CaseStatus.CLOSED)
        .order_by(Case.case_number)
    ))  # fmt: skip


def deactivate(actor: User | None, user: User) -> list[Case]:
    """The account can no longer log in; its sessions end at once. Returns its open cases."""
    if actor is not None and user.id == actor.id:
        raise Forbidden(N_("You cannot deactivate your own account."))
    user.active = False
    user.deactivated_at = utcnow()
    user.end_sessions()
    db.session.flush()
    audit.record("user_deactivated", actor=actor, object_type="user", object_id=user.id)
    return open_cases_of(user)


def reactivate(actor: User, user: User) -> str:
    """Active again, with a new temporary password (the old one may have leaked)."""
    user.active = True
    user.deactivated_at = None
    audit.record("user_reactivated", actor=actor, object_type="user", object_id=user.id)
    return reset_password(actor, user)


# --- Logging in ---------------------------------------------------------------------------------


def _since(limits: LoginLimits):  # type: ignore[no-untyped-def]
    return utcnow() - timedelta(seconds=limits.window_seconds)


def _serialise_attempts(username: str) -> None:
    """On PostgreSQL, attempts on one account are counted one at a time (SQLite: one writer anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": username})


def _failures(reader: Any, username: str, ip_address: str | None, limits: LoginLimits) -> tuple[int, int]:
    """Failed attempts within the window, on this account and from this address."""
    since = _since(limits)
    per_account = reader.scalar(
        select(func.count()).select_from(FailedLogin)
        .where(FailedLogin.username == username, FailedLogin.at >= since)
    ) or 0  # fmt: skip
    per_address = 0
    if ip_address:
        per_address = reader.scalar(
            select(func.count()).select_from(FailedLogin)
            .where(FailedLogin.ip_address == ip_address, FailedLogin.at >= since)
        ) or 0  # fmt: skip
    return per_account, per_address


def _refuse_if_throttled(username: str, ip_address: str | None, limits: LoginLimits) -> None:
    per_account, per_address = _failures(db.session, username, ip_address, limits)
    if per_account >= limits.per_account or per_address >= limits.per_address:
        audit.record("login_throttled", actor=None, actor_username=username, ip_address=ip_address,
                     details={"by": "account" if per_account >= limits.per_account else "address"})  # fmt: skip
        raise TooManyAttempts(N_("Too many failed attempts. Wait a minute, then try again."))


def _count_failure(username: str, ip_address: str | None, reason: str) -> None:
    db.session.add(FailedLogin(username=username, ip_address=ip_address))
    # The table only serves the throttle: what is a day old is of no use any more.
    db.session.execute(delete(FailedLogin).where(FailedLogin.at < utcnow() - timedelta(days=1)))
    audit.record("login_failed", actor=None, actor_username=username, ip_address=ip_address,
                 details={"step": reason})  # fmt: skip


def _password_matches(name: str, password: str, ip_address: str | None, limits: LoginLimits) -> str | None:
    """Check the password before the transaction that counts the attempt begins: the hash it
    matched, "" when it did not, None when the attempt is throttled and was not checked.

    The hash is slow on purpose (argon2). On SQLite that transaction holds the database's one
    write lock, so hashing inside it made every officer's request wait behind every login: 500
    logins at once kept the registry locked for minutes. Read from a snapshot, no lock is held;
    an account or address already throttled is not hashed at all (the transaction refuses it).
    """
    with db.engine.connect().execution_options(**{READ_ONLY: True}) as snapshot:
        per_account, per_address = _failures(snapshot, name, ip_address, limits)
        password_hash = snapshot.scalar(select(User.password_hash).where(User.username == name))
        snapshot.rollback()
    if per_account >= limits.per_account or per_address >= limits.per_address:
        return None
    return password_hash if verify_password(password_hash, password) else ""


def authenticate(username: str, password: str, ip_address: str | None,
                 limits: LoginLimits = LoginLimits()) -> User | None:  # fmt: skip
    """The active user with these credentials, or None; TooManyAttempts when throttled.

    Failures are counted per account and per address, in the database so that every worker
    agrees. Throttling one account never locks out another.
    """
    name = username.strip().lower()[:80]
    matched = _password_matches(name, password, ip_address, limits)
    _serialise_attempts(name)
    _refuse_if_throttled(name, ip_address, limits)
    user = db.session.scalar(select(User).where(User.username == name))
    if matched is None:  # the throttle's window ended in between: checked here, rarely
        matched = user.password_hash if user and verify_password(user.password_hash, password) else ""
    # A password changed in between is the new one: the hash checked must still be the account's.
    valid = bool(matched) and user is not None and user.password_hash == matched
    if user is None or not valid or not user.active:
        _count_failure(name, ip_address, "password")
        return None
    if not user.totp_enabled:
        complete_login(user, ip_address)
    return user


def verify_second_factor(user: User, code: str, ip_address: str | None,
                         limits: LoginLimits = LoginLimits()) -> bool:  # fmt: skip
    """The login's second step: a TOTP code never used before. Failures count like passwords'."""
    _serialise_attempts(user.username)
    _refuse_if_throttled(user.username, ip_address, limits)
    step = two_factor.matching_step(user.totp_secret or "", code, user.totp_last_step)
    if step is None:
        _count_failure(user.username, ip_address, "second_factor")
        return False
    user.totp_last_step = step
    complete_login(user, ip_address)
    return True


def complete_login(user: User, ip_address: str | None) -> None:
    user.last_login_at = utcnow()
    audit.record("login", actor=user, ip_address=ip_address)
    return user


def set_language(actor: User, locale: str | None, offered: tuple[str, ...] | list[str],
                 ip_address: str | None = None) -> None:
    """The language the actor's interface is shown in; None follows the browser's."""
    if locale is not None and locale not in offered:
        raise InvalidDetails(N_("This language is not offered: %(code)s."),
                             params={"code": str(locale)[:10]})  # fmt: skip
    actor.locale = locale
    audit.record("language_changed", actor=actor, object_type="user", object_id=actor.id,
                 ip_address=ip_address, details={"locale": locale})  # fmt: skip


# --- The second factor --------------------------------------------------------------------------


def enable_two_factor(user: User, secret: str, code: str, ip_address: str | None) -> None:
    if not user.may_use_totp:
        raise Forbidden(N_("A second factor is for supervisors and administrators."))
    step = two_factor.matching_step(secret, code, None)
    if step is None:
        message = N_("This code does not match. Check the phone's clock and type the newest code.")
        raise InvalidDetails(message, fields={"code": message})
    user.totp_secret, user.totp_last_step = secret, step
    audit.record("two_factor_enabled", actor=user, object_type="user", object_id=user.id,
                 ip_address=ip_address)  # fmt: skip


def disable_two_factor(user: User, password: str, ip_address: str | None) -> None:
    if not verify_password(user.password_hash, password):
        message = N_("The current password is wrong.")
        raise InvalidDetails(message, fields={"password": message})
    user.totp_secret, user.totp_last_step = None, None
    audit.record("two_factor_disabled", actor=user, object_type="user", object_id=user.id,
                 ip_address=ip_address)  # fmt: skip
