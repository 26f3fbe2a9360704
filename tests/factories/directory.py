"""The organisation registry: agencies and departments registered for a test."""

from __future__ import annotations

from core.context import Context
from core.directory import service as directory
from core.directory.schemas import OrganisationView


def make_agency(
    ctx: Context, slug: str = "bank-1", *, name_zh: str = "测试银行", name_en: str = "Test Bank"
) -> OrganisationView:
    """Register an agency (the consents factory's `bank-1` by default)."""
    return directory.register(ctx, slug=slug, kind="agency", name_zh=name_zh, name_en=name_en)


def make_department(
    ctx: Context,
    slug: str = "sz-tax-bureau",
    *,
    name_zh: str = "测试税务局",
    name_en: str = "Test Tax Bureau",
) -> OrganisationView:
    """Register a department."""
    return directory.register(ctx, slug=slug, kind="department", name_zh=name_zh, name_en=name_en)
