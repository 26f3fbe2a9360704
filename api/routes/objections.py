"""Objections (§7): the citizen's side under /me, the officer's side at the top level."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["objections"])
