"""Why a witness refuses a checkpoint; the HTTP layer maps each to its tlog-witness status."""

from __future__ import annotations


class WitnessRefusal(Exception):
    """A checkpoint the witness does not cosign; nothing was cosigned or stored."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Malformed(WitnessRefusal):
    """The request does not follow the grammar (or its old size exceeds the new one)."""


class UnknownLog(WitnessRefusal):
    """The checkpoint's origin is not a log this witness is configured for."""


class Untrusted(WitnessRefusal):
    """No valid signature by the log's configured key is on the checkpoint."""


class SizeMismatch(WitnessRefusal):
    """The old size is not the size of the last checkpoint cosigned for this log."""

    def __init__(self, detail: str, *, size: int) -> None:
        super().__init__(detail)
        self.size = size


class Inconsistent(WitnessRefusal):
    """The proof does not show the checkpoint extends the last one cosigned (a fork)."""
