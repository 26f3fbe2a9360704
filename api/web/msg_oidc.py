"""Page messages (zh, en) for sign-in through the OIDC provider."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {}
