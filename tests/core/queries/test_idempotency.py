"""Idempotency keys under the log's lock: one answer per key, even for requests that race."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.clock import clock
from core.context import Context
from core.db import reader
from core.entries.service import create_entry
from core.errors import Conflict
from core.keyring import Keyring
from core.models import Authorization, QueryDelivery, QueryIdempotency
from core.queries.idempotency import Claim, claim_of, leaf_secret
from core.queries.recording import PreparedQuery, record_batch
from core.queries.schemas import QueryRequest
from core.queries.service import prepare_query, remembered_answer
from core.querylog.leaves import leaf_time
from core.querylog.signing_key import signer_for_data_dir
from crypto.log_signer import LogSigner
from tests.factories import make_code, make_payload
from tests.factories.consents import granted

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
AGENCY = "bank-1"


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    """The log's signer, its key in the test's own folder."""
    return signer_for_data_dir(tmp_path, origin="credence.example/query-log", name="log")


@pytest.fixture
def person(fresh_engine: Engine, keyring: Keyring) -> tuple[str, uuid.UUID]:
    """A subject with a displayed black entry who granted AGENCY two uses."""
    clock.freeze(T0)
    code = make_code()
    with Session(fresh_engine) as s:
        create_entry(
            Context(s, keyring),
            department="dept-a",
            actor="t",
            payload=make_payload(subject_code=code, list_kind="black"),
        )
        grant = granted(
            s, keyring, keyring.blind_index(code), agency=AGENCY, list_kinds=["black"], max_uses=2
        )
        s.commit()
    clock.advance(timedelta(days=20))
    return code, grant.id


def _prepared(engine: Engine, keyring: Keyring, payload: QueryRequest, key: str) -> PreparedQuery:
    with Session(reader(engine)) as reads:
        ctx = Context(reads, keyring)
        claim = claim_of(keyring, agency=AGENCY, key=key, payload=payload)
        return prepare_query(ctx, agency=AGENCY, payload=payload, claim=claim)


def _uses(engine: Engine, auth_id: uuid.UUID) -> int:
    with Session(engine) as s:
        auth = s.get(Authorization, auth_id)
        assert auth is not None
        return auth.uses


class TestRacingRequests:
    def test_two_requests_with_one_key_in_one_batch_make_one_answer(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        payload = QueryRequest(subject_code=code, purpose="credit_loan", authorization_id=auth_id)
        items = [_prepared(fresh_engine, keyring, payload, "k-1") for _ in range(2)]
        with Session(fresh_engine) as s:
            first, second = record_batch(session=s, signer=signer, items=items)
            s.commit()
        assert first.answer is not None
        assert first.error is None
        assert second.error is not None
        assert second.error.rule == "idempotency_key_in_use"
        assert _uses(fresh_engine, auth_id) == 1  # the loser spent nothing
        with Session(reader(fresh_engine)) as reads:
            _claim, again = remembered_answer(
                Context(reads, keyring), signer=signer, agency=AGENCY, payload=payload, key="k-1"
            )
        assert again == first.answer

    def test_a_key_answered_by_another_batch_meanwhile_is_refused_under_the_lock(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        payload = QueryRequest(subject_code=code, purpose="credit_loan", authorization_id=auth_id)
        # Both prepared before either is logged, as two processes would.
        early, late = (_prepared(fresh_engine, keyring, payload, "k-2") for _ in range(2))
        with Session(fresh_engine) as s:
            record_batch(session=s, signer=signer, items=[early])
            s.commit()
        with Session(fresh_engine) as s:
            (loser,) = record_batch(session=s, signer=signer, items=[late])
            s.commit()
        assert loser.error is not None
        assert loser.error.rule == "idempotency_key_in_use"
        assert _uses(fresh_engine, auth_id) == 1
        with Session(fresh_engine) as s:
            assert len(s.execute(select(QueryIdempotency)).scalars().all()) == 1


def _legal() -> QueryRequest:
    return QueryRequest(
        subject_code=make_code(), purpose="licensing", legal_basis="court_enforcement"
    )


class TestLeafSecret:
    def test_it_depends_on_the_key_the_body_and_the_time(self, keyring: Keyring) -> None:
        one = QueryRequest(
            subject_code=make_code(), purpose="licensing", legal_basis="court_enforcement"
        )
        two = one.model_copy(update={"purpose": "employment"})
        at = leaf_time(T0)
        a = claim_of(keyring, agency=AGENCY, key="k", payload=one)
        secrets = {
            leaf_secret(keyring, a, at),
            leaf_secret(keyring, claim_of(keyring, agency=AGENCY, key="k2", payload=one), at),
            leaf_secret(keyring, claim_of(keyring, agency=AGENCY, key="k", payload=two), at),
            leaf_secret(keyring, claim_of(keyring, agency="bank-2", key="k", payload=one), at),
            leaf_secret(keyring, a, leaf_time(T0 + timedelta(microseconds=1))),
        }
        assert len(secrets) == 5
        assert leaf_secret(keyring, a, at) == leaf_secret(keyring, a, at)
        assert a.key_hash.hex() not in repr(a)

    def test_a_claim_is_made_of_keyed_hashes(self, keyring: Keyring) -> None:
        payload = QueryRequest(
            subject_code=make_code(), purpose="licensing", legal_basis="court_enforcement"
        )
        claim = claim_of(keyring, agency=AGENCY, key="k", payload=payload)
        assert isinstance(claim, Claim)
        assert payload.subject_code.encode() not in claim.key_hash + claim.request_hash


class TestReplay:
    def test_an_answer_that_cannot_be_rebuilt_exactly_is_not_given(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        payload = QueryRequest(subject_code=code, purpose="credit_loan", authorization_id=auth_id)
        item = _prepared(fresh_engine, keyring, payload, "k-3")
        with Session(fresh_engine) as s:
            (logged,) = record_batch(session=s, signer=signer, items=[item])
            s.commit()
        assert logged.answer is not None
        assert logged.answer.entries
        # What it returned can no longer be read as it was (here: its delivery rows gone).
        with Session(fresh_engine) as s:
            for row in s.execute(select(QueryDelivery)).scalars().all():
                s.delete(row)
            s.commit()
        with Session(reader(fresh_engine)) as reads, pytest.raises(Conflict) as refused:
            remembered_answer(
                Context(reads, keyring), signer=signer, agency=AGENCY, payload=payload, key="k-3"
            )
        assert refused.value.rule == "idempotency_replay_unavailable"
