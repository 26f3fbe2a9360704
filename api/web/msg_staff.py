"""Page messages (zh, en) for repair officer, recorder and auditor pages, public list filters."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {}
