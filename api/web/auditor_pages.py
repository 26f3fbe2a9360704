"""Auditors' pages: the query log with filters and flags."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/audit", include_in_schema=False)
