"""`flask registry ...`: set up the database, border points, accounts and demo data."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from registry.domain.errors import DomainError
from registry.errors import translated
from registry.extensions import db

registry_cli = AppGroup("registry", help="Set up and look after the registry.")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    click.echo(_("Error: %(message)s", message=translated(error)), err=True)
    sys.exit(1)


@registry_cli.command("init")
def init_command() -> None:
    """Create or upgrade the database schema (Alembic) and load reference data. Idempotent."""
    from flask_migrate import upgrade

    upgrade()
    click.echo(_("Database ready: %(url)s", url=db.engine.url.render_as_string(hide_password=True)))


@registry_cli.command("add-border-point")
@click.argument("code")
@click.argument("name")
@click.option("--country", required=True, help="ISO 3166-1 alpha-3, e.g. TZA")
@click.option("--region", default=None)
def add_border_point_command(code: str, name: str, country: str, region: str | None) -> None:
    """Add a border point, or update the one with this CODE."""
    from registry.services import accounts

    try:
        point = accounts.add_border_point(code, name, country, region)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(_("Border point %(point)s saved.", point=str(point)))


@registry_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["officer", "supervisor", "admin"]), required=True)
@click.option("--border-point", "border_points", multiple=True, help="A border point CODE; repeatable.")
@click.option("--all-border-points", is_flag=True, help="A national supervisor: every border point.")
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--temporary", is_flag=True,
              help="The password is temporary: the first login must choose a new one.")
def create_user_command(
    username: str,
    role: str,
    border_points: tuple[str, ...],
    all_border_points: bool,
    full_name: str,
    password_stdin: bool,
    temporary: bool,
) -> None:
    """Create an account (with the password as given, unless --temporary)."""
    from registry.services import accounts

    password = _read_password(password_stdin)
    try:
        user = accounts.create_user(username, password, role, list(border_points),
                                    all_border_points=all_border_points, full_name=full_name,
                                    temporary=temporary)  # fmt: skip
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(_("Account %(username)s created.", username=user.username))
    if temporary:
        click.echo(_("The password is temporary: a new one is chosen at the first login."))


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)


def _account(username: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from registry.models import User

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        click.echo(_("Error: %(message)s", message=_("No account %(username)s.", username=username)), err=True)
        sys.exit(1)
    return user


@registry_cli.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from standard input instead of generating one.")
@click.option("--permanent", is_flag=True, help="With --password-stdin: not a temporary password.")
def reset_password_command(username: str, password_stdin: bool, permanent: bool) -> None:
    """Give an account a new password (temporary unless --permanent); its sessions end."""
    from registry.services import accounts

    user = _account(username)
    try:
        if password_stdin:
            accounts.set_password(user, _read_password(True), temporary=not permanent)
            password = None
        else:
            password = accounts.reset_password(None, user)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    if password:
        click.echo(_("Temporary password for %(username)s: %(password)s", username=user.username,
                     password=password))  # fmt: skip
    else:
        click.echo(_("Password of %(username)s set.", username=user.username))


@registry_cli.command("deactivate-user")
@click.argument("username")
def deactivate_user_command(username: str) -> None:
    """Deactivate an account: it cannot log in and its sessions end at once; lists its open cases."""
    from registry.services import accounts

    user = _account(username)
    open_cases = accounts.deactivate(None, user)
    db.session.commit()
    click.echo(_("Account %(username)s deactivated; its sessions have ended.", username=user.username))
    if open_cases:
        click.echo(_("Open cases to reassign:"))
        for case in open_cases:
            click.echo(f"  {case.case_number}  {case.status}")


@registry_cli.command("verify-audit")
def verify_audit_command() -> None:
    """Check the audit log's hash chain: exit 0 when intact, 1 naming the first broken row."""
    from registry.services import audit

    report = audit.verify_chain(db.session())
    db.session.rollback()
    if report.intact:
        click.echo(_("Audit log intact: %(rows)s rows. Last row %(seq)s, hash %(hash)s",
                     rows=report.rows, seq=report.last_seq, hash=report.last_hash))  # fmt: skip
        return
    click.echo(_("Audit log BROKEN at row %(seq)s (id %(id)s): %(problem)s. Rows before it are intact.",
                 seq=report.broken_seq, id=report.broken_id if report.broken_id is not None else "-",
                 problem=report.problem), err=True)  # fmt: skip
    sys.exit(1)


@registry_cli.command("anonymise-expired")
@click.option("--dry-run", is_flag=True, help="List the cases that would be anonymised; change nothing.")
def anonymise_expired_command(dry_run: bool) -> None:
    """Blank the personal data of cases closed longer ago than the retention period."""
    from registry.services import photos, retention

    days = current_app.config["REGISTRY"].RETENTION_DAYS
    report = retention.anonymise_expired(days, dry_run=dry_run, delete_photo=photos.delete)
    if dry_run:
        db.session.rollback()
        click.echo(_("%(count)s case(s) closed more than %(days)s days ago would be anonymised:",
                     count=len(report.cases), days=days))  # fmt: skip
    else:
        db.session.commit()
        click.echo(_("%(count)s case(s) anonymised (%(people)s people).", count=len(report.cases),
                     people=report.people))  # fmt: skip
    for number in report.cases:
        click.echo(f"  {number}")


@registry_cli.command("access-matrix")
def access_matrix_command() -> None:
    """Print the access matrix (endpoint, roles, scope, personal data) as a Markdown table."""
    from registry import access

    click.echo("| endpoint | who may | scope | personal data |")  # untranslated: a Markdown table for docs
    click.echo("| --- | --- | --- | --- |")
    for row in access.describe():
        click.echo("| " + " | ".join(row) + " |")


@registry_cli.command("demo")
def demo_command() -> None:
    """Load demo border points, accounts and about fifty people. Idempotent."""
    from registry import demo

    if current_app.config["REGISTRY"].ENV == "production":
        click.echo(_("Refused: demo data is never loaded into a production registry."), err=True)
        sys.exit(1)
    created = demo.load()
    db.session.commit()
    if created:
        click.echo(_("Demo data loaded."))
    else:
        click.echo(_("Demo data was already there; nothing changed."))
    click.echo(_("Demo accounts (password for all: %(password)s):", password=demo.PASSWORD))
    for username, description in demo.ACCOUNTS_SUMMARY:
        click.echo(f"  {username:<18} {_(description)}")


@registry_cli.command("workflow-diagram")
def workflow_diagram_command() -> None:
    """Print the case workflow as a Mermaid state diagram, drawn from the transition table."""
    from registry.domain.workflow import mermaid_diagram

    click.echo(mermaid_diagram(), nl=False)


@registry_cli.command("stats")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day of registration, YYYY-MM-DD (the registry's time zone).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Last day of registration, YYYY-MM-DD, included.")
@click.option("--border-point", "border_points", multiple=True, help="A border point CODE; repeatable. Default: all.")
@click.option("--pathway", default=None, type=click.Choice(["undecided", "voluntary_return", "regularisation", "referral"]))
@click.option("--format", "output", default="csv", type=click.Choice(["csv"]), show_default=True)
def stats_command(first, last, border_points: tuple[str, ...], pathway: str | None, output: str) -> None:  # type: ignore[no-untyped-def]
    """Figures of the cases registered in a period, for the monthly report (CSV on standard output)."""
    from registry.services import stats

    try:
        rows = stats.report_rows(first.date(), last.date(), list(border_points), pathway,
                                   timezone=current_app.config["REGISTRY"].TIMEZONE)  # fmt: skip
    except DomainError as error:
        _fail(error)
    db.session.commit()
    stats.write_csv(rows, sys.stdout)


@registry_cli.command("generate")
@click.option("--people", required=True, type=click.IntRange(1, 10_000_000), help="How many people to add.")
@click.option("--border-point", "border_points", multiple=True,
              help="A border point CODE (created if missing); repeatable. Default: every active point.")
@click.option("--years", default=3.0, show_default=True, type=click.FloatRange(0.1, 30),
              help="Registrations spread over this many past years.")
@click.option("--seed", default=7, show_default=True, type=int, help="The same seed gives the same people.")
def generate_command(people: int, border_points: tuple[str, ...], years: float, seed: int) -> None:
    """Fill the database with synthetic people and cases (benchmarks; refused in production)."""
    from registry import synthetic

    if current_app.config["REGISTRY"].ENV == "production":
        click.echo(_("Refused: synthetic data is never loaded into a production registry."), err=True)
        sys.exit(1)
    try:
        made = synthetic.generate(
            people, border_points, years=years, seed=seed, timezone=current_app.config["REGISTRY"].TIMEZONE,
            progress=lambda done: click.echo(_("%(done)s people written", done=done), err=True),
        )  # fmt: skip
    except DomainError as error:
        _fail(error)
    rate = made.people / made.seconds_writing if made.seconds_writing else 0
    click.echo(_("%(people)s people in %(cases)s cases (%(events)s timeline events) written in %(seconds).1f s "
                 "(%(rate)s people a second); figures counted in %(counting).1f s.",
                 people=made.people, cases=made.cases, events=made.events, seconds=made.seconds_writing,
                 rate=int(rate), counting=made.seconds_counting))  # fmt: skip


def init_app(app: Flask) -> None:
    app.cli.add_command(registry_cli)


@registry_cli.command("find-duplicates")
@click.option("--threshold", type=float, default=None, help="Lowest score kept as a suspected pair (default: 0.9, 'likely').")
@click.option("--after-id", type=int, default=0, help="Start after this person id (to resume a long run).")
@click.option("--limit", type=int, default=None, help="Check at most this many people.")
def find_duplicates_command(threshold: float | None, after_id: int, limit: int | None) -> None:
    """Fill the supervisors' list of suspected duplicates: every person checked against the others."""
    from registry.domain.dedupe import LIKELY
    from registry.services import duplicates

    filled = duplicates.fill_missing_keys()
    checked, added = duplicates.find_duplicates(threshold=LIKELY if threshold is None else threshold,
                                                after_id=after_id, limit=limit)  # fmt: skip
    db.session.commit()
    click.echo(_("Checked %(checked)s people (blocking keys computed for %(filled)s); %(added)s new suspected pairs.",
                 checked=checked, filled=filled, added=added))  # fmt: skip
