"""The printable personal credit report (HTML and PDF) and the download of all my data."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/me", include_in_schema=False)
