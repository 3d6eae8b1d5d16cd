"""`quorum tokens`: issue, list and revoke API tokens from the shell; audited as the API is."""

from datetime import timedelta
from typing import Annotated

import typer

from cli.operator import moment, operator, table, unit
from workflow.identity import tokens
from workflow.identity.access import Permission

app = typer.Typer(help="Issue, list and revoke API tokens.")


@app.command()
def issue(
    username: Annotated[str, typer.Argument(help="The token's owner.")],
    scope: Annotated[
        list[Permission] | None,
        typer.Option(help="A permission it carries (repeat); default: all the owner's."),
    ] = None,
    days: Annotated[int, typer.Option(help="Days until it expires.")] = (
        tokens.DEFAULT_LIFETIME.days
    ),
    name: Annotated[str, typer.Option(help="A label saying what it is for.")] = "cli",
) -> None:
    """A new token: its secret alone on stdout (shown once), its id and expiry on stderr."""
    with unit() as session:
        secret, view = tokens.issue(
            session,
            username=username,
            name=name,
            by=operator(),
            scopes=scope,
            lifetime=timedelta(days=days),
        )
    typer.echo(
        f"token {view.id} for {view.username!r} ({', '.join(view.scopes)}),"
        f" expires {moment(view.expires_at)} UTC",
        err=True,
    )
    typer.echo(secret)  # alone on its line, so `$(quorum tokens issue ...)` captures just it


@app.command("list")
def list_tokens(
    username: Annotated[str | None, typer.Argument(help="Only this user's; default: all.")] = None,
) -> None:
    """Tokens, newest first, revoked and expired ones included; never their secrets."""
    with unit() as session:
        if username is None:
            listed = tokens.list_all_tokens(session)
        else:
            listed = tokens.list_tokens(session, username=username)
    rows = [
        (
            t.id,
            t.username,
            t.name,
            ",".join(t.scopes),
            moment(t.created_at),
            moment(t.expires_at),
            moment(t.last_used_at),
            moment(t.revoked_at),
        )
        for t in listed
    ]
    header = ("id", "owner", "name", "scopes", "created", "expires", "last used", "revoked")
    table(header, rows)


@app.command()
def revoke(token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id.")]) -> None:
    """Revoke a token at once; revoking it again changes nothing."""
    with unit() as session:
        view = tokens.revoke(session, token_id=token_id, by=operator())
    typer.echo(f"token {view.id} of {view.username!r} revoked at {moment(view.revoked_at)} UTC")
