"""`credence notices deliver`: send the citizen notices due, through the configured channel."""

from __future__ import annotations

import typer

from cli.common import open_service

notices_app = typer.Typer(
    no_args_is_help=True, help="Citizen notices outside the app: the outbox and its delivery."
)


@notices_app.command("deliver")
def deliver() -> None:
    """Deliver the notices due (idempotent; safe beside the server's own ticks)."""
    from core.clock import clock
    from core.queries.delivery import addresses_from, channel_from, deliver_due

    runtime = open_service()
    settings = runtime.settings
    report = deliver_due(
        engine=runtime.engine,
        keyring=runtime.keyring,
        channel=channel_from(settings),
        addresses=addresses_from(settings, runtime.keyring),
        now=clock.now(),
    )
    done = ", ".join(f"{n} {what}" for what, n in sorted(report.outcomes.items())) or "nothing due"
    typer.echo(f"notices: {report.queued} queued; {done}")
