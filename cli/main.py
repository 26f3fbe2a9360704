"""`credence`: serve, migrate, load demo data, manage keys, run a witness."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from datetime import timedelta
from typing import Annotated

import typer
from sqlmodel import Session
from typer.exceptions import TyperException

from cli.receipts import receipt_app
from cli.witness import witness_app
from core.calendar.workdays import PACKAGE_YEARS, WorkCalendar
from core.clock import clock
from core.db import finish_erasure_on_disk, is_busy, reader
from core.demo.dataset import DEMO_PEOPLE, load_demo
from core.demo.people import demo_people
from core.demo.queries import load_demo_queries
from core.entries.sweeper import sweep as run_sweep
from core.errors import DomainError, InvalidInput, KeysUnavailable
from core.identity.clients import add_client, check_identity, dev_token_claims
from core.identity.issuer_keys import IssuerKeys, IssuerKeysError
from core.identity.tokens import is_loopback, mint_access_token
from core.ops.index_after_erasure import index_remnants
from core.ops.index_rotation import rotate_index
from core.ops.keys import (
    SPLIT_GRACE,
    complete_erasures,
    key_status,
    retire_version,
    rewrap_stale,
    rotate_master_key,
)
from core.querylog.checkpoints import make_checkpoint
from core.querylog.failclosed import clear_halt
from core.querylog.integrity import LogIntegrityFailure, record_halt
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import verify_log
from core.runtime import Runtime, open_runtime
from core.settings import Settings
from crypto.keys import KeyProviderError
from crypto.log_signer import LogSigner

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


keys_app = typer.Typer(no_args_is_help=True, help="Master keys: status and rotation.")
app.add_typer(keys_app, name="keys")
log_app = typer.Typer(no_args_is_help=True, help="The query log: checkpoints and verification.")
app.add_typer(log_app, name="log")
clients_app = typer.Typer(no_args_is_help=True, help="OAuth clients of the embedded issuer.")
app.add_typer(clients_app, name="clients")
calendar_app = typer.Typer(no_args_is_help=True, help="The working-day calendar.")
app.add_typer(calendar_app, name="calendar")
app.add_typer(receipt_app, name="receipt")
app.add_typer(witness_app, name="witness")


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
    runtime = _runtime(settings)
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
    runtime = _runtime()
    typer.echo(f"database migrated ({runtime.engine.dialect.name})")


@app.command()
def demo() -> None:
    """Load the demo data set (idempotent)."""
    runtime = _runtime()
    with Session(runtime.engine) as session:
        result = load_demo(session=session, keyring=runtime.keyring)
    typer.echo(f"demo data: {result.created} entries created, {result.existing} already present")
    with Session(runtime.engine) as session:
        queries = load_demo_queries(
            session=session,
            keyring=runtime.keyring,
            signer=_signer(runtime.settings),
            people=demo_people(DEMO_PEOPLE),
            rules=runtime.audit_rules,
            cadence=runtime.cadence,
        )
        session.commit()
    if queries.logged:
        typer.echo(f"demo queries: {queries.logged} logged, {queries.refused} of them refused")
    else:
        typer.echo("demo queries: the query log already has entries; none added")


@keys_app.command("status")
def keys_status() -> None:
    """Show master key versions and how many data keys each wraps."""
    runtime = _runtime()
    with Session(reader(runtime.engine)) as session:
        status = key_status(session=session, keyring=runtime.keyring)
        remnants = index_remnants(session)
    typer.echo(f"suite: {status.suite}")
    typer.echo(f"current master key version: {status.current}")
    typer.echo(f"versions held: {', '.join(map(str, status.held))}")
    for version, count in sorted(status.live_keys_by_version.items()):
        typer.echo(f"  version {version}: {count} live data keys")
    if status.destroyed:
        typer.echo(f"versions destroyed: {', '.join(map(str, status.destroyed))}")
    typer.echo(f"shredded keys awaiting erasure: {status.pending_erasures}")
    after = runtime.index_rotation_after
    hours = None if after is None else f"{after.total_seconds() / 3600:g} h"
    when = "" if hours is None else f" (the index key rotates {hours} after an erasure)"
    typer.echo(f"people erased under the index key in service: {remnants}{when}")


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
        except KeysUnavailable as exc:
            typer.echo(f"credence: {exc}", err=True)
            raise typer.Exit(2) from None
        current = runtime.keyring.current_version()
    typer.echo(f"re-wrapped {done} data keys under master key version {current}")


@keys_app.command("rotate-index")
def keys_rotate_index(
    resume: Annotated[
        bool, typer.Option(help="Continue the index-key rotation an earlier run left unfinished.")
    ] = False,
) -> None:
    """Rotate the blind-index key online: back-fill a second index column, switch, clean up."""
    runtime = _runtime()

    def wait(delta: timedelta) -> None:
        # Every process must have re-read the rotation state before the next step.
        time.sleep(delta.total_seconds())

    with Session(runtime.engine) as session:
        try:
            report = rotate_index(
                session=session,
                keyring=runtime.keyring,
                wait=wait,
                resume=resume,
                batch=runtime.settings.rotation_batch,
            )
        except InvalidInput as exc:
            raise _refuse(exc) from None
        except (KeysUnavailable, KeyProviderError) as exc:
            typer.echo(f"credence: {exc}", err=True)
            raise typer.Exit(2) from None
    typer.echo(
        f"blind-index key rotated: {report.subjects} subjects and {report.objections} "
        f"objections re-indexed, {report.moved} index values moved, "
        f"{report.unlinked_objections} third-party objector links cleared"
    )


@keys_app.command("retire")
def keys_retire(version: int) -> None:
    """Destroy a master key version in the provider once no key references it."""
    runtime = _runtime()
    with Session(runtime.engine) as session:
        try:
            retire_version(session=session, keyring=runtime.keyring, version=version)
        except InvalidInput as exc:
            raise _refuse(exc) from None
        except KeyProviderError as exc:
            typer.echo(f"credence: {exc}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"master key version {version} destroyed")


@keys_app.command("complete-erasure")
def keys_complete_erasure() -> None:
    """Destroy every master version a shredded key was wrapped under (what makes erasure final)."""
    runtime = _runtime()
    with Session(runtime.engine) as session:
        try:
            progress = complete_erasures(session=session, keyring=runtime.keyring)
        except (KeysUnavailable, KeyProviderError) as exc:
            typer.echo(f"credence: {exc}", err=True)
            raise typer.Exit(2) from None
    finish_erasure_on_disk(runtime.engine)
    typer.echo(
        f"erasures completed: {progress.completed}; pending: {progress.pending}; "
        f"versions destroyed: {', '.join(map(str, progress.destroyed_versions)) or 'none'}"
    )
    if progress.pending:
        # The current version was demoted now: running processes stop wrapping under it
        # within the re-read interval, then it can be destroyed.
        typer.echo(f"the rest completes on a pass after {SPLIT_GRACE.total_seconds():g} s")


def _refuse(exc: InvalidInput) -> typer.Exit:
    """Report a refused input (its message never quotes the value) and exit 2."""
    typer.echo(f"credence: {exc.detail} (rule: {exc.rule})", err=True)
    return typer.Exit(2)


RoleOption = Annotated[str, typer.Option(help="One of the roles of SPEC §1.")]
DepartmentOption = Annotated[
    str | None, typer.Option(help="Department id (recorder and officer roles).")
]
AgencyOption = Annotated[str | None, typer.Option(help="Agency id (agency role).")]
SupervisorOption = Annotated[
    bool, typer.Option("--supervisor", help="The department's supervisor (officer roles).")
]


@clients_app.command("add")
def clients_add(
    role: RoleOption,
    name: Annotated[str, typer.Option(help="The organisation or department (not a person).")],
    department: DepartmentOption = None,
    agency: AgencyOption = None,
    supervisor: SupervisorOption = False,
) -> None:
    """Register a client; prints its id and secret, the secret this once only."""
    try:
        # Checked before the database is opened: a refused client leaves nothing behind.
        check_identity(role=role, department=department, agency=agency, supervisor=supervisor)
    except InvalidInput as exc:
        raise _refuse(exc) from None
    runtime = _runtime()
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
                raise _refuse(exc) from None
            session.commit()
    finally:
        runtime.engine.dispose()
    typer.echo(f"client_id: {client.client_id}")
    typer.echo(f"client_secret: {secret}")
    typer.echo("credence: store the secret now; it cannot be shown again", err=True)


@app.command("dev-token")
def dev_token(
    role: RoleOption,
    code: Annotated[
        str | None, typer.Option(help="The citizen's credit code (citizen role).")
    ] = None,
    department: DepartmentOption = None,
    agency: AgencyOption = None,
    supervisor: SupervisorOption = False,
    ttl: Annotated[int | None, typer.Option(help="Lifetime in seconds.", min=1, max=86_400)] = None,
) -> None:
    """Print an access token from the embedded issuer (development only)."""
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
        raise _refuse(exc) from None
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


@app.command()
def sweep() -> None:
    """One pass of the expiry sweeper (idempotent; safe beside other workers)."""
    runtime = _runtime()
    report = run_sweep(
        engine=runtime.engine,
        keyring=runtime.keyring,
        now=clock.now(),
        case_grace=runtime.case_grace,
    )
    fired = ", ".join(f"{n} {event}" for event, n in sorted(report.events.items())) or "nothing due"
    typer.echo(f"sweep: {report.examined} entries examined; {fired}")


def _signer(settings: Settings) -> LogSigner:
    return signer_for_data_dir(
        settings.data_dir, origin=settings.log_origin, name=settings.log_key_name
    )


@log_app.command("checkpoint")
def log_checkpoint() -> None:
    """Sign and store a checkpoint of the query log now (on demand)."""
    runtime = _runtime()
    with Session(runtime.engine) as session:
        try:
            made = make_checkpoint(
                session=session, signer=_signer(runtime.settings), now=clock.now()
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
    runtime = _runtime()
    try:
        done = clear_halt(
            engine=runtime.engine, signer=_signer(runtime.settings), reason=reason, now=clock.now()
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
    runtime = _runtime()
    settings = runtime.settings
    signer = _signer(settings)
    # A read-only transaction: a long verification holds no lock over the service's writers.
    with Session(reader(runtime.engine)) as session:
        report = verify_log(
            session=session, signer_public_key=signer.public_key, name=settings.log_key_name
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


@calendar_app.command("status")
def calendar_status() -> None:
    """Which years follow the official holiday schedule and which the provisional one."""
    path = Settings().holiday_overrides_file
    try:
        calendar = WorkCalendar.from_overrides_file(path)
    except InvalidInput as exc:
        typer.echo(f"credence: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    first, last = PACKAGE_YEARS.start, PACKAGE_YEARS.stop - 1
    typer.echo(f"official (chinesecalendar package data): {first}-{last}")
    declared = sorted(calendar.declared_years())
    where = "none configured" if path is None else str(path)
    typer.echo(
        f"official (overrides file, {where}): "
        + (", ".join(map(str, declared)) if declared else "no years declared")
    )
    typer.echo(
        "provisional: every other year (statutory holidays with weekend make-up days; "
        "no shifted working weekends); its deadlines are marked and counted again"
    )
    this_year = clock.today().year
    for year in (this_year, this_year + 1):
        kind = "official" if calendar.is_official(year) else "provisional"
        typer.echo(f"{year}: {kind}")


def failure_line(exc: BaseException) -> str:
    """One line naming what failed, without any value from the database or the input."""
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
        clock.start_at(settings.clock_at)
        logging.getLogger("credence").warning(
            "project clock set by CREDENCE_CLOCK_AT to %s (tests and demos only)",
            settings.clock_at.isoformat(),
        )


def main() -> None:
    """Entry point of the `credence` command."""
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
