"""Page messages (zh, en) for the personal credit report and the data export."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {}
