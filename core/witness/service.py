"""The witness's rules (C2SP tlog-witness add-checkpoint): cosign only what extends the past.

Invariants:
- A checkpoint is cosigned only if its origin is configured, it carries a valid signature by
  that log's configured key, its old size is the size last cosigned for that origin (0 when
  none), and the consistency proof shows it extends that checkpoint; at equal sizes the roots
  must be the same. A fork is refused.
- The check and the update of the stored state are one step under the state lock, and the
  new state is durable before the cosignature is returned; on any refusal nothing is
  cosigned or stored.
- Cosignature timestamps come from the project clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.witness.config import (
    KEY_FILE,
    STATE_FILE,
    WitnessConfig,
    WitnessConfigError,
    load_config,
)
from core.witness.errors import Inconsistent, Malformed, SizeMismatch, UnknownLog, Untrusted
from core.witness.protocol import AddCheckpoint, parse_add_checkpoint
from core.witness.state import Cosigned, StateFile
from crypto.checkpoint import Checkpoint, CheckpointError, note_signature_lines, open_checkpoint
from crypto.cosignature import with_cosignatures
from crypto.cosigner import Cosigner
from crypto.merkle import EMPTY_ROOT, ProofError, verify_consistency


@dataclass
class Witness:
    """A witness: its configuration, cosigning key and state file."""

    config: WitnessConfig
    cosigner: Cosigner
    state: StateFile

    @classmethod
    def open(cls, data_dir: Path) -> Witness:
        """The witness kept in a data dir (made by `init_witness`)."""
        config = load_config(data_dir)
        cosigner = Cosigner.load(data_dir / KEY_FILE)
        if cosigner.name != config.name:
            raise WitnessConfigError("the witness key and config name different witnesses")
        return cls(config=config, cosigner=cosigner, state=StateFile(data_dir / STATE_FILE))

    def add_checkpoint(self, body: bytes, *, now: datetime) -> str:
        """Handle an add-checkpoint request body; the cosignature line(s) to answer with."""
        request = parse_add_checkpoint(body)
        checkpoint = self._verified(request.note)
        if request.old_size > checkpoint.size:
            raise Malformed(f"old size {request.old_size} exceeds the checkpoint's")
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            raise Inconsistent("a checkpoint of size 0 must have the empty tree's root")
        with self.state.locked():
            last = self.state.get(checkpoint.origin)
            _check_extends(last, request, checkpoint)
            line = self.cosigner.cosign(checkpoint.body(), timestamp=int(now.timestamp()))
            note = with_cosignatures(request.note, [line])
            self.state.put(
                checkpoint.origin, Cosigned(size=checkpoint.size, root=checkpoint.root, note=note)
            )
        return line

    def latest(self, origin: str) -> str | None:
        """The last checkpoint cosigned for an origin, with the log's and our signatures."""
        last = self.state.get(origin)
        return None if last is None else last.note

    def _verified(self, note: str) -> Checkpoint:
        try:
            body, _ = note_signature_lines(note)
            origin = Checkpoint.parse(body).origin
        except CheckpointError as exc:
            raise Malformed(f"the checkpoint is malformed: {exc}") from None
        key = self.config.logs.get(origin)
        if key is None:
            raise UnknownLog("this witness does not witness that origin")
        try:
            return open_checkpoint(note, key.name, key.public_key, origin=origin)
        except CheckpointError as exc:
            raise Untrusted(f"the checkpoint is not signed by the log's key: {exc}") from None


def _check_extends(last: Cosigned | None, request: AddCheckpoint, checkpoint: Checkpoint) -> None:
    known = 0 if last is None else last.size
    if request.old_size != known:
        raise SizeMismatch(f"the last checkpoint cosigned has size {known}", size=known)
    if last is None or request.old_size == 0:
        if request.proof:
            raise Inconsistent("a proof from the empty tree must be empty")
        return
    if checkpoint.size == last.size:
        if request.proof or checkpoint.root != last.root:
            raise Inconsistent("same size as the last checkpoint cosigned, different root")
        return
    try:
        verify_consistency(last.size, checkpoint.size, request.proof, last.root, checkpoint.root)
    except ProofError:
        raise Inconsistent("the consistency proof does not verify") from None
