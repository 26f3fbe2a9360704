"""Cases: evidence files, objections and repairs filed, officers' decisions (service and API)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.cases.objections import service as objections
from core.cases.objections.schemas import DecisionRequest, ObjectionCase
from core.cases.officer import Officer
from core.cases.repairs import service as repairs
from core.cases.repairs.schemas import RepairFiling
from core.context import PACKAGE_CALENDAR, Context
from core.keyring import Keyring
from core.settings import Settings
from tests.factories.clock import at
from tests.factories.entries import SERIOUS, record_entry
from tests.factories.http import bearer, citizen_items, ok_json

OBJECTION_REASONS = "该笔税款已于2026年3月1日全额缴清，完税证明编号QX-7781，记录有误"
COMMITMENT = "本人承诺今后依法诚信纳税，如有违反愿承担相应责任"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def evidence_pdf(content: bytes = PDF, name: str = "完税证明.pdf") -> list[tuple[str, Any]]:
    """The `files` of an upload of one PDF."""
    return [("files", (name, content, "application/pdf"))]


def evidence_png(content: bytes = PNG, name: str = "回执.png") -> list[tuple[str, Any]]:
    """The `files` of an upload of one PNG."""
    return [("files", (name, content, "image/png"))]


def object_to(
    session: Session,
    keyring: Keyring,
    code: str,
    entry_id: uuid.UUID,
    *,
    reasons: str = "这条记录有误",
    settings: Settings | None = None,
    calendar: WorkCalendar = PACKAGE_CALENDAR,
) -> uuid.UUID:
    """The citizen of `code` objects to an entry through the service, without evidence; its id."""
    return objections.file_objection(
        Context(session, keyring, calendar),
        code_index=keyring.blind_index(code),
        entry_id=entry_id,
        reasons=reasons,
        uploads=[],
        settings=Settings(_env_file=None) if settings is None else settings,
    ).id


def objection_decided(
    session: Session,
    keyring: Keyring,
    case_id: uuid.UUID,
    *,
    department: str = "dept-a",
    actor: str = "officer-1",
    calendar: WorkCalendar = PACKAGE_CALENDAR,
    **body: Any,
) -> ObjectionCase:
    """An objection officer of `department` decides a case through the service; the case."""
    return objections.decide(
        Context(session, keyring, calendar),
        officer=Officer(department=department, actor=actor),
        case_id=case_id,
        payload=DecisionRequest.model_validate(body),
    )


def repair_filed(
    session: Session,
    keyring: Keyring,
    code: str,
    entry_id: uuid.UUID,
    *,
    calendar: WorkCalendar = PACKAGE_CALENDAR,
    **fields: Any,
) -> uuid.UUID:
    """The citizen of `code` applies through the service to repair an entry (commitment); its id."""
    filing = RepairFiling.model_validate(
        {"entry_id": entry_id, "way": "commitment", "commitment": COMMITMENT, **fields}
    )
    return repairs.file_repair(
        Context(session, keyring, calendar),
        code_index=keyring.blind_index(code),
        filing=filing,
        uploads=[],
    ).id


def file_objection(
    client: Any,
    mint: Any,
    code: str,
    entry_id: str,
    *,
    reasons: str = OBJECTION_REASONS,
    files: list[tuple[str, Any]] | None = None,
) -> Any:
    """The citizen of `code` objects to an entry (with one PDF unless `files`); the response."""
    return client.post(
        "/api/v1/me/objections",
        headers=bearer(mint("citizen", credit_code=code)),
        data={"entry_id": entry_id, "reasons": reasons},
        files=files if files is not None else evidence_pdf(),
    )


def file_repair(
    client: Any,
    mint: Any,
    code: str,
    entry_id: str,
    way: str = "commitment",
    files: list[tuple[str, Any]] | None = None,
    **fields: Any,
) -> Any:
    """The citizen of `code` applies to repair an entry (a None field is left out); the response."""
    data = {"entry_id": entry_id, "way": way, "commitment": COMMITMENT, **fields}
    return client.post(
        "/api/v1/me/repairs",
        data={k: str(v) for k, v in data.items() if v is not None},
        files=files,
        headers=bearer(mint("citizen", credit_code=code)),
    )


def filed_repair(client: Any, mint: Any, code: str, **overrides: Any) -> tuple[dict, dict]:
    """A SERIOUS entry of `code` recorded 2026-03-02, and a commitment repair of it filed
    2026-04-01 through the API: (the entry, the case)."""
    at(date(2026, 3, 2))
    entry = record_entry(client, mint, **(SERIOUS | {"subject_code": code} | overrides))
    at(date(2026, 4, 1))
    return entry, ok_json(file_repair(client, mint, code, entry["id"]), 201)


def objection_officer(mint: Any, department: str = "dept-a", **claims: Any) -> dict[str, str]:
    """The headers of an objection officer of `department`."""
    return bearer(mint("objection_officer", department=department, **claims))


def repair_officer(mint: Any, department: str = "dept-a", **claims: Any) -> dict[str, str]:
    """The headers of a repair officer of `department`."""
    return bearer(mint("repair_officer", department=department, **claims))


def decide_objection(
    client: Any, mint: Any, case_id: str, body: dict[str, Any], department: str = "dept-a"
) -> Any:
    """An objection officer of `department` posts a decision `body` on a case; the response."""
    return client.post(
        f"/api/v1/objections/{case_id}/decision",
        json=body,
        headers=objection_officer(mint, department),
    )


def decide_repair(
    client: Any,
    mint: Any,
    case_id: str,
    decision: str,
    reasons: str | None = None,
    department: str = "dept-a",
) -> Any:
    """A repair officer of `department` decides a case, with reasons if given; the response."""
    body = {"decision": decision} | ({} if reasons is None else {"reasons": reasons})
    return client.post(
        f"/api/v1/repairs/{case_id}/decision",
        json=body,
        headers=repair_officer(mint, department),
    )


def my_objections(client: Any, mint: Any, code: str) -> list[dict]:
    """The objections of the citizen of `code`, as they list them."""
    return citizen_items(client, mint, code, "objections")


def my_repairs(client: Any, mint: Any, code: str) -> list[dict]:
    """The repair applications of the citizen of `code`, as they list them."""
    return citizen_items(client, mint, code, "repairs")


def events(case: dict) -> list[str]:
    """The events of a case's history, oldest first."""
    return [h["event"] for h in case["history"]]
