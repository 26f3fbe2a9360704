"""What the organisation registry shows: one organisation, and the names of all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

OrganisationKind = Literal["department", "agency"]


class OrganisationView(BaseModel):
    """One registered organisation, as the directory lists it."""

    slug: str
    kind: OrganisationKind
    name_zh: str
    name_en: str
    created_at: datetime
    disabled: bool

    def name(self, lang: str) -> str:
        """The display name in a page language."""
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class Names:
    """Every organisation's display names by slug: what pages and reports print."""

    by_slug: dict[str, tuple[str, str]] = field(default_factory=dict)

    def of(self, slug: str | None, lang: str) -> str:
        """The name of `slug` in `lang`; the slug itself when it is not registered."""
        if not slug:
            return ""
        pair = self.by_slug.get(slug)
        if pair is None:
            return slug
        return pair[1] if lang == "en" else pair[0]

    def known(self, slug: str) -> bool:
        """Whether `slug` is registered."""
        return slug in self.by_slug
