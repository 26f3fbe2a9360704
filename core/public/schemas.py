"""Schemas of the public data (§9): masked entries, exit announcements, the masked lookup.

Every public response is built from these masked schemas only: no field can carry a
code, a full name, the facts or the citizen's statement (a test walks the public routes'
response models to keep it so). Text fields are bounded, which bounds the size of a
lookup answer, so every lookup answer can be padded to one fixed length.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.public.masking import PublicExitReason
from core.vocabulary import Domain

PublicKind = Literal["red", "black"]

REF_MAX: Final = 32
DEPARTMENT_MAX: Final = 64
SUMMARY_MAX: Final = 500
BASIS_MAX: Final = 500
MASKED_NAME_MAX: Final = 3
PAGE_MAX: Final = 100
PAGE_DEFAULT: Final = 20
# A lookup examines at most this many of the subject's displayed public entries (always
# this many decryptions, padded with a dummy) and returns at most `LOOKUP_MAX_ENTRIES`.
LOOKUP_SLOTS: Final = 8
LOOKUP_MAX_ENTRIES: Final = 3
# Every lookup answer is padded with trailing JSON whitespace to exactly this many bytes;
# `LOOKUP_MAX_ENTRIES` entries of the largest allowed fields fit (a test proves it).
LOOKUP_BODY_BYTES: Final = 24_576


class PublicEntry(BaseModel):
    """An entry as the public sees it: masked name, public summary, no code, no facts."""

    public_ref: str = Field(max_length=REF_MAX)
    masked_name: str = Field(max_length=MASKED_NAME_MAX)
    department: str = Field(max_length=DEPARTMENT_MAX)
    domain: Domain
    list_kind: PublicKind
    # The department's public summary, never the facts; null when it gave none.
    public_summary: str | None = Field(default=None, max_length=SUMMARY_MAX)
    legal_basis: str = Field(max_length=BASIS_MAX)
    decided_on: date
    display_until: date
    # The objection mark (异议标注, §7).
    under_objection: bool


class PublicListPage(BaseModel):
    """One page of a public list; `next_cursor` is null on the last page."""

    items: list[PublicEntry]
    next_cursor: str | None = None


class PublicAnnouncement(BaseModel):
    """An exit from a public list. An erroneous listing keeps only its reason and date."""

    reason: PublicExitReason
    announced_on: date
    public_ref: str | None = Field(default=None, max_length=REF_MAX)
    # Null for an erroneous listing, and once the entry's key is shredded.
    masked_name: str | None = Field(default=None, max_length=MASKED_NAME_MAX)
    list_kind: PublicKind | None = None
    domain: Domain | None = None
    department: str | None = Field(default=None, max_length=DEPARTMENT_MAX)


class AnnouncementPage(BaseModel):
    """One page of exit announcements, newest first."""

    items: list[PublicAnnouncement]
    next_cursor: str | None = None


LookupCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
LookupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class LookupRequest(BaseModel):
    """A full code and a full name; anything that is not a valid code simply finds nothing."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    code: LookupCode = Field(repr=False)
    name: LookupName = Field(repr=False)


class LookupAnswer(BaseModel):
    """Whether a displayed public entry matches both code and name, with its masked view."""

    found: bool
    entries: list[PublicEntry] = Field(default_factory=list, max_length=LOOKUP_MAX_ENTRIES)
