"""Every citizen notice that should exist exists: two events of one kind are two notices,
while sweeping again at the same moment adds none (issue 19, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.clock import clock
from core.context import Context
from core.entries.recorder import actor_of, amend_entry
from core.entries.schemas import EntryAmend
from core.entries.sweeper import sweep
from core.keyring import Keyring
from core.models import EntryNotice
from tests.factories import make_entry_view


def _notices(session: Session, entry_id) -> list[tuple[str, str]]:
    stmt = select(col(EntryNotice.kind), col(EntryNotice.occasion)).where(
        col(EntryNotice.entry_id) == entry_id
    )
    return sorted((kind, occasion) for kind, occasion in session.execute(stmt).all())


class TestTwoEventsOfOneKind:
    def test_two_corrections_leave_two_notices(self, session, keyring):
        made = make_entry_view(session, keyring)
        ctx = Context(session, keyring)
        actor = actor_of("recorder", "test:recorder")
        for facts in ("逾期未缴税款八十万元", "逾期未缴税款七十万元"):
            amend_entry(
                ctx,
                department="dept-a",
                entry_id=made.id,
                actor=actor,
                payload=EntryAmend.model_validate({"facts": facts}),
            )
        corrected = [n for n in _notices(session, made.id) if n[0] == "corrected"]
        assert corrected == [("corrected", "v2"), ("corrected", "v3")]


class TestSweepingAgain:
    def test_a_second_sweep_at_the_same_moment_adds_no_notice(
        self, fresh_engine: Engine, keyring: Keyring
    ):
        clock.freeze(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
        with Session(fresh_engine) as s:
            made = make_entry_view(s, keyring)
            s.commit()
        clock.freeze(clock.now() + timedelta(days=900))
        sweep(engine=fresh_engine, keyring=keyring, now=clock.now())
        with Session(fresh_engine) as s:
            first = _notices(s, made.id)
        assert first
        sweep(engine=fresh_engine, keyring=keyring, now=clock.now())
        with Session(fresh_engine) as s:
            assert _notices(s, made.id) == first
