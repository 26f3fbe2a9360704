"""Page messages (zh, en) for the in-browser receipt verifier."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {}
