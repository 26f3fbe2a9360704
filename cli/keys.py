"""`credence keys`: master-key status, rotation, retirement and the end of erasures."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated

import typer

from cli.common import fail, open_service, refuse
from cli.progress import meter

keys_app = typer.Typer(no_args_is_help=True, help="Master keys: status and rotation.")


@keys_app.command("status")
def keys_status() -> None:
    """Show master key versions and how many data keys each wraps."""
    from sqlmodel import Session

    from core.db import reader
    from core.ops.index_after_erasure import index_remnants
    from core.ops.keys import key_status

    runtime = open_service()
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
    from sqlmodel import Session

    from core.errors import KeysUnavailable
    from core.ops.keys import rewrap_stale, rotate_master_key
    from crypto.keys import KeyProviderError

    runtime = open_service()
    batch = runtime.settings.rotation_batch
    with Session(runtime.engine) as session, meter("re-wrapping data keys") as progress:
        try:
            step = rewrap_stale if resume else rotate_master_key
            done = step(session=session, keyring=runtime.keyring, batch=batch, progress=progress)
        except (KeyProviderError, KeysUnavailable) as exc:
            raise fail(exc) from None
        current = runtime.keyring.current_version()
    typer.echo(f"re-wrapped {done} data keys under master key version {current}")


@keys_app.command("rotate-index")
def keys_rotate_index(
    resume: Annotated[
        bool, typer.Option(help="Continue the index-key rotation an earlier run left unfinished.")
    ] = False,
) -> None:
    """Rotate the blind-index key online: back-fill a second index column, switch, clean up."""
    from sqlmodel import Session

    from core.errors import InvalidInput, KeysUnavailable
    from core.ops.index_rotation import rotate_index
    from crypto.keys import KeyProviderError

    runtime = open_service()

    def wait(delta: timedelta) -> None:
        # Every process must have re-read the rotation state before the next step.
        time.sleep(delta.total_seconds())

    with Session(runtime.engine) as session, meter("rotating the index key") as progress:
        try:
            report = rotate_index(
                session=session,
                keyring=runtime.keyring,
                wait=wait,
                resume=resume,
                batch=runtime.settings.rotation_batch,
                progress=lambda _step, count: progress.advance(count),
            )
        except InvalidInput as exc:
            raise refuse(exc) from None
        except (KeysUnavailable, KeyProviderError) as exc:
            raise fail(exc) from None
    typer.echo(
        f"blind-index key rotated: {report.subjects} subjects and {report.objections} "
        f"objections re-indexed, {report.moved} index values moved, "
        f"{report.unlinked_objections} third-party objector links cleared"
    )


@keys_app.command("retire")
def keys_retire(version: int) -> None:
    """Destroy a master key version in the provider once no key references it."""
    from sqlmodel import Session

    from core.errors import InvalidInput
    from core.ops.keys import retire_version
    from crypto.keys import KeyProviderError

    runtime = open_service()
    with Session(runtime.engine) as session:
        try:
            retire_version(session=session, keyring=runtime.keyring, version=version)
        except InvalidInput as exc:
            raise refuse(exc) from None
        except KeyProviderError as exc:
            raise fail(exc) from None
    typer.echo(f"master key version {version} destroyed")


@keys_app.command("complete-erasure")
def keys_complete_erasure() -> None:
    """Destroy every master version a shredded key was wrapped under (what makes erasure final)."""
    from sqlmodel import Session

    from core.db import finish_erasure_on_disk
    from core.errors import KeysUnavailable
    from core.ops.keys import SPLIT_GRACE, complete_erasures
    from crypto.keys import KeyProviderError

    runtime = open_service()
    with Session(runtime.engine) as session:
        try:
            progress = complete_erasures(session=session, keyring=runtime.keyring)
        except (KeysUnavailable, KeyProviderError) as exc:
            raise fail(exc) from None
    finish_erasure_on_disk(runtime.engine)
    typer.echo(
        f"erasures completed: {progress.completed}; pending: {progress.pending}; "
        f"versions destroyed: {', '.join(map(str, progress.destroyed_versions)) or 'none'}"
    )
    if progress.pending:
        # The current version was demoted now: running processes stop wrapping under it
        # within the re-read interval, then it can be destroyed.
        typer.echo(f"the rest completes on a pass after {SPLIT_GRACE.total_seconds():g} s")
