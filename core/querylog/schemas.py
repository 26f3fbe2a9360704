"""What the public log endpoints answer: consistency proofs, pages of checkpoints, and
the witnesses a checkpoint is checked against."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConsistencyProof(BaseModel):
    """An RFC 9162 consistency proof between two tree sizes, as standard base64 hashes."""

    model_config = ConfigDict(populate_by_name=True)

    first: int = Field(serialization_alias="from")
    second: int = Field(serialization_alias="to")
    proof: list[str]


class PublishedCheckpoint(BaseModel):
    """A stored signed checkpoint: its size, root (base64) and the signed note itself."""

    size: int
    root: str
    note: str


class WitnessesPublic(BaseModel):
    """The witness keys a checkpoint is checked against, and how many must have cosigned."""

    quorum: int
    witnesses: list[str]
