"""Cosignatures from the log's witnesses (SPEC §6, §12; C2SP tlog-witness): collection and
publication.

Invariants:
- Collection runs in the maintenance tick, never in a request: it reads the newest stored
  checkpoint in a short transaction, talks to each witness with no transaction open, and
  stores each verified cosignature in a transaction of its own. A witness that is down,
  slow (bounded by the timeout) or refusing costs a warning in the log, nothing more.
- A witness is sent the consistency proof from the largest size it has a stored
  cosignature on (0 at first); a 409 names the size it holds, and the request is retried
  once from there. Only a cosignature line by the configured key that verifies over the
  checkpoint's body is stored; anything else in the answer is ignored.
- The published checkpoint is, with a quorum, the newest stored checkpoint that many
  configured witnesses cosigned (the newest one until any has), with every stored
  cosignature line appended after the log's signature, as signed-note allows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from core.models.querylog import LogCheckpoint
from core.querylog import cosignature_repository as cos_repo
from core.querylog import repository as repo
from core.querylog.proofs import consistency
from core.witness.errors import Malformed
from core.witness.protocol import add_checkpoint_body, parse_size_response
from crypto.checkpoint import note_signature_lines
from crypto.cosignature import (
    CosignatureError,
    CosignerKey,
    parse_cosigner_key,
    verify_cosignature,
    with_cosignatures,
)

log = logging.getLogger("credence.witnesses")


@dataclass(frozen=True, slots=True)
class WitnessEndpoint:
    """A witness the log submits checkpoints to: its submission URL and cosigner key."""

    url: str
    key: CosignerKey


@dataclass(frozen=True, slots=True)
class WitnessSet:
    """The configured witnesses, how many must cosign, and how long each may take."""

    endpoints: tuple[WitnessEndpoint, ...] = ()
    quorum: int = 0
    timeout: float = 5.0

    @classmethod
    def parse(
        cls, witnesses: Sequence[tuple[str, str]], *, quorum: int, timeout: float
    ) -> WitnessSet:
        """From (url, vkey) pairs; raises CosignatureError on a bad key or quorum."""
        endpoints = tuple(
            WitnessEndpoint(url=url.rstrip("/"), key=parse_cosigner_key(vkey))
            for url, vkey in witnesses
        )
        if len({e.key.key_id for e in endpoints}) != len(endpoints):
            raise CosignatureError("a witness key is configured twice")
        if not 0 <= quorum <= len(endpoints):
            raise CosignatureError(f"quorum {quorum} needs as many witnesses")
        return cls(endpoints=endpoints, quorum=quorum, timeout=timeout)

    @property
    def keys(self) -> list[CosignerKey]:
        """The witnesses' cosigner keys."""
        return [e.key for e in self.endpoints]


@dataclass(frozen=True, slots=True)
class Collected:
    """What one collection round did."""

    checkpoint_size: int | None
    stored: int = 0
    failed: int = 0


def collect_cosignatures(
    *,
    engine: Engine,
    witnesses: WitnessSet,
    now: datetime,
    transport: httpx.BaseTransport | None = None,
) -> Collected:
    """Submit the newest stored checkpoint to every witness that has not cosigned it yet."""
    if not witnesses.endpoints:
        return Collected(checkpoint_size=None)
    with Session(engine) as session:
        latest = repo.latest_checkpoint(session)
        if latest is None:
            return Collected(checkpoint_size=None)
        size, note = latest.size, latest.note
        pending = [
            (e, cos_repo.last_cosigned_size(session, e.key.key_id) or 0)
            for e in witnesses.endpoints
            if not cos_repo.has_cosignature(session, size, e.key.key_id)
        ]
    stored = failed = 0
    with httpx.Client(timeout=witnesses.timeout, transport=transport) as client:
        for endpoint, old in pending:
            got = _cosign(engine, client, endpoint, size=size, note=note, old=old)
            if got is None:
                failed += 1
                continue
            line, timestamp = got
            with Session(engine) as session:
                cos_repo.add_cosignature(
                    session,
                    size=size,
                    key_id=endpoint.key.key_id,
                    witness=endpoint.key.name,
                    line=line,
                    timestamp=timestamp,
                    now=now,
                )
                session.commit()
            stored += 1
    return Collected(checkpoint_size=size, stored=stored, failed=failed)


def _proof(engine: Engine, old: int, size: int) -> list[bytes]:
    if old in (0, size):
        return []
    with Session(engine) as session:
        return consistency(session=session, size1=old, size2=size)


def _cosign(
    engine: Engine,
    client: httpx.Client,
    endpoint: WitnessEndpoint,
    *,
    size: int,
    note: str,
    old: int,
) -> tuple[str, int] | None:
    """The witness's verified cosignature line and timestamp, or None (with a warning)."""
    name = endpoint.key.name
    for attempt in range(2):
        if old > size:
            log.warning("witness %s holds size %d, beyond the log's %d", name, old, size)
            return None
        body = add_checkpoint_body(old, _proof(engine, old, size), note)
        try:
            answer = client.post(
                f"{endpoint.url}/add-checkpoint",
                content=body,
                headers={"Content-Type": "text/plain; charset=utf-8"},
            )
        except httpx.HTTPError as exc:
            log.warning("witness %s unreachable: %s", name, type(exc).__name__)
            return None
        if answer.status_code == 409 and attempt == 0:
            try:
                old = parse_size_response(answer.text)
            except Malformed:
                log.warning("witness %s answered 409 without a size", name)
                return None
            continue
        if answer.status_code != 200:
            log.warning("witness %s refused size %d: HTTP %d", name, size, answer.status_code)
            return None
        return _our_line(answer.text, note, endpoint.key)
    log.warning("witness %s still reports another size", name)
    return None


def _our_line(text: str, note: str, key: CosignerKey) -> tuple[str, int] | None:
    body, _ = note_signature_lines(note)
    for line in text.splitlines(keepends=True):
        try:
            timestamp = verify_cosignature(body, line, key)
        except CosignatureError:
            continue
        return (line if line.endswith("\n") else line + "\n"), timestamp
    log.warning("witness %s answered no valid cosignature by its key", key.name)
    return None


def cosigned_note(session: Session, checkpoint: LogCheckpoint) -> str:
    """A stored checkpoint's note with every stored cosignature line appended."""
    return with_cosignatures(checkpoint.note, cos_repo.cosignature_lines(session, checkpoint.size))


def published_checkpoint(session: Session, witnesses: WitnessSet | None) -> LogCheckpoint | None:
    """The checkpoint to publish: with a quorum, the newest that many witnesses cosigned."""
    if witnesses is not None and witnesses.quorum > 0:
        keys = [k.key_id for k in witnesses.keys]
        size = cos_repo.newest_size_with(session, keys, witnesses.quorum)
        if size is not None:
            return repo.checkpoint_at(session, size)
    return repo.latest_checkpoint(session)
