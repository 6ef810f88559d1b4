"""Accounts and border points: creation and authentication."""

from __future__ import annotations

import re

from sqlalchemy import select

from registry.domain.errors import InvalidDetails
from registry.domain.i18n import N_
from registry.domain.reference import is_country
from registry.domain.vocabulary import Role
from registry.extensions import db
from registry.models import BorderPoint, User
from registry.models.base import utcnow
from registry.services import audit
from registry.services.passwords import hash_password, verify_password

BORDER_POINT_CODE = re.compile(r"^[A-Z]{2,8}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD_LENGTH = 12


def add_border_point(code: str, name: str, country: str, region: str | None = None) -> BorderPoint:
    code = code.strip().upper()
    country = country.strip().upper()
    if not BORDER_POINT_CODE.match(code):
        raise InvalidDetails(N_("A border point code is 2 to 8 letters, e.g. MNY."))
    if not name.strip():
        raise InvalidDetails(N_("A border point needs a name."))
    if not is_country(country):
        raise InvalidDetails(N_("Unknown country code: %(code)s."), params={"code": country})
    point = db.session.scalar(select(BorderPoint).where(BorderPoint.code == code))
    if point is None:
        point = BorderPoint(code=code, name=name.strip(), country=country, region=region)
        db.session.add(point)
    else:
        point.name, point.country, point.region = name.strip(), country, region
    db.session.flush()
    return point


def create_user(
    username: str,
    password: str,
    role: str,
    border_point_codes: list[str] | tuple[str, ...] = (),
    *,
    all_border_points: bool = False,
    full_name: str = "",
    locale: str | None = None,
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidDetails(
            N_("A username is 2 to 80 lower-case letters, digits, dots, dashes or underscores.")
        )
    if role not in set(Role):
        raise InvalidDetails(N_("Unknown role: %(role)s."), params={"role": role})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidDetails(
            N_("A password has at least %(count)s characters."),
            params={"count": MIN_PASSWORD_LENGTH},
        )
    if all_border_points and role != Role.SUPERVISOR:
        raise InvalidDetails(N_("Only a supervisor can hold every border point."))
    if role != Role.ADMIN and not border_point_codes and not all_border_points:
        raise InvalidDetails(N_("An officer or supervisor needs at least one border point."))
    points = []
    for code in border_point_codes:
        point = db.session.scalar(select(BorderPoint).where(BorderPoint.code == code.upper()))
        if point is None:
            raise InvalidDetails(N_("Unknown border point: %(code)s."), params={"code": code})
        points.append(point)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidDetails(N_("This username is taken."))
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        all_border_points=all_border_points,
        full_name=full_name,
        locale=locale,
        border_points=points,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", actor=None, object_type="user", object_id=user.id,
                 details={"role": role})  # fmt: skip
    return user


def authenticate(username: str, password: str, ip_address: str | None) -> User | None:
    """The active user with these credentials, or None. Both outcomes are audited."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        audit.record("login_failed", actor=None, actor_username=username.strip()[:80],
                     ip_address=ip_address)  # fmt: skip
        return None
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
