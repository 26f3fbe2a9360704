"""Batch files a recorder uploads: checked for size and type before any row is read.

Invariants: a file is read at most one byte past its limit; its extension, declared type
and content must agree (CSV or JSON, UTF-8 text); a CSV header names only the fields of
`EntryCreate`; nothing of a refused file is parsed further, and no row's value is echoed.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Final

from fastapi import UploadFile
from pydantic import ValidationError

from api.http import media_type, read_bounded
from core.entries.schemas import BatchRequest, EntryCreate

# The fields a CSV header may name: exactly those of the entry a recorder submits.
COLUMNS: Final = tuple(EntryCreate.model_fields)
MAX_BATCH_BYTES: Final = 1024 * 1024
MAX_BATCH_ITEMS: Final = 1000
_CSV_TYPES: Final = frozenset(
    {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", ""}
)
_JSON_TYPES: Final = frozenset({"application/json", "text/json", "text/plain", ""})
_ANY_BINARY: Final = "application/octet-stream"


class BadFile(Exception):
    """A batch file refused before any row was read: which message, which status."""

    def __init__(self, message_key: str, status: int) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.status = status


def _format(upload: UploadFile) -> str:
    """`csv` or `json`, by the file's name and declared type; anything else is refused."""
    name = (upload.filename or "").lower()
    declared = media_type(upload)
    if name.endswith(".csv") and (declared in _CSV_TYPES or declared == _ANY_BINARY):
        return "csv"
    if name.endswith(".json") and (declared in _JSON_TYPES or declared == _ANY_BINARY):
        return "json"
    raise BadFile("batch.error.type", 415)


def _text(content: bytes) -> str:
    if b"\x00" in content:  # a binary file under a text name
        raise BadFile("batch.error.type", 415)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("batch.error.encoding", 422) from None


def _csv_value(column: str, value: str) -> object:
    if column == "repair_ways":
        return [w.strip() for w in value.replace("|", ";").split(";") if w.strip()]
    return value.strip()


def _csv_items(text: str) -> list[dict[str, object]]:
    """One item per data row: blank cells left out, repair ways split on `;`."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), restkey="unexpected_cells")
        header = reader.fieldnames or []
        if "external_id" not in header or not set(header) <= set(COLUMNS):
            raise BadFile("batch.error.columns", 422)
        items: list[dict[str, object]] = []
        for row in reader:
            item: dict[str, object] = {}
            for column, value in row.items():
                if isinstance(value, list):  # more cells than columns: refused row by row
                    item[column] = value
                elif value is not None and value.strip():
                    item[column] = _csv_value(column, value)
            items.append(item)
            if len(items) > MAX_BATCH_ITEMS:
                break
        return items
    except csv.Error:
        raise BadFile("batch.error.csv", 422) from None


def _json_items(text: str) -> list[dict[str, object]]:
    try:
        document = json.loads(text)
    except ValueError:
        raise BadFile("batch.error.json", 422) from None
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadFile("batch.error.json", 422)
    return items


def read_batch(upload: UploadFile | None) -> list[dict[str, object]]:
    """The items of an uploaded batch file, or `BadFile` saying why it was refused."""
    if upload is None or not upload.filename:
        raise BadFile("batch.error.missing", 422)
    kind = _format(upload)
    content = read_bounded(upload, MAX_BATCH_BYTES)
    if len(content) > MAX_BATCH_BYTES:
        raise BadFile("batch.error.size", 413)
    text = _text(content)
    items = _csv_items(text) if kind == "csv" else _json_items(text)
    try:
        return BatchRequest.model_validate({"items": items}).items
    except ValidationError:
        raise BadFile("batch.error.count", 422) from None
