"""Citizen routes for the personal credit report and the export of all my data (SPEC §10)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/me", tags=["citizen"])
