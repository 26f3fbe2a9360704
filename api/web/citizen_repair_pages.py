"""Citizen pages for credit repair: applications, evidence upload, case histories and clocks."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/me", include_in_schema=False)
