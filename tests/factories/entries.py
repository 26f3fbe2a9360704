"""Entries: payloads, codes and CSV files, and an entry recorded through the service or the API."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from core.calendar.workdays import WorkCalendar
from core.clock import clock
from core.codes import citizen_check_char
from core.context import PACKAGE_CALENDAR, Context
from core.entries.schemas import EntryCreate, EntryView
from core.entries.service import create_entry
from core.keyring import Keyring
from tests.factories.clock import at
from tests.factories.http import bearer, citizen_get

_seq = itertools.count(1)


def make_code(n: int | None = None) -> str:
    """A valid, unique citizen code."""
    n = next(_seq) if n is None else n
    first17 = f"110105198{n % 10}0{(n // 10) % 9 + 1}1{(n // 100) % 2}{n % 1000:03d}"
    return first17 + citizen_check_char(first17)


def make_payload(**overrides: Any) -> EntryCreate:
    """A valid black-list entry submission; override any field."""
    decided = clock.today() - timedelta(days=10)
    data: dict[str, Any] = {
        "external_id": f"T-{next(_seq):06d}",
        "subject_code": make_code(),
        "subject_name": "欧阳小明",
        "list_kind": "black",
        "domain": "tax",
        "severity": "serious",
        "facts": "逾期未缴税款一百二十万元",
        "public_summary": "逾期未缴税款",
        "legal_basis": "《税收征收管理法》第六十三条",
        "decided_on": decided,
        "display_until": decided + timedelta(days=500),
        "valid_until": decided + timedelta(days=900),
        "repairable": True,
        "repair_ways": ["performance", "commitment"],
    }
    data.update(overrides)
    return EntryCreate.model_validate(data)


def make_csv(rows: list[dict[str, str]]) -> bytes:
    """A CSV file of the rows, with the first row's keys as its header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def make_entry_view(
    session: Session,
    keyring: Keyring,
    *,
    department: str = "dept-a",
    actor: str = "recorder",
    calendar: WorkCalendar = PACKAGE_CALENDAR,
    **overrides: Any,
) -> EntryView:
    """Record a `make_payload` entry through the service, now; the recorder's view of it."""
    return create_entry(
        Context(session, keyring, calendar),
        department=department,
        actor=actor,
        payload=make_payload(**overrides),
    )


def make_entry(
    session: Session,
    keyring: Keyring,
    *,
    department: str = "dept-a",
    actor: str = "recorder",
    calendar: WorkCalendar = PACKAGE_CALENDAR,
    **overrides: Any,
) -> uuid.UUID:
    """Record a `make_payload` entry through the service, now; its id."""
    return make_entry_view(
        session, keyring, department=department, actor=actor, calendar=calendar, **overrides
    ).id


def commit_entry(
    engine: Engine,
    keyring: Keyring,
    *,
    department: str = "dept-a",
    actor: str = "recorder",
    **overrides: Any,
) -> uuid.UUID:
    """Record a `make_payload` entry in a transaction of its own, committed; its id."""
    with Session(engine) as session:
        entry_id = make_entry(session, keyring, department=department, actor=actor, **overrides)
        session.commit()
    return entry_id


def submit_entry(client: Any, mint: Any, *, department: str = "dept-a", **overrides: Any) -> Any:
    """Post a `make_payload` entry to the API as a recorder of `department`; the response."""
    return client.post(
        "/api/v1/records",
        json=make_payload(**overrides).model_dump(mode="json"),
        headers=bearer(mint("recorder", department=department)),
    )


def record_entry(client: Any, mint: Any, *, department: str = "dept-a", **overrides: Any) -> dict:
    """Record a `make_payload` entry through the API as a recorder of `department`; the entry."""
    res = submit_entry(client, mint, department=department, **overrides)
    assert res.status_code == 201, res.text
    return dict(res.json())


def post_entry(client: Any, mint: Any, *, department: str = "dept-a", **overrides: Any) -> str:
    """Record a `make_payload` entry through the API as a recorder of `department`; its id."""
    return str(record_entry(client, mint, department=department, **overrides)["id"])


# The overrides of a red-list entry (red entries are never repaired).
RED: dict[str, Any] = {
    "list_kind": "red",
    "severity": "general",
    "repairable": False,
    "repair_ways": [],
}

# The overrides of a serious black entry decided 2025-03-01, so repairable from 2026-03-01.
SERIOUS: dict[str, Any] = {
    "decided_on": date(2025, 3, 1),
    "display_until": date(2027, 3, 1),
    "valid_until": date(2028, 3, 1),
    "repair_ways": ["performance", "commitment", "volunteering"],
}


def watch_fields(**overrides: Any) -> dict[str, Any]:
    """The overrides of a watch-list entry, shown at once and displayed 200 days from today."""
    return {
        "list_kind": "watch",
        "severity": "general",
        "display_until": clock.today() + timedelta(days=200),
        **overrides,
    }


def repairable_fields(**overrides: Any) -> dict[str, Any]:
    """The overrides of a serious black entry decided 400 days before today: repairable now."""
    decided = clock.today() - timedelta(days=400)
    return {
        "decided_on": decided,
        "display_until": decided + timedelta(days=800),
        "valid_until": decided + timedelta(days=1000),
        **overrides,
    }


def make_serious(session: Session, keyring: Keyring, code: str, **overrides: Any) -> uuid.UUID:
    """A SERIOUS entry of `code` recorded through the service on 2026-03-02; its id."""
    at(date(2026, 3, 2))
    return make_entry(session, keyring, **(SERIOUS | {"subject_code": code} | overrides))


def post_serious(client: Any, mint: Any, code: str, **overrides: Any) -> str:
    """A SERIOUS entry of `code` recorded on 2026-03-02, its prior notice over by April; its id."""
    at(date(2026, 3, 2))
    return post_entry(client, mint, **(SERIOUS | {"subject_code": code} | overrides))


def my_entries(client: Any, mint: Any, code: str) -> list[dict]:
    """The entries of the citizen of `code`'s own record, asserting 200."""
    return list(citizen_get(client, mint, code, "record")["entries"])
