"""`credence log`: sign a checkpoint, verify the whole query log, clear an integrity halt."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import log_signer, open_service
from cli.progress import meter

log_app = typer.Typer(no_args_is_help=True, help="The query log: checkpoints and verification.")


@log_app.command("checkpoint")
def log_checkpoint() -> None:
    """Sign and store a checkpoint of the query log now (on demand)."""
    from sqlmodel import Session

    from core.clock import clock
    from core.querylog.checkpoints import make_checkpoint
    from core.querylog.integrity import LogIntegrityFailure, record_halt

    runtime = open_service()
    with Session(runtime.engine) as session:
        try:
            made = make_checkpoint(
                session=session, signer=log_signer(runtime.settings), now=clock.now()
            )
        except LogIntegrityFailure as exc:
            session.rollback()
            record_halt(engine=runtime.engine, failure=exc, now=clock.now())
            typer.echo(f"credence: no checkpoint signed: {exc.problem} at {exc.where()}", err=True)
            raise typer.Exit(1) from None
        size = made.size
        session.commit()
    typer.echo(f"checkpoint of size {size}")


@log_app.command("clear-halt")
def log_clear_halt(
    reason: Annotated[
        str,
        typer.Option(
            help="Why the service may go on: what was found and repaired (stored, one line)."
        ),
    ],
) -> None:
    """Verify the whole query log again and, if it passes, clear its integrity halt."""
    from core.clock import clock
    from core.querylog.failclosed import clear_halt

    runtime = open_service()
    try:
        done = clear_halt(
            engine=runtime.engine,
            signer=log_signer(runtime.settings),
            reason=reason,
            now=clock.now(),
        )
    except ValueError as exc:
        typer.echo(f"credence: {exc}", err=True)
        raise typer.Exit(2) from None
    report = done.report
    if report is None:
        typer.echo("the query log is not halted: nothing to clear")
        return
    if not report.ok:
        where = (
            f"index {report.bad_index}"
            if report.bad_index is not None
            else f"checkpoint of size {report.bad_checkpoint}"
        )
        typer.echo(
            f"credence: the halt stays: the query log does not verify at {where}: {report.problem}",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        f"halt cleared: {report.leaves} leaves and {report.checkpoints} checkpoints verified"
    )


@log_app.command("verify")
def log_verify() -> None:
    """Recompute the whole query log from storage and check every signed checkpoint."""
    from sqlmodel import Session

    from core.db import reader
    from core.querylog.verify import verify_log

    runtime = open_service()
    settings = runtime.settings
    signer = log_signer(settings)
    # A read-only transaction: a long verification holds no lock over the service's writers.
    with Session(reader(runtime.engine)) as session, meter("verifying leaves") as progress:
        report = verify_log(
            session=session,
            signer_public_key=signer.public_key,
            name=settings.log_key_name,
            progress=progress,
        )
    if report.ok:
        typer.echo(f"ok: {report.leaves} leaves and {report.checkpoints} checkpoints verified")
        return
    where = (
        f"index {report.bad_index}"
        if report.bad_index is not None
        else f"checkpoint of size {report.bad_checkpoint}"
    )
    typer.echo(f"credence: query log does not verify at {where}: {report.problem}", err=True)
    raise typer.Exit(1)
