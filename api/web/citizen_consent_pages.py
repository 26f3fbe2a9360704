"""Citizen pages for authorizations (grant, revoke), the freeze and entry statements."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/me", include_in_schema=False)
