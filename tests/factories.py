"""Factories for test data (no shared state between tests)."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from core.clock import clock
from core.codes import citizen_check_char
from core.context import Context
from core.entries.schemas import EntryCreate
from core.entries.service import create_entry
from core.keyring import Keyring

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


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying a token."""
    return {"Authorization": f"Bearer {token}"}


def make_entry(
    session: Session,
    keyring: Keyring,
    *,
    department: str = "dept-a",
    actor: str = "recorder",
    **overrides: Any,
) -> uuid.UUID:
    """Record a `make_payload` entry through the service, now; its id."""
    view = create_entry(
        Context(session, keyring),
        department=department,
        actor=actor,
        payload=make_payload(**overrides),
    )
    return view.id


def post_entry(client: Any, mint: Any, *, department: str = "dept-a", **overrides: Any) -> str:
    """Record a `make_payload` entry through the API as a recorder of `department`; its id."""
    res = client.post(
        "/api/v1/records",
        json=make_payload(**overrides).model_dump(mode="json"),
        headers=bearer(mint("recorder", department=department)),
    )
    assert res.status_code == 201, res.text
    return str(res.json()["id"])
