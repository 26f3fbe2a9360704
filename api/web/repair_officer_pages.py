"""Repair officers' pages: the department's work list, a case, the decision form."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/officer", include_in_schema=False)
