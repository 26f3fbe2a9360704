"""`credence witness`: a witness of its own (own key, own state) cosigning logs' checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.witness.config import KEY_FILE, WitnessConfigError, add_log, init_witness
from core.witness.service import Witness
from crypto.cosigner import Cosigner, CosignerKeyFileError

witness_app = typer.Typer(
    no_args_is_help=True,
    help="A witness (C2SP tlog-witness): its own key and state, in its own data dir.",
)

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", envvar="CREDENCE_WITNESS_DIR", help="The witness's own data directory."
    ),
]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"credence: witness: {exc}", err=True)
    return typer.Exit(1)


@witness_app.command("init")
def witness_init(
    data_dir: DataDir,
    name: Annotated[str, typer.Option(help="The witness's key name, e.g. witness.example/w1.")],
) -> None:
    """Create the witness's key (0600) and config; print its vkey."""
    try:
        typer.echo(init_witness(data_dir, name=name).vkey())
    except (WitnessConfigError, CosignerKeyFileError) as exc:
        raise _fail(exc) from None


@witness_app.command("add-log")
def witness_add_log(
    data_dir: DataDir,
    origin: Annotated[str, typer.Option(help="The log's checkpoint origin line.")],
    vkey: Annotated[str, typer.Option(help="The log's verifier key (GET /public/log-key).")],
) -> None:
    """Witness a log: its origin and the key its checkpoints are signed with."""
    try:
        config = add_log(data_dir, origin=origin, vkey=vkey)
    except WitnessConfigError as exc:
        raise _fail(exc) from None
    typer.echo(f"witnessing {len(config.logs)} log(s)")


@witness_app.command("key")
def witness_key(data_dir: DataDir) -> None:
    """Print the witness's vkey (what logs and verifiers configure)."""
    try:
        typer.echo(Cosigner.load(data_dir / KEY_FILE).vkey())
    except CosignerKeyFileError as exc:
        raise _fail(exc) from None


@witness_app.command("serve")
def witness_serve(
    data_dir: DataDir,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.", min=1, max=65535)] = 8100,
) -> None:
    """Serve add-checkpoint (and the monitoring read) for the configured logs."""
    import uvicorn

    from api.witness.app import create_witness_app

    try:
        witness = Witness.open(data_dir)
    except (WitnessConfigError, CosignerKeyFileError) as exc:
        raise _fail(exc) from None
    typer.echo(f"witness {witness.cosigner.vkey()} on http://{host}:{port}/")
    uvicorn.run(create_witness_app(witness), host=host, port=port, log_level="warning")
