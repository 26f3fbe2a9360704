"""What the commands share: opening the runtime, refusing input, the log signer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the heavy modules load when a command runs, not for `--help`
    from core.errors import InvalidInput
    from core.runtime import Runtime
    from core.settings import Settings
    from crypto.log_signer import LogSigner


def open_service(settings: Settings | None = None) -> Runtime:
    """The migrated runtime, or exit 1 when the keys cannot be opened."""
    from core.errors import KeysUnavailable
    from core.runtime import open_runtime
    from core.settings import Settings

    try:
        return open_runtime(settings or Settings())
    except KeysUnavailable as exc:
        typer.echo(f"credence: refusing to start: {exc.detail}", err=True)
        raise typer.Exit(1) from None


def refuse(exc: InvalidInput) -> typer.Exit:
    """Report a refused input (its message never quotes the value) and exit 2."""
    typer.echo(f"credence: {exc.detail} (rule: {exc.rule})", err=True)
    return typer.Exit(2)


def fail(exc: Exception, code: int = 2) -> typer.Exit:
    """Report an operational failure in one line and exit with `code`."""
    typer.echo(f"credence: {exc}", err=True)
    return typer.Exit(code)


def log_signer(settings: Settings) -> LogSigner:
    """The query log's signer kept in the data directory."""
    from core.querylog.signing_key import signer_for_data_dir

    return signer_for_data_dir(
        settings.data_dir, origin=settings.log_origin, name=settings.log_key_name
    )
