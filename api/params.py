"""Integer path and query parameters, bounded to what the database holds (422 past it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from core.bounds import DB_INT_MAX

LogIndexPath = Annotated[int, Path(ge=0, le=DB_INT_MAX, description="A query-log index.")]
TreeSizeQuery = Annotated[int, Query(ge=1, le=DB_INT_MAX, description="A log tree size.")]
DbIntQuery = Annotated[int, Query(ge=0, le=DB_INT_MAX)]
OptionalDbIntQuery = Annotated[int | None, Query(ge=0, le=DB_INT_MAX)]
