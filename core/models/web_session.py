"""Browser sessions and pending OIDC sign-ins, in the database so every worker shares them.

Only a SHA-256 of each random id is stored, never the id; the access token of a session
(a citizen's carries their credit code) and the secrets of a pending sign-in are sealed
under a data key of their own row, wrapped by the master key and stored beside them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, LargeBinary
from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


class WebSessionRow(SQLModel, table=True):
    """A signed-in browser session (`session`) or a sign-in waiting for its callback (`login`)."""

    __tablename__ = "web_session"
    __table_args__ = (
        CheckConstraint("kind IN ('session', 'login')", name="kind"),
        CheckConstraint("kind != 'session' OR role IS NOT NULL", name="session_has_role"),
    )

    id_hash: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    kind: str = Field(max_length=8)
    role: str | None = Field(default=None, max_length=32)
    # What the page header shows: already masked (a masked name, a department, a role).
    label: str | None = Field(default=None, max_length=128)
    data_key_id: uuid.UUID
    wrapped_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False), repr=False)
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False), repr=False)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
