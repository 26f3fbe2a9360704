"""A department lists and searches its own entries: filters in SQL agree with the read-time
state, pages follow a cursor, a search by code goes through the blind index."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from core.clock import clock
from core.context import Context
from core.entries.recorder import list_entries, read_cursor, search_by_code, write_cursor
from core.entries.schemas import EntryFilter, EntrySearch
from core.entries.service import read_entry, withdraw_entry
from core.entries.sweeper import sweep
from core.errors import InvalidInput
from core.models import Entry
from tests.factories import commit_entry, make_code, make_entry_view

STATES = ("pending_notice", "displayed", "expired", "exited", "shredded")


def _list(session, keyring, department="dept-a", **filters):
    return list_entries(
        Context(session, keyring),
        department=department,
        filters=EntryFilter.model_validate(filters),
    )


def _ids(page) -> list:
    return [item.id for item in page.items]


class TestFilters:
    def test_only_the_departments_own_entries_newest_decision_first(self, session, keyring):
        today = clock.today()
        old = make_entry_view(session, keyring, decided_on=today - timedelta(days=40))
        new = make_entry_view(session, keyring, decided_on=today - timedelta(days=5))
        make_entry_view(session, keyring, department="dept-b")
        page = _list(session, keyring)
        assert _ids(page) == [new.id, old.id]
        assert page.items[0].masked_name == "欧阳*"
        assert "subject_code" not in page.items[0].model_dump()

    def test_kind_domain_and_decision_range(self, session, keyring):
        today = clock.today()
        red = make_entry_view(
            session,
            keyring,
            list_kind="red",
            domain="volunteering",
            severity="minor",
            repairable=False,
            repair_ways=[],
            display_until=today + timedelta(days=300),
        )
        black = make_entry_view(session, keyring, decided_on=today - timedelta(days=60))
        assert _ids(_list(session, keyring, list_kind="red")) == [red.id]
        assert _ids(_list(session, keyring, domain="tax")) == [black.id]
        since = (today - timedelta(days=30)).isoformat()
        assert _ids(_list(session, keyring, decided_from=since)) == [red.id]
        until = (today - timedelta(days=30)).isoformat()
        assert _ids(_list(session, keyring, decided_to=until)) == [black.id]

    def test_the_state_filter_agrees_with_the_read_time_state(self, session, keyring):
        ctx = Context(session, keyring)
        made = [make_entry_view(session, keyring) for _ in range(3)]
        withdraw_entry(
            ctx,
            department="dept-a",
            entry_id=made[2].id,
            reason="撤销",
            kind="withdrawn",
            actor="t",
        )
        # The withdrawal left a watch entry behind (§5.4): every entry of the department counts.
        every = _ids(_list(session, keyring))
        assert len(every) == 4
        # Through notice, display and its end: the stored status never moves (no sweeper ran).
        for days in (0, 20, 600):
            clock.advance(timedelta(days=days))
            for state in STATES:
                listed = set(_ids(_list(session, keyring, state=state)))
                shown = {
                    e
                    for e in every
                    if read_entry(ctx, department="dept-a", entry_id=e).state == state
                }
                assert listed == shown, (days, state)

    def test_a_reference_is_an_external_id_or_a_public_reference(self, session, keyring):
        a = make_entry_view(session, keyring)
        make_entry_view(session, keyring)
        assert _ids(_list(session, keyring, reference=a.external_id)) == [a.id]
        assert _ids(_list(session, keyring, reference=a.public_ref.lower())) == [a.id]
        assert _ids(_list(session, keyring, reference="NOPE-1")) == []


class TestPages:
    def test_pages_follow_the_cursor_without_repeats(self, session, keyring):
        today = clock.today()
        made = [
            make_entry_view(session, keyring, decided_on=today - timedelta(days=10 + i % 2))
            for i in range(5)
        ]
        seen, cursor = [], None
        while True:
            page = _list(session, keyring, limit=2, **({"cursor": cursor} if cursor else {}))
            seen += _ids(page)
            cursor = page.next_cursor
            if cursor is None:
                break
            assert not any(c.isdigit() for c in cursor)
        assert sorted(seen) == sorted(e.id for e in made)
        assert len(seen) == len(set(seen))

    @pytest.mark.parametrize(
        "cursor", ["abc", "zz", "ab" * 100, write_cursor(date(2026, 1, 2), uuid.uuid4())[:-2]]
    )
    def test_a_cursor_not_given_out_is_refused(self, session, keyring, cursor):
        with pytest.raises(InvalidInput) as info:
            _list(session, keyring, cursor=cursor)
        assert info.value.rule == "bad_cursor"

    def test_a_cursor_reads_back_what_it_wrote(self):
        ident = uuid.uuid4()
        assert read_cursor(write_cursor(clock.today(), ident)) == (clock.today(), ident)


class TestSearchByCode:
    def test_the_subjects_entries_of_this_department_only(self, session, keyring):
        code = make_code()
        mine = make_entry_view(session, keyring, subject_code=code)
        make_entry_view(session, keyring, subject_code=code, department="dept-b")
        make_entry_view(session, keyring)
        found = search_by_code(
            Context(session, keyring),
            department="dept-a",
            search=EntrySearch.model_validate({"subject_code": code.lower()}),
        )
        assert _ids(found) == [mine.id]
        assert code not in found.model_dump_json()

    def test_an_unknown_code_finds_nothing(self, session, keyring):
        found = search_by_code(
            Context(session, keyring),
            department="dept-a",
            search=EntrySearch.model_validate({"subject_code": make_code()}),
        )
        assert found.items == []


class TestAfterTheSweeper:
    def test_retained_entries_list_as_expired_or_exited(self, fresh_engine, keyring):
        ids = [commit_entry(fresh_engine, keyring) for _ in range(2)]
        with Session(fresh_engine) as session:
            withdraw_entry(
                Context(session, keyring),
                department="dept-a",
                entry_id=ids[1],
                reason="撤销",
                kind="withdrawn",
                actor="t",
            )
            session.commit()
        clock.advance(timedelta(days=600))
        sweep(engine=fresh_engine, keyring=keyring, now=clock.now(), batch=500)
        with Session(fresh_engine) as session:
            assert {session.get(Entry, i).status for i in ids} == {"retained"}
            ctx = Context(session, keyring)
            every = _ids(_list(session, keyring))
            for state in STATES:
                listed = set(_ids(_list(session, keyring, state=state)))
                shown = {
                    e
                    for e in every
                    if read_entry(ctx, department="dept-a", entry_id=e).state == state
                }
                assert listed == shown, state
            assert ids[0] in set(_ids(_list(session, keyring, state="expired")))
            assert ids[1] in set(_ids(_list(session, keyring, state="exited")))
