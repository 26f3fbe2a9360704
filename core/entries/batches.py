"""Batch submission: idempotent by the department's external id, one outcome per item.

Invariants: each item is validated on its own and stored in its own savepoint,
so a bad item never loses the good ones and every item is stored entirely or
not at all; an external id already recorded is never written twice: reported as
existing when the item is the submission it recorded (so a batch can be re-sent
after any interruption), as a conflict when its content differs; the stored
items are committed in chunks of bounded time (`core.db.ChunkedCommits`), so a
large batch never holds the write lock for long — an interrupted one has stored
a prefix of its items, and re-sending it stores the rest.
"""

from __future__ import annotations

import uuid

from pydantic import ValidationError
from sqlmodel import Session

from core.clock import clock
from core.codes import holds_code
from core.context import Context
from core.db import CHUNK_SECONDS, ChunkedCommits
from core.entries import repository as repo
from core.entries.schemas import BatchItemResult, BatchResult, EntryCreate, ItemError
from core.entries.service import create_entry, matches_submission
from core.errors import DomainError
from core.keyring import Keyring


def _external_id(item: dict[str, object]) -> str | None:
    """The item's external id to echo in its result; never one that holds a subject code."""
    value = item.get("external_id")
    if not isinstance(value, str) or len(value) > 128 or holds_code(value, today=clock.today()):
        return None
    return value


def _invalid(index: int, ext: str | None, errors: list[ItemError]) -> BatchItemResult:
    return BatchItemResult(
        index=index, external_id=ext, status="invalid", http_status=422, errors=errors
    )


def _existing(index: int, ext: str | None, entry_id: uuid.UUID) -> BatchItemResult:
    return BatchItemResult(
        index=index, external_id=ext, status="existing", http_status=200, id=entry_id
    )


def _changed(index: int, ext: str | None) -> BatchItemResult:
    # As a single POST /records answers a resend: the stored entry is not changed, or named.
    error = ItemError(
        loc=["external_id"],
        msg="this external_id is already recorded by the department with other content",
        type="duplicate_external_id",
    )
    return BatchItemResult(
        index=index, external_id=ext, status="conflict", http_status=409, errors=[error]
    )


def _as_resend(
    session: Session,
    keyring: Keyring,
    department: str,
    payload: EntryCreate,
    index: int,
    ext: str | None,
) -> BatchItemResult | None:
    """The result for an id already recorded (existing, or a conflict); None if it is new."""
    found = repo.entry_by_external_id(
        session, department=department, external_id=payload.external_id
    )
    if found is None:
        return None
    same = matches_submission(Context(session, keyring), entry=found, payload=payload)
    return _existing(index, ext, found.id) if same else _changed(index, ext)


def submit_batch(
    ctx: Context,
    *,
    department: str,
    actor: str,
    items: list[dict[str, object]],
    chunk_seconds: float = CHUNK_SECONDS,
) -> BatchResult:
    """Store every valid, new item; report existing and invalid ones item by item."""
    now = ctx.now()
    results: list[BatchItemResult] = []
    seen: set[str] = set()
    chunks = ChunkedCommits(ctx.session, chunk_seconds)
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
        resent = _as_resend(ctx.session, ctx.keyring, department, payload, index, ext)
        if resent is not None:
            results.append(resent)
            continue
        try:
            with ctx.session.begin_nested():
                view = create_entry(
                    ctx, department=department, actor=actor, payload=payload, now=now
                )
        except DomainError as exc:
            # Another request may have recorded this id meanwhile: answered as a resend.
            resent = _as_resend(ctx.session, ctx.keyring, department, payload, index, ext)
            if resent is not None:
                results.append(resent)
                continue
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
        conflict=sum(r.status == "conflict" for r in results),
        invalid=sum(r.status == "invalid" for r in results),
        items=results,
    )
