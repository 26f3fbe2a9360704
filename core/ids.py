"""Time-ordered ids (UUID version 7 layout), so history lines written at one instant keep order.

Invariants: within a process, each id is greater than the one before it (a counter breaks
ties inside a millisecond); across processes, ids follow the wall clock to the
millisecond. The project clock is not used: tests freeze it, and order must still hold.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0


def ordered_id() -> uuid.UUID:
    """A new UUIDv7-shaped id, strictly increasing within this process."""
    global _last
    with _lock:
        # 48 bits of milliseconds, then 12 bits of counter space, in one 60-bit number.
        candidate = time.time_ns() // 1_000_000 << 12
        _last = max(candidate, _last + 1)
        stamp = _last
    ms, seq = stamp >> 12, stamp & 0xFFF
    value = (ms & (1 << 48) - 1) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62
    return uuid.UUID(int=value | secrets.randbits(62))
