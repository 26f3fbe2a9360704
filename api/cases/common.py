"""What the objection and repair routes share: reading evidence uploads, serving evidence."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import UploadFile
from fastapi.responses import Response

from core.cases.schemas import EvidenceContent, Upload

EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def read_uploads(files: list[UploadFile] | None, *, max_bytes: int, max_files: int) -> list[Upload]:
    """Read at most one file past the count and one byte past the size limit, so a refusal
    never costs more than that in memory."""
    return [
        Upload(
            media_type=(f.content_type or "").split(";")[0].strip().lower(),
            name=f.filename or "",
            content=f.file.read(max_bytes + 1),
        )
        for f in (files or [])[: max_files + 1]
    ]


def fallback_name(file_id: uuid.UUID, media_type: str) -> str:
    """An ASCII file name for clients that ignore `filename*`."""
    return f"evidence-{file_id}.{EXTENSIONS.get(media_type, 'bin')}"


def evidence_download(found: EvidenceContent, *, fallback: str | None = None) -> Response:
    """An evidence file as an attachment: never rendered inline, never sniffed, never cached."""
    disposition = "attachment" if fallback is None else f'attachment; filename="{fallback}"'
    return Response(
        content=found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
