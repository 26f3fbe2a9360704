"""One batch of queries in one transaction: dense indices, one checkpoint note that proves
every receipt, each refusal decided alone, and a subject's leaves chained in log order."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from core.clock import clock
from core.context import Context
from core.db import reader
from core.entries.service import create_entry
from core.errors import DomainError
from core.keyring import Keyring
from core.models import LogCheckpoint, LogLeaf, QueryDelivery, QueryFacet, QueryNotice
from core.models.consents import Authorization
from core.queries.recording import LogItem, Refusal, flush, record_batch
from core.queries.schemas import QueryRequest
from core.queries.service import prepare_query, prepare_refusal, query_history
from core.querylog.checkpoints import Cadence
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import verify_log
from crypto.bound_receipt import verify_answer, verify_history
from crypto.leaf_binding import canonical
from crypto.log_signer import LogSigner
from crypto.merkle import leaf_hash
from crypto.receipt import verify_receipt
from tests.factories import make_code, make_payload
from tests.factories.consents import granted

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ORIGIN = "credence.example/query-log"
NAME = "credence.example-log"
AGENCY = "bank-1"
USES = 2


@pytest.fixture
def signer(tmp_path: Path) -> LogSigner:
    """The log's signer, its key in the test's own folder."""
    return signer_for_data_dir(tmp_path, origin=ORIGIN, name=NAME)


@pytest.fixture
def person(fresh_engine: Engine, keyring: Keyring) -> tuple[str, uuid.UUID]:
    """A subject with a displayed black entry, and an authorization for AGENCY with USES uses."""
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
            s,
            keyring,
            keyring.blind_index(code),
            agency=AGENCY,
            list_kinds=["black"],
            max_uses=USES,
        )
        s.commit()
    clock.advance(timedelta(days=20))  # past the black entry's prior notice
    return code, grant.id


def _legal(code: str) -> QueryRequest:
    return QueryRequest(subject_code=code, purpose="licensing", legal_basis="court_enforcement")


def _consented(code: str, auth_id: uuid.UUID) -> QueryRequest:
    return QueryRequest(subject_code=code, purpose="credit_loan", authorization_id=auth_id)


def _items(engine: Engine, keyring: Keyring, code: str, auth_id: uuid.UUID) -> list[LogItem]:
    """Seven items prepared on read snapshots, as the route prepares them: two legal
    answers, three answers under an authorization with two uses left (the third is only
    refused once the batch spends), a prepared refusal and a malformed query."""
    items: list[LogItem] = []
    with Session(reader(engine)) as reads:
        ctx = Context(reads, keyring)
        for payload in (
            _legal(code),
            _consented(code, auth_id),
            _consented(code, auth_id),
            _consented(code, auth_id),
            _legal(code),
        ):
            try:
                items.append(prepare_query(ctx, agency=AGENCY, payload=payload))
            except DomainError as refused:  # as the route does: logged as a refusal
                rule = refused.rule or refused.type_slug
                items.append(
                    prepare_refusal(ctx, agency=AGENCY, payload=payload, rule=rule, now=clock.now())
                )
            reads.rollback()
        items.append(
            prepare_refusal(ctx, agency=AGENCY, payload=_legal(code), rule="r1", now=clock.now())
        )
    items.append(Refusal(agency=AGENCY, rule="invalid_subject_code", now=clock.now()))
    return items


class TestOneBatch:
    def test_every_receipt_is_proven_by_the_batch_note_and_the_spend_refuses_alone(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        items = _items(fresh_engine, keyring, code, auth_id)
        with Session(fresh_engine) as s:
            logged = record_batch(session=s, signer=signer, items=items)
            s.commit()

        assert [x.index for x in logged] == list(range(len(items)))
        notes = {str(x.receipt["checkpoint"]) for x in logged}
        assert len(notes) == 1  # one signature for the whole batch
        vkey = signer.verifier_key()
        with Session(fresh_engine) as s:
            bodies = {leaf.idx: leaf.body for leaf in s.scalars(select(LogLeaf))}
            uses = s.execute(
                select(col(Authorization.uses)).where(col(Authorization.id) == auth_id)
            ).scalar_one()
            notices = s.execute(select(func.count()).select_from(QueryNotice)).scalar_one()
            deliveries = s.execute(select(func.count()).select_from(QueryDelivery)).scalar_one()
            report = verify_log(session=s, signer_public_key=signer.public_key, name=NAME)
        assert report.ok
        assert report.leaves == len(items)
        for x in logged:
            checkpoint = verify_receipt(x.receipt, vkey)
            assert checkpoint.size == len(items)
            leaf = x.receipt["leaf"]
            assert isinstance(leaf, dict)
            assert leaf_hash(canonical(leaf)) == leaf_hash(bodies[x.index])

        outcomes = [(json.loads(bodies[x.index])["outcome"], x.error) for x in logged]
        assert [o for o, _ in outcomes] == [
            "answered",
            "answered",
            "answered",
            "refused",
            "answered",
            "refused",
            "refused",
        ]
        # The third consented query alone is refused once its use cannot be spent.
        third = logged[3].error
        assert third is not None
        assert third.rule == "authorization_used_up"
        assert json.loads(bodies[3])["refusal_rule"] == "authorization_used_up"
        assert uses == USES
        for x in (logged[0], logged[1], logged[2], logged[4]):
            assert x.answer is not None
            assert x.error is None
            verify_answer(x.answer.receipt, vkey)
        # Every query of a subject on record tells them; the malformed one names nobody.
        assert notices == len(items) - 1
        assert deliveries == 4  # one black entry for each of the four answers

    def test_a_subjects_leaves_chain_in_log_order_within_and_across_batches(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        for _ in range(2):
            items = _items(fresh_engine, keyring, code, auth_id)
            with Session(fresh_engine) as s:
                record_batch(session=s, signer=signer, items=items)
                s.commit()
        with Session(fresh_engine) as s:
            rows = query_history(
                session=s, code_index=keyring.blind_index(code), now=clock.now(), keyring=keyring
            )
        assert len(rows) == 2 * 6
        shown = [row.model_dump(mode="json") for row in rows]
        # Without a stored checkpoint the rows are pending; the chain is checked all the same.
        check = verify_history(shown, signer.verifier_key())
        assert check.complete
        assert check.verified + check.pending == len(rows)
        # Only the subject's very first query starts the chain.
        assert [r["leaf"]["prev"] is None for r in shown].count(True) == 1

    def test_a_batch_that_crosses_the_cadence_stores_the_note_its_receipts_carry(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        items = _items(fresh_engine, keyring, code, auth_id)
        with Session(fresh_engine) as s:
            logged = record_batch(
                session=s, signer=signer, items=items, cadence=Cadence(every_leaves=3)
            )
            s.commit()
            stored = s.execute(select(LogCheckpoint)).scalars().all()
        assert [c.size for c in stored] == [len(items)]
        assert {str(x.receipt["checkpoint"]) for x in logged} == {stored[0].note}

    def test_flush_commits_the_batch_and_a_failed_flush_leaves_nothing(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        logged = flush(fresh_engine, signer, _items(fresh_engine, keyring, code, auth_id)[:1])
        assert [x.index for x in logged] == [0]
        before = _counts(fresh_engine, auth_id)
        # A checkpoint due is signed and stored last in the transaction, after every row of
        # the batch was written: when that fails, all of it goes, and nobody got a receipt.
        with pytest.raises(OSError, match="signing device"):
            flush(
                fresh_engine,
                _Unplugged(signer),
                _items(fresh_engine, keyring, code, auth_id),
                cadence=Cadence(every_leaves=1),
            )
        assert _counts(fresh_engine, auth_id) == before == (1, 1, 1, 0, 1)

    def test_receipts_are_signed_after_the_commit_so_a_failure_then_loses_no_leaf(
        self, fresh_engine: Engine, keyring: Keyring, signer: LogSigner, person
    ) -> None:
        code, auth_id = person
        flush(fresh_engine, signer, _items(fresh_engine, keyring, code, auth_id)[:1])
        items = _items(fresh_engine, keyring, code, auth_id)
        # Not due for a stored checkpoint: the receipts' note is signed once the batch is
        # durable, outside the write lock. A failure then answers nobody, but what was
        # logged stays logged (the log may hold a query never answered, never the reverse).
        with pytest.raises(OSError, match="signing device"):
            flush(fresh_engine, _Unplugged(signer), items)
        leaves, notices, facets, uses, checkpoints = _counts(fresh_engine, auth_id)
        assert (leaves, notices, facets) == (1 + len(items), 1 + len(items) - 1, 1 + len(items))
        assert (uses, checkpoints) == (USES, 1)
        with Session(fresh_engine) as s:
            report = verify_log(session=s, signer_public_key=signer.public_key, name=NAME)
        assert report.ok


class _Unplugged(LogSigner):
    """The log's key, on a device that fails when asked to sign."""

    def __init__(self, signer: LogSigner) -> None:
        super().__init__(signer._private, origin=signer.origin, name=signer.name)

    def sign(self, checkpoint: object) -> str:  # type: ignore[override]
        raise OSError("the signing device is gone")


def _counts(engine: Engine, auth_id: uuid.UUID) -> tuple[int, ...]:
    """Leaves, notices, audit facets, spent uses and checkpoints stored."""
    with Session(engine) as s:
        uses = s.execute(
            select(col(Authorization.uses)).where(col(Authorization.id) == auth_id)
        ).scalar_one()
        return (
            s.execute(select(func.count()).select_from(LogLeaf)).scalar_one(),
            s.execute(select(func.count()).select_from(QueryNotice)).scalar_one(),
            s.execute(select(func.count()).select_from(QueryFacet)).scalar_one(),
            uses,
            s.execute(select(func.count()).select_from(LogCheckpoint)).scalar_one(),
        )
