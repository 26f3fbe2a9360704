"""`credence demo`, `credence import` and `credence sweep`: the commands that move records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import log_signer, open_service, refuse
from cli.progress import meter

IMPORT_CHUNK = 1000  # the batch API's own limit: an import is a series of batches


def demo() -> None:
    """Load the demo data set (idempotent)."""
    from sqlmodel import Session

    from core.demo.dataset import DEMO_PEOPLE, load_demo
    from core.demo.people import demo_people
    from core.demo.queries import load_demo_queries

    runtime = open_service()
    with Session(runtime.engine) as session, meter("demo entries") as progress:
        result = load_demo(session=session, keyring=runtime.keyring, progress=progress)
    typer.echo(f"demo data: {result.created} entries created, {result.existing} already present")
    with Session(runtime.engine) as session:
        queries = load_demo_queries(
            session=session,
            keyring=runtime.keyring,
            signer=log_signer(runtime.settings),
            people=demo_people(DEMO_PEOPLE),
            rules=runtime.audit_rules,
            cadence=runtime.cadence,
        )
        session.commit()
    if queries.logged:
        typer.echo(f"demo queries: {queries.logged} logged, {queries.refused} of them refused")
    else:
        typer.echo("demo queries: the query log already has entries; none added")


def demo_credential(
    code: Annotated[str, typer.Option(help="The credit code of the person it is issued to.")],
    way: Annotated[
        str, typer.Option(help="donation (a receipt), training or volunteering.")
    ] = "donation",
    amount_cents: Annotated[
        int | None, typer.Option(help="A donation's amount in fen (cents).", min=1)
    ] = None,
    hours: Annotated[int | None, typer.Option(help="Volunteering hours.", min=1)] = None,
    credential_id: Annotated[
        str | None, typer.Option("--id", help="The credential id (random if not given).")
    ] = None,
) -> None:
    """DEMO ONLY: print a credential signed by a demo issuer, to paste into a repair form."""
    from core.clock import clock
    from core.demo.issuers import BY_WAY, issue
    from core.errors import InvalidInput

    if way not in BY_WAY:
        raise refuse(
            InvalidInput(f"--way is one of {', '.join(sorted(BY_WAY))}", rule="unknown_way")
        )
    if way == "volunteering" and hours is None:
        hours = 40
    if way == "donation" and amount_cents is None:
        amount_cents = 50000
    typer.echo(
        issue(
            way,
            code=code,
            issued_at=clock.now(),
            credential_id=credential_id,
            amount_cents=amount_cents,
            hours=hours,
        )
    )


def sweep() -> None:
    """One pass of the expiry sweeper (idempotent; safe beside other workers)."""
    from core.clock import clock
    from core.entries.sweeper import sweep as run_sweep

    runtime = open_service()
    with meter("entries examined") as progress:
        report = run_sweep(
            engine=runtime.engine,
            keyring=runtime.keyring,
            now=clock.now(),
            case_grace=runtime.case_grace,
            progress=progress,
        )
    fired = ", ".join(f"{n} {event}" for event, n in sorted(report.events.items())) or "nothing due"
    typer.echo(f"sweep: {report.examined} entries examined; {fired}")


def _items(path: Path) -> list[dict[str, Any]]:
    """The submissions of a JSON array or JSON Lines file; exit 2 naming the bad line only."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"credence: cannot read {path}: {type(exc).__name__}", err=True)
        raise typer.Exit(2) from None
    if text.lstrip().startswith("["):
        loaded = _decode(path, text, first_line=1)
    else:
        lines = enumerate(text.splitlines(), start=1)
        loaded = [_decode(path, line, first_line=n) for n, line in lines if line.strip()]
    if not isinstance(loaded, list) or not all(isinstance(i, dict) for i in loaded):
        typer.echo(f"credence: {path} must hold submission objects", err=True)
        raise typer.Exit(2)
    return loaded


def _decode(path: Path, text: str, *, first_line: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # Where it stopped, never the text around it (it may hold a code or a name).
        line = first_line + exc.lineno - 1
        typer.echo(f"credence: {path} is not JSON or JSON Lines (at line {line})", err=True)
        raise typer.Exit(2) from None


def _chunks(items: list[dict[str, Any]]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    for start in range(0, len(items), IMPORT_CHUNK):
        yield start, items[start : start + IMPORT_CHUNK]


def import_entries(
    path: Annotated[Path, typer.Argument(help="A JSON array or JSON Lines of submissions.")],
    department: Annotated[str, typer.Option(help="The registered recording department.")],
    actor: Annotated[
        str, typer.Option(help="Who records them, as the entries' history will name it.")
    ] = "import",
) -> None:
    """Record a department's entries from a file, as the batch API does (idempotent)."""
    from sqlmodel import Session

    from core.context import Context
    from core.directory.service import require_department
    from core.entries.batches import submit_batch
    from core.errors import InvalidInput

    items = _items(path)
    runtime = open_service()
    totals = {"created": 0, "existing": 0, "conflict": 0, "invalid": 0}
    with Session(runtime.engine) as session, meter("submissions") as progress:
        ctx = Context(session=session, keyring=runtime.keyring, calendar=runtime.calendar)
        try:
            require_department(ctx, slug=department)
        except InvalidInput as exc:
            raise refuse(exc) from None
        progress.total(len(items))
        for start, chunk in _chunks(items):
            result = submit_batch(ctx, department=department, actor=actor, items=chunk)
            session.commit()
            for item in result.items:
                if item.status in ("invalid", "conflict"):
                    # Where and which rule, never the value (it may hold a code or a name).
                    rules = "; ".join(f"{'.'.join(e.loc)}: {e.type}" for e in item.errors)
                    line = f"item {start + item.index}: {item.status} {rules}"
                    typer.echo(line.rstrip(), err=True)
            for key in totals:
                totals[key] += getattr(result, key)
            progress.advance(len(chunk))
    typer.echo(
        f"import: {len(items)} submissions; {totals['created']} created, "
        f"{totals['existing']} already recorded, {totals['conflict']} conflicting, "
        f"{totals['invalid']} invalid"
    )
    if totals["invalid"] or totals["conflict"]:
        raise typer.Exit(1)
