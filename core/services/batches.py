"""Batch submission: idempotent by the department's external id, one outcome per item.

Invariants: each item is validated on its own and stored in its own savepoint,
so a bad item never loses the good ones and every item is stored entirely or
not at all; an external id already recorded is reported as existing and never
written twice, so a batch can be re-sent after any interruption; the stored
items are committed in chunks of bounded time (`core.db.ChunkedCommits`), so a
large batch never holds the write lock for long — an interrupted one has stored
a prefix of its items, and re-sending it stores the rest.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session

from core.db import CHUNK_SECONDS, ChunkedCommits
from core.errors import DomainError
from core.keyring import Keyring
from core.policies.workdays import WorkCalendar
from core.repositories import records as repo
from core.schemas.records import BatchItemResult, BatchResult, EntryCreate, ItemError
from core.services.records import DEFAULT_CALENDAR, create_entry


def _external_id(item: dict[str, object]) -> str | None:
    value = item.get("external_id")
    return value if isinstance(value, str) and len(value) <= 128 else None


def _invalid(index: int, ext: str | None, errors: list[ItemError]) -> BatchItemResult:
    return BatchItemResult(
        index=index, external_id=ext, status="invalid", http_status=422, errors=errors
    )


def submit_batch(
    *,
    session: Session,
    keyring: Keyring,
    department: str,
    actor: str,
    items: list[dict[str, object]],
    now: datetime,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    chunk_seconds: float = CHUNK_SECONDS,
) -> BatchResult:
    """Store every valid, new item; report existing and invalid ones item by item."""
    results: list[BatchItemResult] = []
    seen: set[str] = set()
    chunks = ChunkedCommits(session, chunk_seconds)
    for index, item in enumerate(items):
        ext = _external_id(item)
        try:
            payload = EntryCreate.model_validate(item)
        except ValidationError as exc:
            errors = [
                ItemError(loc=[str(p) for p in e["loc"]], msg=e["msg"], type=e["type"])
                for e in exc.errors(include_input=False, include_url=False)
            ]
            results.append(_invalid(index, ext, errors))
            continue
        if payload.external_id in seen:
            results.append(
                _invalid(
                    index,
                    ext,
                    [
                        ItemError(
                            loc=["external_id"], msg="repeated within this batch", type="duplicate"
                        )
                    ],
                )
            )
            continue
        seen.add(payload.external_id)
        found = repo.entry_by_external_id(
            session, department=department, external_id=payload.external_id
        )
        if found is not None:
            results.append(
                BatchItemResult(
                    index=index, external_id=ext, status="existing", http_status=200, id=found.id
                )
            )
            continue
        try:
            with session.begin_nested():
                view = create_entry(
                    session=session,
                    keyring=keyring,
                    department=department,
                    actor=actor,
                    payload=payload,
                    now=now,
                    calendar=calendar,
                )
        except DomainError as exc:
            results.append(
                _invalid(
                    index, ext, [ItemError(loc=[], msg=exc.detail, type=exc.rule or exc.type_slug)]
                )
            )
            continue
        results.append(
            BatchItemResult(
                index=index, external_id=ext, status="created", http_status=201, id=view.id
            )
        )
        chunks.done_one()
    return BatchResult(
        created=sum(r.status == "created" for r in results),
        existing=sum(r.status == "existing" for r in results),
        invalid=sum(r.status == "invalid" for r in results),
        items=results,
    )
