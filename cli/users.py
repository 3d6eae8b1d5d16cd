"""`quorum users`: create users, set or reset their passwords, list them; audited as the API is."""

import sys
from typing import Annotated

import typer

from cli.operator import operator, table, unit
from workflow.identity import users
from workflow.identity.access import UserRole
from workflow.identity.secrets import new_secret

app = typer.Typer(help="Create users, set their passwords, list them.")

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from stdin; otherwise a random one is generated and printed once.",
    ),
]


@app.command()
def create(
    username: Annotated[str, typer.Argument(help="The new user's name.")],
    role: Annotated[UserRole, typer.Option(help="What the user is for.")],
    importer: Annotated[
        bool, typer.Option("--importer", help="May log on behalf of others and bulk import.")
    ] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user with a role and a password."""
    password = _read_password() if password_stdin else new_secret()
    with unit() as session:
        view = users.create_user(
            session,
            username=username,
            role=role,
            # Checked here too: an empty password would make a user who signs in by token only.
            password=users.check_password(password),
            can_import=importer,
            actor=operator().name,
        )
    typer.echo(f"created user {view.username!r} ({view.role})", err=True)
    if not password_stdin:
        typer.echo(password)  # alone on stdout, once it holds: easy to capture, never again


@app.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="Whose password; `admin` to reset a lost one.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Give a user a new password; their page sessions end, their API tokens stay."""
    password = _read_password() if password_stdin else new_secret()
    with unit() as session:
        users.update_user(session, username=username, password=password, actor=operator().name)
    typer.echo(f"new password for {username!r}; their page sessions are ended", err=True)
    if not password_stdin:
        typer.echo(password)  # alone on stdout, once it holds: easy to capture, never again


@app.command("list")
def list_users() -> None:
    """Every user: role, importer permission, standing, whether they have a password."""
    with unit() as session:
        listed = users.list_users(session)
    rows = [
        (u.username, u.role, _yes(u.can_import), _yes(u.disabled), _yes(u.has_password))
        for u in listed
    ]
    table(("user", "role", "importer", "disabled", "password"), rows)


def _read_password() -> str:
    # The first line as typed or piped: only its line ending is not part of the password.
    return sys.stdin.readline().rstrip("\r\n")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
