"""The benches' data-set builder: rows shaped as the services make them, inserted in bulk.

Invariants:
- Every subject and every entry gets its own data key from `Keyring.new_data_key` (fresh
  material wrapped by the real master key, stored as `entry_store.new_key` stores it);
  personal fields are sealed with `crypto.envelope.seal` under the AAD of their own
  table, column and row (`entry_store.ctx`); subjects carry the real blind index.
- Rows go in with Core executemany, one chunk per `flush`, parents first (foreign keys
  are on); columns a bench leaves out take the table model's defaults, as
  `session.add(Model(...))` in the services would.
- Codes are valid citizen codes, the n-th always the same; names, kinds and dates come
  from the bench's seeded `random.Random`; ids and key material are fresh every run.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import SQLModel

from core.codes import citizen_check_char
from core.entries import store as entry_store
from core.keyring import Keyring
from core.models import (
    DataKeyRow,
    Entry,
    EntryEvent,
    EntryNotice,
    ExitAnnouncement,
    Subject,
    metadata,
)
from crypto.envelope import DataKey, seal

REGIONS = ("110105", "310104", "440305", "330106", "510107")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文玉兰红春梅海鹏飞"
LEGAL_BASIS = {
    "black": "《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》",
    "watch": "《关于加强和规范守信联合激励和失信联合惩戒对象名单管理工作的指导意见》",
    "red": "《关于建立完善守信联合激励和失信联合惩戒制度的指导意见》",
}
# The tables a bench may fill, parents first: the order `flush` inserts them in.
MODELS: dict[str, type[SQLModel]] = {
    "data_key": DataKeyRow,
    "subject": Subject,
    "entry": Entry,
    "entry_event": EntryEvent,
    "entry_notice": EntryNotice,
    "exit_announcement": ExitAnnouncement,
}


def model_defaults(model: type[SQLModel]) -> dict[str, Any]:
    """The values a table model gives the fields a caller leaves out."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


def subject_code(n: int) -> str:
    """The n-th bench citizen code: valid and unique for n < 5 * 999 * 36500."""
    region = REGIONS[n % len(REGIONS)]
    m = n // len(REGIONS)
    born = date(1950, 1, 1) + timedelta(days=m // 999)
    first17 = f"{region}{born:%Y%m%d}{m % 999 + 1:03d}"
    return first17 + citizen_check_char(first17)


def person_name(rng: random.Random) -> str:
    """A surname and a one- or two-character given name."""
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def sealed(key: DataKey, table: str, column: str, row_id: uuid.UUID, text: str) -> bytes:
    """`text` sealed as the field (table, column) of one row."""
    return seal(key, text.encode(), entry_store.ctx(table, column, row_id))


class BulkRows:
    """Rows for some of `MODELS`' tables, one chunk at a time; a bench adds its entries."""

    def __init__(self, keyring: Keyring, tables: Sequence[str]) -> None:
        self.keyring = keyring
        self.order = [t for t in MODELS if t in tables]
        self.tables: dict[str, list[dict[str, Any]]] = {t: [] for t in self.order}
        self.defaults = {t: model_defaults(MODELS[t]) for t in self.order}
        self.crypto = 0.0  # seconds spent on keys, sealing and the blind index
        self.inserted: dict[str, int] = {}  # rows per table, in the order first inserted
        self.insert_seconds = 0.0

    def key(self, owner: str, created: datetime, shredded: datetime | None = None) -> DataKey:
        """A fresh data key and its row: wrapped, or shredded at `shredded` (no wrapped key)."""
        key, wrapped, version = self.keyring.new_data_key()
        self.tables["data_key"].append(
            {
                "id": key.id,
                "owner": owner,
                "suite": self.keyring.suite.name,
                "master_version": version,
                "wrapped": None if shredded else wrapped,
                "created_at": created,
                "shredded_at": shredded,
            }
        )
        return key

    def subject(self, code: str, created: datetime) -> uuid.UUID:
        """One citizen subject, as `subjects.subject_for` makes it."""
        t0 = time.perf_counter()
        key = self.key("subject", created)
        subject_id = uuid.uuid4()
        self.tables["subject"].append(
            {
                "id": subject_id,
                "code_index": self.keyring.blind_index(code),
                "code_kind": "citizen",
                "data_key_id": key.id,
                "code_ct": sealed(key, "subject", "code", subject_id, code),
                "created_at": created,
            }
        )
        self.crypto += time.perf_counter() - t0
        return subject_id

    def flush(self, conn: Connection) -> None:
        """Insert the chunk, parents first, with the models' defaults; start the next one."""
        t0 = time.perf_counter()
        for table in self.order:
            rows = self.tables[table]
            if rows:
                defaults = self.defaults[table]
                conn.execute(insert(metadata.tables[table]), [{**defaults, **r} for r in rows])
                self.inserted[table] = self.inserted.get(table, 0) + len(rows)
            self.tables[table] = []
        self.insert_seconds += time.perf_counter() - t0
