"""Table models; importing this package registers every table on `metadata` (alembic needs it)."""

from core.models.base import metadata
from core.models.clients import OAuthClient
from core.models.keys import DataKeyRow, KeyCheck
from core.models.records import Entry, EntryEvent, Subject

__all__ = ["DataKeyRow", "Entry", "EntryEvent", "KeyCheck", "OAuthClient", "Subject", "metadata"]
