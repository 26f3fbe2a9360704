"""`credence`: serve, migrate, load demo data, manage keys."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from sqlmodel import Session

from core.errors import KeysUnavailable
from core.runtime import Runtime, open_runtime
from core.services.demo import load_demo
from core.services.keys import key_status, rewrap_stale, rotate_master_key
from core.settings import Settings
from crypto.keys import KeyProviderError

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
keys_app = typer.Typer(no_args_is_help=True, help="Master keys: status and rotation.")
app.add_typer(keys_app, name="keys")


def _runtime(settings: Settings | None = None) -> Runtime:
    try:
        return open_runtime(settings or Settings())
    except KeysUnavailable as exc:
        typer.echo(f"credence: refusing to start: {exc.detail}", err=True)
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.", min=1, max=65535)] = 8000,
) -> None:
    """Migrate, then serve the API."""
    import uvicorn

    from api.app import create_app

    runtime = _runtime()
    typer.echo(f"Credence on http://{host}:{port}/ — API docs at http://{host}:{port}/docs")
    uvicorn.run(create_app(runtime=runtime), host=host, port=port, log_level="info")


@app.command()
def migrate() -> None:
    """Migrate the database to the newest revision."""
    runtime = _runtime()
    typer.echo(f"database migrated ({runtime.engine.dialect.name})")


@app.command()
def demo() -> None:
    """Load the demo data set (idempotent)."""
    runtime = _runtime()
    with Session(runtime.engine) as session:
        result = load_demo(session=session, keyring=runtime.keyring)
    typer.echo(f"demo data: {result.created} entries created, {result.existing} already present")


@keys_app.command("status")
def keys_status() -> None:
    """Show master key versions and how many data keys each wraps."""
    runtime = _runtime()
    with Session(runtime.engine) as session:
        status = key_status(session=session, keyring=runtime.keyring)
    typer.echo(f"suite: {status.suite}")
    typer.echo(f"current master key version: {status.current}")
    typer.echo(f"versions held: {', '.join(map(str, status.held))}")
    for version, count in sorted(status.live_keys_by_version.items()):
        typer.echo(f"  version {version}: {count} live data keys")


@keys_app.command("rotate")
def keys_rotate(
    resume: Annotated[
        bool, typer.Option(help="Only finish re-wrapping under the current version.")
    ] = False,
) -> None:
    """Add a master key version and re-wrap every data key under it (data is not re-encrypted)."""
    runtime = _runtime()
    batch = runtime.settings.rotation_batch
    with Session(runtime.engine) as session:
        try:
            if resume:
                done = rewrap_stale(session=session, keyring=runtime.keyring, batch=batch)
            else:
                done = rotate_master_key(session=session, keyring=runtime.keyring, batch=batch)
        except KeyProviderError as exc:
            typer.echo(f"credence: {exc}", err=True)
            raise typer.Exit(2) from None
        current = runtime.keyring.provider.current().version
    typer.echo(f"re-wrapped {done} data keys under master key version {current}")


def main() -> None:
    """Entry point of the `credence` command."""
    logging.basicConfig(level=Settings().log_level, format="%(levelname)s %(name)s: %(message)s")
    app()
