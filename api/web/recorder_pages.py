"""Recorders' pages: add an entry, upload a batch (CSV or JSON) with per-row results."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/recorder", include_in_schema=False)
