"""The organisation registry: register, rename, disable and list departments and agencies.

Invariants: a slug is registered once and never reused (disabling keeps the row, so the
names of old entries and grants still resolve); names are trimmed, non-empty and at
most 128 characters; `require_agency` is how other rules refuse an organisation that
is not an enabled agency, without saying which of the two it failed.
"""

from __future__ import annotations

import re
from typing import Final

from core.context import Context
from core.directory import repository as repo
from core.directory.schemas import Names, OrganisationKind, OrganisationView
from core.errors import Conflict, InvalidInput, NotFound
from core.models import Organisation

NAME_MAX: Final = 128
KINDS: Final = ("department", "agency")
_SLUG: Final = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?")


def _view(row: Organisation) -> OrganisationView:
    return OrganisationView(
        slug=row.slug,
        kind=row.kind,
        name_zh=row.name_zh,
        name_en=row.name_en,
        created_at=row.created_at,
        disabled=row.disabled_at is not None,
    )


def _name(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > NAME_MAX:
        raise InvalidInput(f"{field} must be 1 to {NAME_MAX} characters", rule=field)
    return value


def check_slug(value: str) -> str:
    """A valid organisation slug, or InvalidInput (never echoing the value)."""
    value = value.strip()
    if not _SLUG.fullmatch(value):
        raise InvalidInput(
            "slug must be 1 to 64 lower-case letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit",
            rule="slug",
        )
    return value


def register(
    ctx: Context, *, slug: str, kind: OrganisationKind, name_zh: str, name_en: str
) -> OrganisationView:
    """Register a new organisation; a slug already registered is a conflict."""
    slug = check_slug(slug)
    if kind not in KINDS:
        raise InvalidInput("kind must be department or agency", rule="kind")
    if repo.get(ctx.session, slug) is not None:
        raise Conflict("this organisation is already registered", rule="organisation_exists")
    row = Organisation(
        slug=slug,
        kind=kind,
        name_zh=_name(name_zh, "name_zh"),
        name_en=_name(name_en, "name_en"),
        created_at=ctx.now(),
    )
    return _view(repo.add(ctx.session, row))


def rename(ctx: Context, *, slug: str, name_zh: str, name_en: str) -> OrganisationView:
    """Change an organisation's display names."""
    if not repo.rename(
        ctx.session,
        slug=check_slug(slug),
        name_zh=_name(name_zh, "name_zh"),
        name_en=_name(name_en, "name_en"),
    ):
        raise NotFound("no such organisation", rule="organisation")
    return get(ctx, slug=slug)


def disable(ctx: Context, *, slug: str) -> OrganisationView:
    """Disable an organisation: it can no longer be granted to or sign in; its names stay."""
    row = repo.get(ctx.session, check_slug(slug))
    if row is None:
        raise NotFound("no such organisation", rule="organisation")
    if not repo.disable(ctx.session, slug=row.slug, now=ctx.now()):
        raise Conflict("this organisation is already disabled", rule="organisation_disabled")
    ctx.session.refresh(row)
    return _view(row)


def get(ctx: Context, *, slug: str) -> OrganisationView:
    """One organisation, enabled or not."""
    row = repo.get(ctx.session, slug)
    if row is None:
        raise NotFound("no such organisation", rule="organisation")
    return _view(row)


def listing(
    ctx: Context, *, kind: OrganisationKind | None = None, include_disabled: bool = False
) -> list[OrganisationView]:
    """The registered organisations of a kind (or all), by slug."""
    rows = repo.listing(ctx.session, kind=kind, include_disabled=include_disabled)
    return [_view(r) for r in rows]


def agencies(ctx: Context) -> list[OrganisationView]:
    """The enabled agencies a citizen may grant access to, by slug."""
    return listing(ctx, kind="agency")


def require_agency(ctx: Context, *, slug: str) -> OrganisationView:
    """The enabled agency `slug`, or InvalidInput when there is none by that id."""
    return _require(ctx, slug, "agency")


def require_department(ctx: Context, *, slug: str) -> OrganisationView:
    """The enabled recording department `slug`, or InvalidInput when there is none."""
    return _require(ctx, slug, "department")


def _require(ctx: Context, slug: str, kind: OrganisationKind) -> OrganisationView:
    row = repo.get(ctx.session, slug)
    if row is None or row.kind != kind or row.disabled_at is not None:
        raise InvalidInput(f"no registered {kind} has this id", rule=f"{kind}_unknown")
    return _view(row)


def names(ctx: Context) -> Names:
    """The display names of every organisation, disabled ones too (old rows name them)."""
    rows = repo.listing(ctx.session, kind=None, include_disabled=True)
    return Names(by_slug={r.slug: (r.name_zh, r.name_en) for r in rows})
