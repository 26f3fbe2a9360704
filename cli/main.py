"""`credence`: serve, migrate, load demo data, manage keys, run a witness."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import TYPE_CHECKING, Annotated

import typer
from typer.exceptions import TyperException

from cli.calendar import calendar_app
from cli.clients import clients_app, dev_token
from cli.common import open_service
from cli.data import demo, demo_credential, import_entries, sweep
from cli.keys import keys_app
from cli.log import log_app
from cli.notices import notices_app
from cli.receipts import receipt_app
from cli.witness import witness_app

if TYPE_CHECKING:
    from core.settings import Settings

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_enable=False
)
_debug = False


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback when a command fails.")
    ] = False,
) -> None:
    """Credence's command line."""
    global _debug  # one process, one command: the flag lives for its run
    _debug = debug
    if debug:
        logging.getLogger().setLevel(logging.DEBUG)


app.add_typer(keys_app, name="keys")
app.add_typer(log_app, name="log")
app.add_typer(clients_app, name="clients")
app.add_typer(calendar_app, name="calendar")
app.add_typer(receipt_app, name="receipt")
app.add_typer(witness_app, name="witness")
app.add_typer(notices_app, name="notices")
app.command()(demo)
app.command("demo-credential")(demo_credential)
app.command("import")(import_entries)
app.command()(sweep)
app.command("dev-token")(dev_token)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes, each with its own runtime and connection pool (about one "
            "per core).",
            min=1,
            max=64,
        ),
    ] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated addresses of the reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto are trusted (the client address the rate limits key on); "
            "default: $FORWARDED_ALLOW_IPS or 127.0.0.1.",
        ),
    ] = None,
) -> None:
    """Migrate, then serve the API."""
    import uvicorn

    from api.app import create_app
    from core.identity.tokens import is_loopback
    from core.settings import Settings

    settings = Settings()
    if settings.oidc_issuer is None and not is_loopback(host):
        typer.echo(
            "credence: refusing to serve the embedded token issuer on a non-loopback "
            "address; set CREDENCE_OIDC_ISSUER to an external OIDC provider",
            err=True,
        )
        raise typer.Exit(2)
    if settings.clock_at is not None and not is_loopback(host):
        typer.echo(
            "credence: refusing to serve with CREDENCE_CLOCK_AT on a non-loopback address; "
            "a pinned clock is for tests and demos only",
            err=True,
        )
        raise typer.Exit(2)
    runtime = open_service(settings)
    typer.echo(f"Credence on http://{host}:{port}/ — API docs at http://{host}:{port}/docs")
    # Only the proxies named are believed about the client's address and scheme (None:
    # uvicorn's default, $FORWARDED_ALLOW_IPS or 127.0.0.1).
    proxies = forwarded_allow_ips
    if workers == 1:
        app = create_app(runtime=runtime)
        uvicorn.run(app, host=host, port=port, log_level="info", forwarded_allow_ips=proxies)
        return
    # Migrated above, once: each worker process then opens its own runtime from the settings.
    runtime.engine.dispose()
    uvicorn.run(
        "api.app:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        forwarded_allow_ips=proxies,
    )


@app.command()
def migrate() -> None:
    """Migrate the database to the newest revision."""
    runtime = open_service()
    typer.echo(f"database migrated ({runtime.engine.dialect.name})")


def failure_line(exc: BaseException) -> str:
    """One line naming what failed, without any value from the database or the input."""
    from core.db import is_busy
    from core.errors import DomainError

    if is_busy(exc):
        return (
            "the database is busy (another process holds its write lock); nothing was "
            "changed by the step that failed — run the command again"
        )
    if isinstance(exc, DomainError):
        return f"{exc.title.lower()}: {exc.detail}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    # An exception's text may quote SQL parameters or decrypted values: its type only.
    return f"unexpected {type(exc).__name__}"


def _command_name() -> str:
    """The command as typed (`keys rotate`), without its options or their values."""
    words = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    groups = {info.name for info in app.registered_groups}
    return " ".join(words[:2] if words and words[0] in groups else words[:1]) or "command"


def _start_clock(settings: Settings) -> None:
    # A pinned clock moves every legal deadline: only ever on request, and said out loud.
    if settings.clock_at is not None:
        from core.clock import clock

        clock.start_at(settings.clock_at)
        logging.getLogger("credence").warning(
            "project clock set by CREDENCE_CLOCK_AT to %s (tests and demos only)",
            settings.clock_at.isoformat(),
        )


def main() -> None:
    """Entry point of the `credence` command."""
    from core.settings import Settings

    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    _start_clock(settings)
    # Migrations are routine on every start; alembic's INFO lines would drown the output.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        # Outside standalone mode click returns an `Exit`'s code instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("credence: aborted", err=True)
        sys.exit(130)
    except TyperException as exc:
        # Usage errors (a bad option, an unknown command): click's own message and code.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        sys.exit(int(getattr(exc, "exit_code", 2)))
    except Exception as exc:
        if _debug:
            traceback.print_exc()
        typer.echo(f"credence: {_command_name()} failed: {failure_line(exc)}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # `python -m cli.main`, as the end-to-end tests start a witness
    main()
