"""`credence clients` (add, list, revoke) and `credence dev-token` of the embedded issuer."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from cli.common import open_service, refuse
from core.identity.principal import ClientRole, Role

clients_app = typer.Typer(no_args_is_help=True, help="OAuth clients of the embedded issuer.")

DepartmentOption = Annotated[
    str | None, typer.Option(help="Department id (recorder and officer roles).")
]
AgencyOption = Annotated[str | None, typer.Option(help="Agency id (agency role).")]
SupervisorOption = Annotated[
    bool, typer.Option("--supervisor", help="The department's supervisor (officer roles).")
]


@clients_app.command("add")
def clients_add(
    role: Annotated[ClientRole, typer.Option(help="The client's role.")],
    name: Annotated[str, typer.Option(help="The organisation or department (not a person).")],
    department: DepartmentOption = None,
    agency: AgencyOption = None,
    supervisor: SupervisorOption = False,
) -> None:
    """Register a client; prints its id and secret, the secret this once only."""
    from sqlmodel import Session

    from core.clock import clock
    from core.errors import InvalidInput
    from core.identity.clients import add_client, check_identity

    try:
        # Checked before the database is opened: a refused client leaves nothing behind.
        check_identity(role=role, department=department, agency=agency, supervisor=supervisor)
    except InvalidInput as exc:
        raise refuse(exc) from None
    runtime = open_service()
    try:
        with Session(runtime.engine, expire_on_commit=False) as session:
            try:
                client, secret = add_client(
                    session=session,
                    name=name,
                    role=role,
                    department=department,
                    agency=agency,
                    supervisor=supervisor,
                    now=clock.now(),
                )
            except InvalidInput as exc:
                raise refuse(exc) from None
            session.commit()
    finally:
        runtime.engine.dispose()
    typer.echo(f"client_id: {client.client_id}")
    typer.echo(f"client_secret: {secret}")
    typer.echo("credence: store the secret now; it cannot be shown again", err=True)


@clients_app.command("list")
def clients_list(
    all_clients: Annotated[bool, typer.Option("--all", help="Also the revoked clients.")] = False,
) -> None:
    """List the registered clients: id, role, department or agency, name, state."""
    from sqlmodel import Session

    from core.db import reader
    from core.identity.clients import list_clients

    runtime = open_service()
    try:
        with Session(reader(runtime.engine)) as session:
            clients = list_clients(session=session)
    finally:
        runtime.engine.dispose()
    shown = [c for c in clients if all_clients or c.disabled_at is None]
    for c in shown:
        scope = c.department or c.agency or "-"
        role = f"{c.role} (supervisor)" if c.supervisor else c.role
        revoked = c.disabled_at
        state = "enabled" if revoked is None else f"revoked {revoked:%Y-%m-%d %H:%M} UTC"
        typer.echo(f"{c.client_id}\t{role}\t{scope}\t{c.name}\t{state}")
    hidden = len(clients) - len(shown)
    tail = f" ({hidden} revoked not shown; --all lists them)" if hidden else ""
    typer.echo(f"{len(shown)} clients{tail}", err=True)


@clients_app.command("revoke")
def clients_revoke(
    client_id: Annotated[str, typer.Argument(help="The client's id (cl_...).")],
) -> None:
    """Revoke a client for good: no token is issued to it again."""
    from sqlmodel import Session

    from core.clock import clock
    from core.identity.clients import disable_client

    runtime = open_service()
    try:
        with Session(runtime.engine) as session:
            revoked = disable_client(session=session, client_id=client_id, now=clock.now())
            session.commit()
    finally:
        runtime.engine.dispose()
    if not revoked:
        typer.echo(f"credence: no enabled client {client_id!r}", err=True)
        raise typer.Exit(2)
    ttl = runtime.settings.access_token_ttl_seconds
    typer.echo(
        f"client {client_id} revoked; tokens issued before now end at their expiry "
        f"(at most {ttl} s)"
    )


def dev_token(
    role: Annotated[Role, typer.Option(help="The token's role.")],
    code: Annotated[
        str | None, typer.Option(help="The citizen's credit code (citizen role).")
    ] = None,
    department: DepartmentOption = None,
    agency: AgencyOption = None,
    supervisor: SupervisorOption = False,
    ttl: Annotated[int | None, typer.Option(help="Lifetime in seconds.", min=1, max=86_400)] = None,
) -> None:
    """Print an access token from the embedded issuer (development only)."""
    from core.clock import clock
    from core.errors import InvalidInput
    from core.identity.clients import dev_token_claims
    from core.identity.issuer_keys import IssuerKeys, IssuerKeysError
    from core.identity.tokens import mint_access_token
    from core.settings import Settings

    settings = Settings()
    if settings.oidc_issuer is not None:
        typer.echo(
            "credence: dev-token needs the embedded issuer, but CREDENCE_OIDC_ISSUER names "
            "an external one; get tokens from that issuer",
            err=True,
        )
        raise typer.Exit(2)
    try:
        claims = dev_token_claims(
            role=role,
            code=code,
            department=department,
            agency=agency,
            supervisor=supervisor,
            code_claim=settings.citizen_code_claim,
        )
    except InvalidInput as exc:
        raise refuse(exc) from None
    try:
        keys = IssuerKeys.load_or_create(settings.issuer_key_file)
    except IssuerKeysError as exc:
        typer.echo(f"credence: {exc}", err=True)
        raise typer.Exit(1) from None
    lifetime = ttl if ttl is not None else settings.access_token_ttl_seconds
    token = mint_access_token(
        keys=keys,
        issuer=settings.embedded_issuer_id,
        audience=settings.token_audience,
        subject=f"dev:{role}",
        claims=claims,
        ttl=timedelta(seconds=lifetime),
        now=clock.now(),
        client_id="credence-dev-token",
    )
    typer.echo(token)
