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
def create_user_command(
    username: str,
    role: str,
    border_points: tuple[str, ...],
    all_border_points: bool,
    full_name: str,
    password_stdin: bool,
) -> None:
    """Create an account."""
    from registry.services import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(username, password, role, list(border_points),
                                    all_border_points=all_border_points, full_name=full_name)  # fmt: skip
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(_("Account %(username)s created.", username=user.username))


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


def init_app(app: Flask) -> None:
    app.cli.add_command(registry_cli)
