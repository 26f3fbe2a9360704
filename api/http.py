"""The HTTP toolkit the API routes and the pages share: uploads, downloads, the deciding officer.

Invariants:
- An upload is read at most one byte past its limit (and at most one file past the
  count): enough for the service to refuse it, never a whole huge file in memory.
- A download is an attachment: saved, never rendered inline, never sniffed, never
  cached. Its name goes in `filename*` (RFC 5987, UTF-8, percent-encoded), after an
  ASCII `filename` when the caller has one.
- A handler never passes the keyring, the calendar or the clock to a core service: it
  hands over the request's `core.context.Context` (`ContextDep` in `api.deps`), which
  carries its session, the process keyring and calendar, and reads the project clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final, Protocol
from urllib.parse import quote

from fastapi import UploadFile
from fastapi.responses import Response

from core.cases.engine import EvidenceReader
from core.cases.officer import Officer
from core.cases.schemas import Upload
from core.context import Context
from core.identity.principal import DEPARTMENT_ROLES, Principal
from core.settings import Settings

EVIDENCE_EXTENSIONS: Final = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def media_type(upload: UploadFile) -> str:
    """The declared type of an uploaded file, without parameters, in lower case."""
    return (upload.content_type or "").split(";")[0].strip().lower()


def read_bounded(upload: UploadFile, limit: int) -> bytes:
    """The content of one uploaded file, at most `limit + 1` bytes of it."""
    return upload.file.read(limit + 1)


def read_uploads(
    files: Sequence[UploadFile] | None,
    *,
    max_bytes: int,
    max_files: int | None = None,
    named_only: bool = False,
) -> list[Upload]:
    """The evidence files of a request, for the service to check.

    At most one file past `max_files` (all when None) is read; `named_only` drops the
    empty file part a browser sends when no file was chosen (after the count is cut).
    """
    kept = list(files or []) if max_files is None else list(files or [])[: max_files + 1]
    return [
        Upload(media_type=media_type(f), name=f.filename or "", content=read_bounded(f, max_bytes))
        for f in kept
        if f.filename or not named_only
    ]


def read_evidence(
    files: Sequence[UploadFile] | None, settings: Settings, *, named_only: bool = False
) -> list[Upload]:
    """A case's evidence files, read within the configured count and size limits."""
    return read_uploads(
        files,
        max_bytes=settings.evidence_max_bytes,
        max_files=settings.evidence_max_files,
        named_only=named_only,
    )


def content_disposition(*, filename: str | None = None, name: str | None = None) -> str:
    """`attachment`, with an ASCII `filename` and/or the RFC 5987 `filename*` of `name`."""
    parts = ["attachment"]
    if filename is not None:
        parts.append(f'filename="{filename}"')
    if name is not None:
        parts.append(f"filename*=UTF-8''{quote(name, safe='')}")
    return "; ".join(parts)


def attachment(
    *, content: bytes, media_type: str, filename: str | None = None, name: str | None = None
) -> Response:
    """A download that is saved, never rendered inline, never sniffed, never cached."""
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(filename=filename, name=name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


class EvidenceFile(Protocol):
    """An evidence file a service opened for its caller."""

    @property
    def media_type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def content(self) -> bytes: ...


def evidence_name(file_id: uuid.UUID, media_type: str) -> str:
    """The ASCII name an evidence file is saved under when its own name cannot be used."""
    return f"evidence-{file_id}.{EVIDENCE_EXTENSIONS.get(media_type, 'bin')}"


def evidence_download(found: EvidenceFile, *, file_id: uuid.UUID | None = None) -> Response:
    """An evidence file as an attachment under its own name (and `evidence-<id>.<ext>`)."""
    fallback = None if file_id is None else evidence_name(file_id, found.media_type)
    return attachment(
        content=found.content, media_type=found.media_type, filename=fallback, name=found.name
    )


def case_evidence(
    read: EvidenceReader[Any],
    ctx: Context,
    principal: Principal,
    case_id: uuid.UUID,
    file_id: uuid.UUID,
) -> Response:
    """One evidence file of a case as a download: an officer's department's, else the caller's."""
    officer = principal.role in DEPARTMENT_ROLES
    found = read(
        ctx,
        case_id=case_id,
        file_id=file_id,
        department=principal.own_department() if officer else None,
        code_index=None if officer else principal.own_code_index(),
    )
    return evidence_download(found, file_id=file_id)


def officer(principal: Principal) -> Officer:
    """The officer a verified caller decides as: the department of their token, and them."""
    return Officer(department=principal.own_department(), actor=principal.subject)
