"""Shared parameters: integers bounded to what the database holds (422 past it), and pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from core.bounds import DB_INT_MAX
from core.paging import CURSOR_MAX, PAGE_MAX

LogIndexPath = Annotated[int, Path(ge=0, le=DB_INT_MAX, description="A query-log index.")]
TreeSizeQuery = Annotated[int, Query(ge=1, le=DB_INT_MAX, description="A log tree size.")]
DbIntQuery = Annotated[int, Query(ge=0, le=DB_INT_MAX)]
OptionalDbIntQuery = Annotated[int | None, Query(ge=0, le=DB_INT_MAX)]

# Every list pages the same way (core/paging.py): `cursor` from the last page, `limit` items.
CursorQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=CURSOR_MAX,
        description="The `next_cursor` of the page before; absent for the first page.",
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"Items per page (1-{PAGE_MAX}).")]
