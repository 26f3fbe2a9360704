"""Authorizations and freezes: granted, listed, revoked, frozen, and spent one use at a time."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from core.clock import clock
from core.consents import service as consents
from core.context import Context
from core.entries.subjects import subject_for
from core.errors import Conflict, InvalidInput, NotFound
from core.keyring import Keyring
from core.models import Subject
from core.models.consents import Authorization, SubjectFreeze
from core.queries.refusals import RULES, Refused
from tests.factories import agency_registered, grant_payload, granted, make_code

T0 = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
AGENCY = "bank-1"


@pytest.fixture
def consent_engine(fresh_engine: Engine) -> Engine:
    """A fresh migrated database of its own (the race test commits for real)."""
    return fresh_engine


@pytest.fixture
def db(consent_engine: Engine) -> Iterator[Session]:
    """A session of its own on the consent database."""
    clock.freeze(T0)
    with Session(consent_engine) as sess:
        yield sess


class Citizen:
    """A citizen with a subject row, as the services see them: by blind index."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.code = make_code()
        self.keyring = keyring
        self.index = keyring.blind_index(self.code)
        subject = subject_for(session=session, keyring=keyring, code=self.code, now=T0)
        session.flush()
        self.subject_id = subject.id


def _use(session: Session, auth_id: uuid.UUID, citizen: Citizen, **overrides: Any):
    args: dict[str, Any] = {
        "authorization_id": auth_id,
        "subject_id": citizen.subject_id,
        "agency": AGENCY,
        "purpose": "credit_loan",
        "now": clock.now(),
    }
    args.update(overrides)
    return consents.use_for_query(session=session, **args)


def _uses(session: Session, auth_id: uuid.UUID) -> int:
    session.expire_all()
    row = session.get(Authorization, auth_id)
    assert row is not None
    return row.uses


def _state(session: Session, citizen: Citizen, auth_id: uuid.UUID) -> str:
    views = consents.list_authorizations(
        Context(session, citizen.keyring), code_index=citizen.index
    )
    return next(v.state for v in views if v.id == auth_id)


class TestAuthorizationCreate:
    def test_valid_payload_defaults(self):
        p = grant_payload(domains=[])
        assert p.starts_at is None
        assert p.domains == []

    @pytest.mark.parametrize("agency", ["Bank-A", "-bank", "b", "bank a", "x" * 65, "银行"])
    def test_agency_must_be_an_id(self, agency):
        with pytest.raises(ValidationError):
            grant_payload(agency=agency)

    @pytest.mark.parametrize("purpose", ["marketing", "信贷审批", ""])
    def test_purpose_must_be_catalogued(self, purpose):
        with pytest.raises(ValidationError):
            grant_payload(purpose=purpose)

    @pytest.mark.parametrize("kinds", [[], ["gold"], ["black", "black"]])
    def test_list_kinds_must_be_a_non_empty_distinct_subset(self, kinds):
        with pytest.raises(ValidationError):
            grant_payload(list_kinds=kinds)

    @pytest.mark.parametrize("domains", [["space"], ["tax", "tax"]])
    def test_domains_must_be_a_distinct_subset_of_the_vocabulary(self, domains):
        with pytest.raises(ValidationError):
            grant_payload(domains=domains)

    @pytest.mark.parametrize("uses", [0, 101, -1])
    def test_max_uses_is_bounded(self, uses):
        with pytest.raises(ValidationError):
            grant_payload(max_uses=uses)

    def test_expiry_must_follow_the_start(self):
        start = clock.now() + timedelta(days=2)
        with pytest.raises(ValidationError):
            grant_payload(starts_at=start, expires_at=start)

    def test_expiry_at_most_one_year_after_the_start(self):
        start = clock.now() + timedelta(days=2)
        grant_payload(starts_at=start, expires_at=start.replace(year=start.year + 1))
        with pytest.raises(ValidationError):
            grant_payload(
                starts_at=start, expires_at=start.replace(year=start.year + 1) + timedelta(1)
            )

    def test_start_may_not_be_backdated(self):
        with pytest.raises(ValidationError):
            grant_payload(starts_at=clock.now() - timedelta(hours=1))

    def test_naive_instants_are_refused(self):
        with pytest.raises(ValidationError):
            grant_payload(expires_at=datetime(2030, 1, 1))

    def test_unknown_fields_are_refused(self):
        with pytest.raises(ValidationError):
            grant_payload(subject_code=make_code())

    def test_errors_do_not_echo_the_input(self):
        with pytest.raises(ValidationError) as err:
            grant_payload(agency="Secret Agency 12345")
        assert "Secret Agency 12345" not in str(err.value)


class TestGrant:
    def test_grant_is_stored_against_the_subject_active(self, db, keyring):
        citizen = Citizen(db, keyring)
        view = granted(db, keyring, citizen.index)
        row = db.get(Authorization, view.id)
        assert row is not None
        assert row.subject_id == citizen.subject_id
        assert (view.state, view.uses, view.max_uses, view.policy_version) == ("active", 0, 2, 1)
        assert view.starts_at == T0
        assert view.list_kinds == ["black", "red"]

    def test_row_holds_no_personal_data(self, db, keyring):
        citizen = Citizen(db, keyring)
        view = granted(db, keyring, citizen.index)
        row = db.get(Authorization, view.id)
        assert citizen.code not in repr(row.model_dump())

    def test_missing_subject_without_code_is_not_found(self, db, keyring):
        index = keyring.blind_index(make_code())
        agency_registered(Context(db, keyring))
        with pytest.raises(NotFound) as err:
            consents.grant(Context(db, keyring), code_index=index, payload=grant_payload())
        assert err.value.rule == "no_record"
        assert db.execute(select(func.count()).select_from(Authorization)).scalar_one() == 0

    def test_missing_subject_is_created_from_the_callers_own_code(self, db, keyring):
        code = make_code()
        index = keyring.blind_index(code)
        agency_registered(Context(db, keyring))
        view = consents.grant(
            Context(db, keyring), code_index=index, payload=grant_payload(), code=code
        )
        subject = db.execute(select(Subject).where(Subject.code_index == index)).scalar_one()
        assert code.encode() not in subject.code_ct
        assert db.get(Authorization, view.id).subject_id == subject.id

    def test_code_of_someone_else_is_refused(self, db, keyring):
        index = keyring.blind_index(make_code())
        agency_registered(Context(db, keyring))
        with pytest.raises(InvalidInput) as err:
            consents.grant(
                Context(db, keyring), code_index=index, payload=grant_payload(), code=make_code()
            )
        assert err.value.rule == "code_mismatch"
        assert db.execute(select(func.count()).select_from(Subject)).scalar_one() == 0


class TestStates:
    def test_pending_before_start(self, db, keyring):
        citizen = Citizen(db, keyring)
        view = granted(db, keyring, citizen.index, starts_at=T0 + timedelta(days=1))
        assert view.state == "pending"
        clock.advance(timedelta(days=1))
        assert _state(db, citizen, view.id) == "active"

    def test_expired_after_expiry(self, db, keyring):
        citizen = Citizen(db, keyring)
        view = granted(db, keyring, citizen.index, expires_at=T0 + timedelta(days=3))
        clock.advance(timedelta(days=3) - timedelta(seconds=1))
        assert _state(db, citizen, view.id) == "active"
        clock.advance(timedelta(seconds=1))
        assert _state(db, citizen, view.id) == "expired"

    def test_used_up_after_last_use(self, db, keyring):
        citizen = Citizen(db, keyring)
        view = granted(db, keyring, citizen.index, max_uses=1)
        _use(db, view.id, citizen)
        assert _state(db, citizen, view.id) == "used_up"

    def test_revoked(self, db, keyring):
        citizen = Citizen(db, keyring)
        view = granted(db, keyring, citizen.index)
        revoked = consents.revoke(
            Context(db, keyring), code_index=citizen.index, authorization_id=view.id
        )
        assert revoked.state == "revoked"
        assert revoked.revoked_at == T0
        assert _state(db, citizen, view.id) == "revoked"


class TestList:
    def test_only_own_newest_first(self, db, keyring):
        me, other = Citizen(db, keyring), Citizen(db, keyring)
        first = granted(db, keyring, me.index)
        clock.advance(timedelta(minutes=1))
        second = granted(db, keyring, me.index, purpose="tenancy")
        granted(db, keyring, other.index)
        views = consents.list_authorizations(Context(db, keyring), code_index=me.index)
        assert [v.id for v in views] == [second.id, first.id]

    def test_unknown_citizen_has_none(self, db, keyring):
        index = keyring.blind_index(make_code())
        assert consents.list_authorizations(Context(db, keyring), code_index=index) == []


class TestRevoke:
    def test_someone_elses_is_not_found_and_untouched(self, db, keyring):
        me, other = Citizen(db, keyring), Citizen(db, keyring)
        theirs = granted(db, keyring, other.index)
        with pytest.raises(NotFound):
            consents.revoke(Context(db, keyring), code_index=me.index, authorization_id=theirs.id)
        assert _state(db, other, theirs.id) == "active"

    def test_unknown_id_is_not_found(self, db, keyring):
        me = Citizen(db, keyring)
        with pytest.raises(NotFound):
            consents.revoke(
                Context(db, keyring), code_index=me.index, authorization_id=uuid.uuid4()
            )

    def test_twice_is_a_conflict_keeping_the_first_time(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        consents.revoke(Context(db, keyring), code_index=me.index, authorization_id=view.id, now=T0)
        clock.advance(timedelta(hours=1))
        with pytest.raises(Conflict) as err:
            consents.revoke(Context(db, keyring), code_index=me.index, authorization_id=view.id)
        assert err.value.rule == "already_revoked"
        db.expire_all()
        assert db.get(Authorization, view.id).revoked_at == T0


class TestFreeze:
    def test_freeze_and_unfreeze(self, db, keyring):
        me = Citizen(db, keyring)
        assert not consents.is_frozen(session=db, subject_id=me.subject_id)
        consents.freeze(session=db, code_index=me.index, now=clock.now())
        assert consents.is_frozen(session=db, subject_id=me.subject_id)
        consents.unfreeze(session=db, code_index=me.index, now=clock.now())
        assert not consents.is_frozen(session=db, subject_id=me.subject_id)

    def test_freezing_twice_is_a_conflict(self, db, keyring):
        me = Citizen(db, keyring)
        consents.freeze(session=db, code_index=me.index, now=clock.now())
        with pytest.raises(Conflict) as err:
            consents.freeze(session=db, code_index=me.index, now=clock.now())
        assert err.value.rule == "already_frozen"
        assert db.execute(select(func.count()).select_from(SubjectFreeze)).scalar_one() == 1

    def test_unfreezing_an_unfrozen_record_is_a_conflict(self, db, keyring):
        me = Citizen(db, keyring)
        with pytest.raises(Conflict) as err:
            consents.unfreeze(session=db, code_index=me.index, now=clock.now())
        assert err.value.rule == "not_frozen"

    def test_history_is_kept_across_freezes(self, db, keyring):
        me = Citizen(db, keyring)
        for _ in range(2):
            consents.freeze(session=db, code_index=me.index, now=clock.now())
            clock.advance(timedelta(days=1))
            consents.unfreeze(session=db, code_index=me.index, now=clock.now())
            clock.advance(timedelta(days=1))
        rows = db.execute(select(SubjectFreeze).order_by(SubjectFreeze.frozen_at)).scalars().all()
        assert [(r.frozen_at, r.lifted_at) for r in rows] == [
            (T0, T0 + timedelta(days=1)),
            (T0 + timedelta(days=2), T0 + timedelta(days=3)),
        ]

    def test_only_the_own_record_is_frozen(self, db, keyring):
        me, other = Citizen(db, keyring), Citizen(db, keyring)
        consents.freeze(session=db, code_index=me.index, now=clock.now())
        assert not consents.is_frozen(session=db, subject_id=other.subject_id)

    def test_citizen_without_record_cannot_freeze(self, db, keyring):
        with pytest.raises(NotFound):
            consents.freeze(
                session=db, code_index=keyring.blind_index(make_code()), now=clock.now()
            )


class TestUseForQuery:
    def test_success_spends_one_use(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        auth = _use(db, view.id, me)
        assert auth.id == view.id
        assert auth.uses == 1
        assert _uses(db, view.id) == 1

    def _refused(self, db, auth_id, citizen, error, rule=None, **overrides):
        before = _uses(db, auth_id)
        with pytest.raises(error) as err:
            _use(db, auth_id, citizen, **overrides)
        assert err.value.rule == rule
        assert _uses(db, auth_id) == before

    def test_unknown_id_is_not_found(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        with pytest.raises(NotFound):
            _use(db, uuid.uuid4(), me)
        assert _uses(db, view.id) == 0

    def test_other_subject_is_not_found(self, db, keyring):
        me, other = Citizen(db, keyring), Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        self._refused(db, view.id, other, NotFound)

    def test_other_agency_is_not_found(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        self._refused(db, view.id, me, NotFound, agency="bank-b")

    def test_revoked(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        consents.revoke(Context(db, keyring), code_index=me.index, authorization_id=view.id, now=T0)
        self._refused(db, view.id, me, Refused, "authorization_revoked")

    def test_not_started(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index, starts_at=T0 + timedelta(hours=1))
        self._refused(db, view.id, me, Refused, "authorization_not_started")

    def test_expired(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index, expires_at=T0 + timedelta(days=1))
        clock.advance(timedelta(days=1))
        self._refused(db, view.id, me, Refused, "authorization_expired")

    def test_used_up(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index, max_uses=1)
        _use(db, view.id, me)
        self._refused(db, view.id, me, Refused, "authorization_used_up")

    def test_purpose_mismatch(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        self._refused(db, view.id, me, Refused, "purpose_mismatch", purpose="tenancy")

    def test_record_frozen(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        consents.freeze(session=db, code_index=me.index, now=clock.now())
        self._refused(db, view.id, me, Refused, "record_frozen")

    def test_unfreezing_restores_use(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        consents.freeze(session=db, code_index=me.index, now=clock.now())
        consents.unfreeze(session=db, code_index=me.index, now=clock.now())
        assert _use(db, view.id, me).uses == 1

    def test_other_agency_learns_nothing_even_when_revoked(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        consents.revoke(Context(db, keyring), code_index=me.index, authorization_id=view.id, now=T0)
        self._refused(db, view.id, me, NotFound, agency="bank-b")

    def test_revoked_is_reported_before_expired(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index, expires_at=T0 + timedelta(days=1))
        consents.revoke(Context(db, keyring), code_index=me.index, authorization_id=view.id, now=T0)
        clock.advance(timedelta(days=2))
        self._refused(db, view.id, me, Refused, "authorization_revoked")

    def test_expired_is_reported_before_used_up(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index, max_uses=1, expires_at=T0 + timedelta(days=1))
        _use(db, view.id, me)
        clock.advance(timedelta(days=2))
        self._refused(db, view.id, me, Refused, "authorization_expired")

    def test_purpose_is_reported_before_freeze(self, db, keyring):
        me = Citizen(db, keyring)
        view = granted(db, keyring, me.index)
        consents.freeze(session=db, code_index=me.index, now=clock.now())
        self._refused(db, view.id, me, Refused, "purpose_mismatch", purpose="tenancy")

    def test_every_refusal_rule_is_listed(self):
        assert {
            "authorization_revoked",
            "authorization_not_started",
            "authorization_expired",
            "authorization_used_up",
            "purpose_mismatch",
            "record_frozen",
            "authorization_code_unknown",
        } == RULES
        assert Refused.type_slug == "query-refused"

    def test_scope_limits_the_answer(self, db, keyring):
        me = Citizen(db, keyring)
        kinds = ["black", "warning"]
        auth = _use(
            db, granted(db, keyring, me.index, list_kinds=kinds, domains=["finance"]).id, me
        )
        assert consents.in_scope(auth, list_kind="black", domain="finance")
        assert not consents.in_scope(auth, list_kind="red", domain="finance")
        assert not consents.in_scope(auth, list_kind="black", domain="tax")
        every = _use(db, granted(db, keyring, me.index, list_kinds=kinds, domains=[]).id, me)
        assert consents.in_scope(every, list_kind="warning", domain="tax")


class TestConcurrency:
    def test_two_queries_racing_for_the_last_use_one_wins(self, consent_engine, keyring):
        clock.freeze(T0)
        with Session(consent_engine) as setup:
            me = Citizen(setup, keyring)
            auth_id = granted(setup, keyring, me.index, max_uses=1).id
            setup.commit()
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        lock = threading.Lock()

        def race() -> None:
            with Session(consent_engine) as mine:
                barrier.wait()
                try:
                    _use(mine, auth_id, me)
                    mine.commit()
                    result = "won"
                except Refused as exc:
                    mine.rollback()
                    result = str(exc.rule)
                except Exception as exc:  # reported in the assertion, not lost in the thread
                    mine.rollback()
                    result = repr(exc)
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=race) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(outcomes) == ["authorization_used_up", "won"]
        with Session(consent_engine) as check:
            assert check.get(Authorization, auth_id).uses == 1
