"""Statements that go straight to the driver answer what SQLAlchemy's Core statement does."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Table, Uuid, exc, select
from sqlmodel import Session

from core.clock import clock
from core.consents import service as consents
from core.entries import repository as record_repo
from core.keyring import BlindIndex, Keyring
from core.models import Subject
from core.prepared import DriverStatement, run
from tests.factories import make_code, make_entry


def _through_core(session: Session, index: bytes) -> list[tuple[Any, ...]]:
    """The same statement through SQLAlchemy's result machinery (the old path)."""
    params = {"code_index": bytes(index), "code_index_next": getattr(index, "next", None)}
    return [tuple(row) for row in run(session, record_repo._SUBJECT_FOR_QUERY, params)]


def _through_driver(session: Session, index: bytes) -> list[tuple[Any, ...]]:
    params = {"code_index": bytes(index), "code_index_next": getattr(index, "next", None)}
    return [tuple(row) for row in record_repo._SUBJECT_FOR_QUERY_ROWS.rows(session, params)]


class TestSubjectForQuery:
    def test_rows_equal_the_core_statement_value_for_value_and_type(
        self, session: Session, keyring: Keyring
    ) -> None:
        code = make_code()
        make_entry(session, keyring, subject_code=code)
        make_entry(session, keyring, subject_code=code, facts="第二条记录")
        consents.freeze(session=session, code_index=keyring.blind_index(code), now=clock.now())
        index = keyring.blind_index(code)
        core, driver = _through_core(session, index), _through_driver(session, index)
        assert len(driver) == 2
        assert driver == core
        for mine, theirs in zip(driver, core, strict=True):
            assert [type(v) for v in mine[:3] + mine[4:]] == [
                type(v) for v in theirs[:3] + theirs[4:]
            ]
        subject, entries = record_repo.subject_for_query(session, index)
        assert subject is not None
        assert subject.frozen
        assert isinstance(subject.id, uuid.UUID)
        assert isinstance(subject.key_id, uuid.UUID)
        assert [type(e.decided_on).__name__ for e in entries] == ["date", "date"]

    def test_an_unknown_index_finds_nothing(self, session: Session, keyring: Keyring) -> None:
        subject, entries = record_repo.subject_for_query(session, keyring.blind_index(make_code()))
        assert subject is None
        assert entries == []

    def test_the_next_index_column_matches_during_a_rotation(
        self, session: Session, keyring: Keyring
    ) -> None:
        code = make_code()
        make_entry(session, keyring, subject_code=code)
        stored = session.execute(
            select(Subject).where(Subject.code_index == keyring.blind_index(code))  # type: ignore[arg-type]
        ).scalar_one()
        stored.code_index_next = b"n" * 32
        session.flush()
        subject, entries = record_repo.subject_for_query(session, BlindIndex(b"x" * 32, b"n" * 32))
        assert subject is not None
        assert subject.id == stored.id
        assert len(entries) == 1

    def test_pending_objects_are_flushed_first(self, session: Session, keyring: Keyring) -> None:
        code = make_code()
        make_entry(session, keyring, subject_code=code)
        index = keyring.blind_index(code)
        stored = session.execute(
            select(Subject).where(Subject.code_index == index)  # type: ignore[arg-type]
        ).scalar_one()
        stored.code_index = b"m" * 32  # pending in the session, not yet sent
        subject, _ = record_repo.subject_for_query(session, b"m" * 32)
        assert subject is not None
        assert subject.id == stored.id


class TestDriverErrors:
    def test_a_driver_error_is_raised_as_sqlalchemys_with_parameters_hidden(
        self, session: Session
    ) -> None:
        missing = Table("no_such_table", MetaData(), Column("id", Uuid))
        stmt = DriverStatement(select(missing.c.id).where(missing.c.id == uuid.UUID(int=7)))
        with pytest.raises(exc.DBAPIError) as raised:
            stmt.rows(session, {"id_1": "secret-looking-parameter"})
        assert "secret-looking-parameter" not in str(raised.value)
        session.rollback()

    def test_expanding_parameters_are_refused(self, session: Session) -> None:
        table = Table("t", MetaData(), Column("id", Uuid))
        stmt = DriverStatement(select(table.c.id).where(table.c.id.in_([uuid.uuid4()])))
        with pytest.raises(ValueError, match="expanding"):
            stmt.rows(session, {})
