"""A department amends its own entries: new values sealed, old ones sealed into the history,
bad input refused with nothing changed, another department's entry never found."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from core.clock import clock
from core.context import Context
from core.entries import store
from core.entries.recorder import actor_of, amend_entry, history_of, role_of
from core.entries.schemas import EntryAmend
from core.entries.service import withdraw_entry
from core.errors import Conflict, InvalidInput, NotFound
from core.keyring import Keyring
from core.models import AgencyNotice, Entry, EntryEvent, EntryNotice, QueryDelivery
from tests.factories import make_entry_view

ACTOR = actor_of("recorder", "test:recorder")
NEW_FACTS = "逾期未缴税款八十万元（更正金额）"


def _amend(session: Session, keyring: Keyring, entry_id, department: str = "dept-a", **fields):
    return amend_entry(
        Context(session, keyring),
        department=department,
        entry_id=entry_id,
        actor=ACTOR,
        payload=EntryAmend.model_validate(fields),
    )


def _events(session: Session, entry_id) -> list[EntryEvent]:
    stmt = select(EntryEvent).where(EntryEvent.entry_id == entry_id).order_by(EntryEvent.id)
    return list(session.execute(stmt).scalars())


def _snapshot(session: Session, entry_id) -> tuple:
    session.expire_all()
    row = session.get(Entry, entry_id)
    return (
        row.version,
        row.facts_ct,
        row.public_summary_ct,
        row.legal_basis,
        row.decided_on,
        row.display_until,
        row.valid_until,
        row.retain_until,
        len(_events(session, entry_id)),
    )


class TestAmend:
    def test_new_facts_are_sealed_and_the_old_ones_kept_sealed_in_the_history(
        self, session, keyring
    ):
        made = make_entry_view(session, keyring)
        before = session.get(Entry, made.id).facts_ct
        view = _amend(session, keyring, made.id, facts=NEW_FACTS, public_summary="逾期未缴")
        assert (view.facts, view.public_summary, view.version) == (NEW_FACTS, "逾期未缴", 2)
        row = session.get(Entry, made.id)
        assert row.facts_ct != before
        assert NEW_FACTS.encode() not in row.facts_ct
        (event,) = [e for e in _events(session, made.id) if e.event == "corrected"]
        assert event.actor == ACTOR
        assert "逾期".encode() not in event.reason_ct
        key = store.entry_key(session, keyring, row)
        sealed = store.open_text(key, event.reason_ct, "entry_event", "reason", event.id)
        assert json.loads(sealed)["previous"] == {
            "facts": made.facts,
            "public_summary": made.public_summary,
        }

    def test_dates_move_within_the_bounds_and_the_retention_follows(self, session, keyring):
        made = make_entry_view(session, keyring)
        display = made.decided_on + timedelta(days=400)
        valid = made.decided_on + timedelta(days=1200)
        view = _amend(session, keyring, made.id, display_until=display, valid_until=valid)
        assert (view.display_until, view.valid_until) == (display, valid)
        assert view.retain_until > made.retain_until

    def test_a_new_decision_date_is_checked_with_the_display_end_kept(self, session, keyring):
        made = make_entry_view(session, keyring)
        with pytest.raises(InvalidInput) as info:
            # The display end is kept: 100 days after the new decision date is less than
            # the serious minimum of a year (§4).
            _amend(session, keyring, made.id, decided_on=made.decided_on + timedelta(days=400))
        assert info.value.rule == "display_period_bounds"

    def test_history_names_the_role_and_the_fields_changed(self, session, keyring):
        made = make_entry_view(session, keyring)
        basis = "《税收征收管理法》第六十四条"
        _amend(session, keyring, made.id, facts=NEW_FACTS, legal_basis=basis)
        lines = history_of(Context(session, keyring), department="dept-a", entry_id=made.id)
        assert [line.event for line in lines] == ["recorded", "corrected"]
        assert lines[-1].role == "recorder"
        assert lines[-1].changed == ["facts", "legal_basis"]
        assert NEW_FACTS not in lines[-1].model_dump_json()

    def test_the_subject_and_the_agencies_that_received_it_are_told(self, session, keyring):
        made = make_entry_view(session, keyring)
        session.add(QueryDelivery(log_index=7, entry_id=made.id, agency="bank-1", at=clock.now()))
        session.flush()
        _amend(session, keyring, made.id, facts=NEW_FACTS)
        notices = session.execute(
            select(AgencyNotice.agency, AgencyNotice.kind, AgencyNotice.entry_version).where(
                AgencyNotice.entry_id == made.id
            )
        ).all()
        assert [tuple(n) for n in notices] == [("bank-1", "corrected", 2)]
        kinds = session.execute(
            select(EntryNotice.kind).where(EntryNotice.entry_id == made.id)
        ).scalars()
        assert "corrected" in set(kinds)


class TestRefused:
    @pytest.mark.parametrize(
        ("fields", "rule"),
        [
            ({"display_until_days": 2000}, "display_period_bounds"),
            ({"display_until_days": 30}, "display_period_bounds"),
            ({"valid_until_days": -5}, "validity_before_decision"),
            ({"valid_until_days": 200}, "display_beyond_validity"),
        ],
    )
    def test_bad_dates_change_nothing(self, session, keyring, fields, rule):
        made = make_entry_view(session, keyring)
        given = {
            name.removesuffix("_days"): made.decided_on + timedelta(days=days)
            for name, days in fields.items()
        }
        before = _snapshot(session, made.id)
        with pytest.raises(InvalidInput) as info:
            _amend(session, keyring, made.id, **given)
        assert info.value.rule == rule
        assert _snapshot(session, made.id) == before

    def test_an_amendment_that_changes_nothing_is_refused(self, session, keyring):
        made = make_entry_view(session, keyring)
        before = _snapshot(session, made.id)
        with pytest.raises(InvalidInput) as info:
            _amend(session, keyring, made.id, facts=made.facts, display_until=made.display_until)
        assert info.value.rule == "nothing_to_amend"
        assert _snapshot(session, made.id) == before

    def test_another_departments_entry_does_not_exist(self, session, keyring):
        made = make_entry_view(session, keyring, department="dept-a")
        before = _snapshot(session, made.id)
        with pytest.raises(NotFound):
            _amend(session, keyring, made.id, department="dept-b", facts=NEW_FACTS)
        with pytest.raises(NotFound):
            history_of(Context(session, keyring), department="dept-b", entry_id=made.id)
        assert _snapshot(session, made.id) == before

    def test_a_stale_version_is_a_conflict(self, session, keyring):
        made = make_entry_view(session, keyring)
        _amend(session, keyring, made.id, facts=NEW_FACTS, version=1)
        before = _snapshot(session, made.id)
        with pytest.raises(Conflict) as info:
            _amend(session, keyring, made.id, facts="又一次更正", version=1)
        assert info.value.rule == "stale_version"
        assert _snapshot(session, made.id) == before

    def test_a_withdrawn_entry_is_no_longer_amended(self, session, keyring):
        made = make_entry_view(session, keyring)
        withdraw_entry(
            Context(session, keyring),
            department="dept-a",
            entry_id=made.id,
            reason="认定依据变更",
            kind="withdrawn",
            actor=ACTOR,
        )
        before = _snapshot(session, made.id)
        with pytest.raises(Conflict) as info:
            _amend(session, keyring, made.id, facts=NEW_FACTS)
        assert info.value.rule == "entry_exited"
        assert _snapshot(session, made.id) == before
        # The withdrawal's reason is the department's to read back.
        lines = history_of(Context(session, keyring), department="dept-a", entry_id=made.id)
        assert [(x.event, x.reason) for x in lines if x.event == "withdrawn"] == [
            ("withdrawn", "认定依据变更")
        ]

    @pytest.mark.parametrize(
        "fields",
        [{}, {"version": 1}, {"facts": ""}, {"facts": "a\x00b"}, {"subject_name": "王五"}],
    )
    def test_a_malformed_amendment_never_reaches_the_service(self, fields):
        with pytest.raises(ValidationError) as info:
            EntryAmend.model_validate(fields)
        assert "王五" not in str(info.value)


class TestRoles:
    @pytest.mark.parametrize(
        ("actor", "role"),
        [
            ("recorder:test:recorder", "recorder"),
            ("dev-web:objection_officer", "objection_officer"),
            ("sweeper", "system"),
            ("system", "system"),
            ("subject", "citizen"),
            ("objector", "objector"),
            ("client-17", None),
        ],
    )
    def test_the_role_a_line_names(self, actor, role):
        assert role_of(actor) == role
