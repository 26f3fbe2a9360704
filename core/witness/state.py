"""The witness's state: per log origin, the last checkpoint it cosigned (size, root, note).

Invariants: the state is one JSON file replaced atomically (written in full, fsynced, renamed),
so a crash leaves the old state or the new, never a mix; `locked()` holds a lock across
threads and processes so a check against the state and its update are one step.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crypto import secret_files

_VERSION = 1
_LOCK = threading.Lock()


class WitnessStateError(Exception):
    """The state file is unreadable or malformed."""


@dataclass(frozen=True, slots=True)
class Cosigned:
    """The last checkpoint cosigned for one log: its size, root and the cosigned note."""

    size: int
    root: bytes
    note: str


class StateFile:
    """The JSON state file of one witness."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state against other threads and processes of this witness."""
        with _LOCK, secret_files.directory_lock(self.path.parent):
            yield

    def read(self) -> dict[str, Cosigned]:
        """Every log's last cosigned checkpoint, by origin."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
            if data["version"] != _VERSION:
                raise ValueError("version")
            return {
                origin: Cosigned(
                    size=int(item["size"]),
                    root=base64.b64decode(item["root"], validate=True),
                    note=str(item["note"]),
                )
                for origin, item in data["logs"].items()
            }
        except (ValueError, TypeError, KeyError) as exc:
            raise WitnessStateError(f"{self.path} is malformed ({type(exc).__name__})") from None

    def get(self, origin: str) -> Cosigned | None:
        """The last checkpoint cosigned for one origin."""
        return self.read().get(origin)

    def put(self, origin: str, cosigned: Cosigned) -> None:
        """Record a log's new cosigned checkpoint (call under `locked()`)."""
        logs = self.read()
        logs[origin] = cosigned
        data = {
            "version": _VERSION,
            "logs": {
                o: {"size": c.size, "root": base64.b64encode(c.root).decode(), "note": c.note}
                for o, c in sorted(logs.items())
            },
        }
        secret_files.replace_private(self.path, json.dumps(data, indent=1).encode("utf-8"))
