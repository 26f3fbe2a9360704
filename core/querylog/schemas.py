"""What the public is told about the query log's witnesses."""

from __future__ import annotations

from pydantic import BaseModel


class WitnessesPublic(BaseModel):
    """The witness keys a checkpoint is checked against, and how many must have cosigned."""

    quorum: int
    witnesses: list[str]
