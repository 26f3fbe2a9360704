"""A log in memory that signs checkpoints, and a witness data dir: for the witness tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.witness.config import add_log, init_witness
from core.witness.protocol import add_checkpoint_body
from core.witness.service import Witness
from crypto.checkpoint import Checkpoint, VerifierKey, parse_verifier_key
from crypto.log_signer import LogSigner
from crypto.merkle import MemoryTree, consistency_proof, leaf_hash

ORIGIN = "credence.test/query-log"


@dataclass
class MemoryLog:
    """A log of leaves in memory, signing its checkpoints with its own key."""

    signer: LogSigner = field(
        default_factory=lambda: LogSigner(Ed25519PrivateKey.generate(), origin=ORIGIN, name=ORIGIN)
    )
    tree: MemoryTree = field(default_factory=MemoryTree)

    def signer_key(self) -> VerifierKey:
        """The log's parsed verifier key."""
        return parse_verifier_key(self.signer.verifier_key())

    def grow(self, n: int) -> None:
        """Append `n` leaves."""
        for _ in range(n):
            self.tree.append(leaf_hash(b"leaf %d" % self.tree.size))

    def note(self, size: int | None = None, *, root: bytes | None = None) -> str:
        """The signed checkpoint of the first `size` leaves (or a given root: a fork)."""
        size = self.tree.size if size is None else size
        root = self.tree.root(size) if root is None else root
        return self.signer.sign(Checkpoint(origin=ORIGIN, size=size, root=root))

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        """The consistency proof from `old` leaves to `new` (empty from the empty tree)."""
        new = self.tree.size if new is None else new
        return [] if old in (0, new) else consistency_proof(old, new, self.tree)

    def request(self, old: int, new: int | None = None) -> bytes:
        """An add-checkpoint body from `old` to the checkpoint of `new` leaves."""
        return add_checkpoint_body(old, self.proof(old, new), self.note(new))


def make_witness(data_dir: Path, log: MemoryLog, *, name: str = "witness.test/w1") -> Witness:
    """A witness in `data_dir` configured for `log`."""
    init_witness(data_dir, name=name)
    add_log(data_dir, origin=ORIGIN, vkey=log.signer.verifier_key())
    return Witness.open(data_dir)
