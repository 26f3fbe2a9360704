"""The public lookup's rate limit as a dependency: 429 with `Retry-After` past it."""

from __future__ import annotations

import math

from fastapi import HTTPException, Request

from api.ratelimit import client_key
from api.state import app_state


def limit_lookups(request: Request) -> None:
    """Refuse a lookup beyond the client address's rate with 429 and `Retry-After`."""
    host = request.client.host if request.client is not None else None
    wait = app_state(request).lookup_limiter.take(client_key(host))
    if wait is not None:
        raise HTTPException(
            status_code=429,
            detail="Too many lookups from this address; retry after the time given",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
