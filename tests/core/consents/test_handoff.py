"""The consent hand-off: grants only to registered agencies, a short code kept only as a keyed
MAC that resolves for its agency and subject alone, the agency's inbox, and paged listings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from core.clock import clock
from core.consents import policy
from core.consents import service as consents
from core.context import Context
from core.directory import service as directory
from core.entries.subjects import subject_for
from core.errors import Conflict, InvalidInput, NotFound
from core.keyring import Keyring
from core.models import Subject
from core.models.consents import Authorization
from core.queries.refusals import Refused
from tests.conftest import PG_URL
from tests.factories import agency_registered, grant_payload, granted, make_code
from tests.factories.directory import make_agency, make_department

T0 = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def db(fresh_engine: Engine) -> Iterator[Session]:
    """A session on a database of its own (one test reads the database file)."""
    clock.freeze(T0)
    with Session(fresh_engine) as sess:
        yield sess


class Citizen:
    """A citizen with a subject row, found by the blind index of their code."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.code = make_code()
        self.index = keyring.blind_index(self.code)
        self.subject_id = subject_for(session=session, keyring=keyring, code=self.code, now=T0).id
        session.flush()


def _count(db: Session, table: type) -> int:
    return int(db.execute(select(func.count()).select_from(table)).scalar_one())


class TestOnlyRegisteredAgencies:
    def test_an_unknown_agency_is_refused_and_nothing_is_stored(self, db, keyring):
        code = make_code()
        with pytest.raises(InvalidInput) as err:
            consents.grant(
                Context(db, keyring),
                code_index=keyring.blind_index(code),
                payload=grant_payload(agency="demo-bnak"),
                code=code,
            )
        assert err.value.rule == "agency_unknown"
        assert "demo-bnak" not in str(err.value)
        assert (_count(db, Authorization), _count(db, Subject)) == (0, 0)

    def test_a_department_or_a_disabled_agency_is_refused(self, db, keyring):
        me = Citizen(db, keyring)
        ctx = Context(db, keyring)
        make_department(ctx, "sz-tax-bureau")
        make_agency(ctx, "old-bank")
        directory.disable(ctx, slug="old-bank")
        for slug in ("sz-tax-bureau", "old-bank"):
            with pytest.raises(InvalidInput) as err:
                consents.grant(ctx, code_index=me.index, payload=grant_payload(agency=slug))
            assert err.value.rule == "agency_unknown"
        assert _count(db, Authorization) == 0

    def test_a_registered_agency_is_granted(self, db, keyring):
        me = Citizen(db, keyring)
        make_agency(Context(db, keyring), "demo-bank")
        view = consents.grant(
            Context(db, keyring), code_index=me.index, payload=grant_payload(agency="demo-bank")
        )
        assert (view.agency, view.state) == ("demo-bank", "active")


class TestCode:
    def test_the_code_is_short_grouped_and_unambiguous(self, db, keyring):
        me = Citizen(db, keyring)
        shown = granted(db, keyring, me.index).authorization_code
        assert len(shown) == 9
        assert shown[4] == "-"
        assert set(shown.replace("-", "")) <= set(policy.CODE_ALPHABET)
        assert not set(shown) & set("01OIL")

    @pytest.mark.skipif(PG_URL is not None, reason="reads the SQLite database file")
    def test_only_a_keyed_mac_is_stored_never_the_code(self, db, keyring, fresh_url):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        db.commit()
        plain = view.authorization_code.replace("-", "")
        row = db.get(Authorization, view.id)
        assert row is not None
        assert row.code_hash == consents.code_hash(keyring, plain)
        assert plain not in repr(row.model_dump())
        path = Path(fresh_url.removeprefix("sqlite:///"))
        wal = path.with_name(path.name + "-wal")
        raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert view.id.hex.encode() in raw  # the scan does see the grant's row
        for form in (plain, view.authorization_code, plain.lower()):
            assert form.encode() not in raw
            assert form.encode("utf-16-le") not in raw

    def test_the_code_is_shown_when_granted_and_never_listed(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        listed = consents.list_authorizations(Context(db, keyring), code_index=me.index)
        assert "authorization_code" not in listed[0].model_dump()
        assert view.authorization_code not in repr(listed)

    def test_it_resolves_for_its_agency_and_subject_only(self, db, keyring):
        me, other = Citizen(db, keyring), Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        code = view.authorization_code

        def resolve(typed: str, agency: str = "bank-1", subject_id=me.subject_id) -> uuid.UUID:
            return consents.resolve_code(
                session=db, keyring=keyring, code=typed, agency=agency, subject_id=subject_id
            )

        assert resolve(code) == view.id
        assert resolve(code.lower().replace("-", " ")) == view.id
        for typed, agency, subject in (
            (code, "bank-2", me.subject_id),
            (code, "bank-1", other.subject_id),
            (code, "bank-1", None),
            ("ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY", "bank-1", me.subject_id),
            ("not a code", "bank-1", me.subject_id),
        ):
            with pytest.raises(Refused) as err:
                resolve(typed, agency, subject)
            assert err.value.rule == "authorization_code_unknown"
            assert code not in str(err.value)
        assert db.get(Authorization, view.id).uses == 0

    @pytest.mark.parametrize(
        ("typed", "normal"),
        [("k7qx-m2pd", "K7QXM2PD"), (" K7QX M2PD ", "K7QXM2PD"), ("K7QXM2P", None), ("", None)],
    )
    def test_typed_codes_are_normalised(self, typed, normal):
        assert policy.normalised_code(typed) == normal


class TestInbox:
    def test_delivery_stamps_once_and_the_agency_then_holds_it(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        ctx = Context(db, keyring)
        assert consents.held_authorizations(ctx, agency="bank-1").items == []
        sent = consents.deliver(ctx, code_index=me.index, authorization_id=view.id)
        assert sent.delivered_at == T0
        clock.advance(timedelta(minutes=5))
        again = consents.deliver(ctx, code_index=me.index, authorization_id=view.id)
        assert again.delivered_at == T0
        (held,) = consents.held_authorizations(ctx, agency="bank-1").items
        assert (held.id, held.state, held.purpose) == (view.id, "active", "credit_loan")
        assert held.subject == me.code[:2] + "*" * 14 + me.code[-2:]
        assert me.code not in held.model_dump_json()
        assert "authorization_code" not in held.model_dump()
        assert consents.held_authorizations(ctx, agency="bank-2").items == []

    def test_a_revoked_grant_cannot_be_sent_but_stays_held_as_past(self, db, keyring):
        me = Citizen(db, keyring)
        ctx = Context(db, keyring)
        view = granted(db, keyring, me.index)
        consents.deliver(ctx, code_index=me.index, authorization_id=view.id)
        consents.revoke(ctx, code_index=me.index, authorization_id=view.id)
        with pytest.raises(Conflict) as err:
            consents.deliver(ctx, code_index=me.index, authorization_id=view.id)
        assert err.value.rule == "not_deliverable"
        (held,) = consents.held_authorizations(ctx, agency="bank-1").items
        assert held.state == "revoked"

    def test_another_citizen_cannot_send_my_grant(self, db, keyring):
        me, other = Citizen(db, keyring), Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        with pytest.raises(NotFound):
            consents.deliver(Context(db, keyring), code_index=other.index, authorization_id=view.id)
        assert db.get(Authorization, view.id).delivered_at is None

    def test_a_grant_used_by_its_agency_is_held_without_delivery(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        consents.use_for_query(
            session=db,
            authorization_id=view.id,
            subject_id=me.subject_id,
            agency="bank-1",
            purpose="credit_loan",
            now=clock.now(),
        )
        (held,) = consents.held_authorizations(Context(db, keyring), agency="bank-1").items
        assert (held.id, held.uses, held.delivered_at) == (view.id, 1, None)


class TestPages:
    def _grants(self, db, keyring, citizen: Citizen, n: int) -> list[uuid.UUID]:
        ids = []
        for _ in range(n):
            ids.append(granted(db, keyring, citizen.index).id)
            clock.advance(timedelta(seconds=1))
        return ids[::-1]  # newest first

    def test_the_citizen_s_list_pages_by_cursor(self, db, keyring):
        me = Citizen(db, keyring)
        ids = self._grants(db, keyring, me, 5)
        ctx = Context(db, keyring)
        seen, cursor = [], None
        while True:
            page = consents.authorizations_page(ctx, code_index=me.index, cursor=cursor, limit=2)
            seen += [v.id for v in page.items]
            if page.next_cursor is None:
                break
            assert page.next_cursor.isalpha()
            cursor = page.next_cursor
        assert seen == ids

    def test_the_agency_s_list_pages_by_cursor(self, db, keyring):
        me = Citizen(db, keyring)
        ids = self._grants(db, keyring, me, 3)
        ctx = Context(db, keyring)
        for grant_id in ids:
            consents.deliver(ctx, code_index=me.index, authorization_id=grant_id)
        first = consents.held_authorizations(ctx, agency="bank-1", limit=2)
        assert first.next_cursor is not None
        rest = consents.held_authorizations(ctx, agency="bank-1", cursor=first.next_cursor)
        assert [h.id for h in first.items + rest.items] == ids
        assert rest.next_cursor is None

    @pytest.mark.parametrize("cursor", ["abc", "12", "ab" * 200, "gg"])
    def test_a_cursor_not_given_out_is_refused(self, db, keyring, cursor):
        me = Citizen(db, keyring)
        with pytest.raises(InvalidInput) as err:
            consents.authorizations_page(Context(db, keyring), code_index=me.index, cursor=cursor)
        assert err.value.rule == "bad_cursor"

    def test_a_cursor_of_one_listing_is_refused_by_the_other(self, db, keyring):
        me = Citizen(db, keyring)
        ctx = Context(db, keyring)
        self._grants(db, keyring, me, 2)
        cursor = consents.authorizations_page(ctx, code_index=me.index, limit=1).next_cursor
        assert cursor is not None
        with pytest.raises(InvalidInput):
            consents.held_authorizations(ctx, agency="bank-1", cursor=cursor)

    def test_an_unknown_citizen_has_an_empty_page(self, db, keyring):
        agency_registered(Context(db, keyring))
        page = consents.authorizations_page(
            Context(db, keyring), code_index=keyring.blind_index(make_code())
        )
        assert (page.items, page.next_cursor) == ([], None)
