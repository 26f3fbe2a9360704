"""Alembic environment: runs against the engine handed in, or the configured database."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Engine

import core.models
from core.db import make_engine
from core.models.types import UTCDateTime
from core.settings import Settings

target_metadata = core.models.metadata


def _engine() -> Engine:
    given = context.config.attributes.get("engine")
    if isinstance(given, Engine):
        return given
    return make_engine(Settings().database())


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render project column types as plain SQLAlchemy types, so revisions never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    """Run migrations in a transaction on one connection."""
    with _engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported")
run_migrations_online()
