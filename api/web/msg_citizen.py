"""Page messages (zh, en) for the citizen self-service pages: consents, statements, repairs."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {}
