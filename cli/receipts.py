"""`credence receipt verify`: check, offline, what an agency or a citizen was shown.

It reads a saved agency answer (or just its receipt) or a saved query history (the items
of `GET /api/v1/me/queries`, every page joined into one list, or one page as served) and
the log's verifier key (`GET /api/v1/public/log-key`). It rebuilds every leaf from the
fields shown before it checks a proof, so an altered row fails; for a history it also
checks the chain, so a row left out fails. It needs neither the service nor its database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from crypto.bound_receipt import verify_answer, verify_history
from crypto.leaf_binding import BindingError
from crypto.merkle import ProofError

receipt_app = typer.Typer(no_args_is_help=True, help="Check receipts and histories offline.")


def _load(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        typer.echo(f"credence: cannot read {what} {path}: {type(exc).__name__}", err=True)
        raise typer.Exit(2) from None


def _witnesses(path: Path | None) -> tuple[list[str], int]:
    if path is None:
        return [], 0
    saved = _load(path, "the witnesses")
    keys = saved.get("witnesses") if isinstance(saved, dict) else None
    quorum = saved.get("quorum") if isinstance(saved, dict) else None
    if not isinstance(keys, list) or not isinstance(quorum, int) or isinstance(quorum, bool):
        typer.echo(f"credence: {path} is not the saved GET /api/v1/public/witnesses", err=True)
        raise typer.Exit(2)
    return [str(k) for k in keys], quorum


@receipt_app.command("verify")
def verify(
    path: Annotated[Path, typer.Argument(help="a saved answer, receipt or query history")],
    log_key: Annotated[Path, typer.Option(help="the log's verifier key (public/log-key)")],
    witnesses: Annotated[
        Path | None,
        typer.Option(help="the witnesses and quorum to require (public/witnesses, as saved)"),
    ] = None,
) -> None:
    """Rebuild every leaf from what was shown, then check its proof (and a history's chain);
    with --witnesses, every checkpoint must carry the quorum's cosignatures."""
    document = _load(path, "the document")
    vkey = log_key.read_text(encoding="utf-8").strip()
    keys, quorum = _witnesses(witnesses)
    if isinstance(document, dict) and set(document) == {"items", "next_cursor"}:
        document = document["items"]  # one page of a history, as served
    try:
        if isinstance(document, list):
            check = verify_history(document, vkey, witnesses=keys, quorum=quorum)
            done = (
                "complete back to the first query"
                if check.complete
                else "not shown to the first query"
            )
            typer.echo(
                f"ok: {check.verified} queries proven in the log as shown, "
                f"{check.pending} awaiting a checkpoint; the history is {done}"
            )
            return
        receipt = document.get("receipt", document) if isinstance(document, dict) else document
        checkpoint = verify_answer(receipt, vkey, witnesses=keys, quorum=quorum)
    except (BindingError, ProofError, ValueError) as exc:
        typer.echo(f"FAILED: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"ok: log entry {receipt['index']} is in the log of size {checkpoint.size} as shown")
