"""Agency queries racing each other leave one gap-free, verifiable log and never overspend."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.clock import clock
from core.consents import service as consents
from core.consents.schemas import AuthorizationCreate
from core.context import Context
from core.db import reader
from core.entries.service import create_entry
from core.errors import DomainError
from core.keyring import Keyring
from core.models import LogLeaf, QueryNotice
from core.models.consents import Authorization
from core.queries.recording import Logged, LogItem, flush
from core.queries.schemas import QueryRequest
from core.queries.service import log_refusal, prepare_query, prepare_refusal, run_query
from core.querylog.appends import current_frontier, log_size
from core.querylog.proofs import consistency
from core.querylog.sequencer import Sequencer
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import verify_log
from crypto.log_signer import LogSigner
from crypto.merkle import leaf_hash, verify_consistency
from crypto.receipt import verify_receipt
from tests.factories import make_code, make_payload
from tests.factories.directory import make_agency

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ORIGIN = "credence.example/query-log"
NAME = "credence.example-log"
AGENCY = "bank-1"
WORKERS = 8
ROUNDS = 15
MAX_USES = 20
# Per worker and round: two legal-basis queries, two under the authorization, and one
# sealed query by a body that may not seal (refused, then logged in its own transaction).
KINDS = ("legal", "legal", "authorization", "authorization", "bad-seal")


@dataclass(frozen=True)
class Outcome:
    """What one attempt committed: an answer with its receipt, or a logged refusal."""

    kind: str
    index: int
    rule: str | None = None
    entries: int = 0
    receipt: dict[str, object] | None = None


@pytest.fixture
def world(fresh_engine: Engine, keyring: Keyring) -> tuple[str, uuid.UUID]:
    """A committed subject with a black (tax) and a watch (volunteering) entry, both shown
    (past the black entry's prior notice), and an authorization for AGENCY scoped to black
    entries with MAX_USES uses."""
    clock.freeze(T0)
    code = make_code()
    black = make_payload(subject_code=code, list_kind="black")
    watch = make_payload(
        subject_code=code,
        list_kind="watch",
        severity="general",
        display_until=clock.today() + timedelta(days=190),
        repairable=False,
        repair_ways=[],
        domain="volunteering",
    )
    with Session(fresh_engine) as s:
        for payload in (black, watch):
            create_entry(Context(s, keyring), department="dept-a", actor="t", payload=payload)
        make_agency(Context(s, keyring), AGENCY)
        grant = consents.grant(
            Context(s, keyring),
            code_index=keyring.blind_index(code),
            payload=AuthorizationCreate(
                agency=AGENCY,
                purpose="credit_loan",
                list_kinds=["black"],
                expires_at=clock.now() + timedelta(days=30),
                max_uses=MAX_USES,
            ),
        )
        s.commit()
    clock.advance(timedelta(days=20))  # the prior notice of the black entry is over
    return code, grant.id


def _request(kind: str, code: str, auth_id: uuid.UUID) -> QueryRequest:
    if kind == "authorization":
        return QueryRequest(subject_code=code, purpose="credit_loan", authorization_id=auth_id)
    sealed = date(2027, 6, 1) if kind == "bad-seal" else None
    return QueryRequest(
        subject_code=code,
        purpose="licensing",
        legal_basis="court_enforcement",
        sealed_until=sealed,
    )


def _attempt(
    engine: Engine, keyring: Keyring, signer: LogSigner, kind: str, payload: QueryRequest
) -> Outcome:
    """One query as the agency route runs it: answer and commit, or roll back and log."""
    with Session(engine) as s:
        try:
            answer = run_query(
                session=s,
                keyring=keyring,
                signer=signer,
                agency=AGENCY,
                payload=payload,
                now=clock.now(),
            )
            s.commit()
        except DomainError as exc:
            s.rollback()
            rule = exc.rule or exc.type_slug
            index = log_refusal(
                session=s,
                keyring=keyring,
                signer=signer,
                agency=AGENCY,
                payload=payload,
                rule=rule,
                now=clock.now(),
            )
            s.commit()
            return Outcome(kind=kind, index=index, rule=rule)
    return Outcome(
        kind=kind, index=answer.log_index, entries=len(answer.entries), receipt=answer.receipt
    )


def _sequenced(
    engine: Engine,
    keyring: Keyring,
    log: Sequencer[LogItem, Logged],
    kind: str,
    payload: QueryRequest,
) -> Outcome:
    """One query as the agency route runs it: prepared on a read snapshot, then logged by the
    process's sequencer in a batch with whatever the other threads queued meanwhile."""
    with Session(reader(engine)) as reads:
        ctx = Context(reads, keyring)
        item: LogItem
        try:
            item = prepare_query(ctx, agency=AGENCY, payload=payload)
        except DomainError as exc:
            rule = exc.rule or exc.type_slug
            item = prepare_refusal(
                ctx, agency=AGENCY, payload=payload, rule=rule, now=clock.now(), error=exc
            )
    logged = log.submit(item).result(timeout=120)
    if logged.error is not None:
        rule = logged.error.rule or logged.error.type_slug
        return Outcome(kind=kind, index=logged.index, rule=rule)
    answer = logged.answer
    assert answer is not None
    return Outcome(
        kind=kind, index=answer.log_index, entries=len(answer.entries), receipt=answer.receipt
    )


class TestConcurrentQueries:
    @pytest.mark.parametrize("path", ["one transaction each", "the sequencer"])
    def test_gap_free_log_valid_receipts_and_no_overspent_authorization(
        self,
        fresh_engine: Engine,
        keyring: Keyring,
        tmp_path: Path,
        world: tuple[str, uuid.UUID],
        path: str,
    ) -> None:
        code, auth_id = world
        signer = signer_for_data_dir(tmp_path, origin=ORIGIN, name=NAME)
        log: Sequencer[LogItem, Logged] = Sequencer(
            lambda items: flush(fresh_engine, signer, items), max_batch=16
        )
        results: dict[int, list[Outcome]] = {t: [] for t in range(WORKERS)}
        errors: list[BaseException] = []
        barrier = threading.Barrier(WORKERS)

        def worker(t: int) -> None:
            try:
                barrier.wait(timeout=30)
                for r in range(ROUNDS):
                    kind = KINDS[(t + r) % len(KINDS)]
                    payload = _request(kind, code, auth_id)
                    results[t].append(
                        _attempt(fresh_engine, keyring, signer, kind, payload)
                        if path == "one transaction each"
                        else _sequenced(fresh_engine, keyring, log, kind, payload)
                    )
            except BaseException as exc:  # reported by the main thread, not lost in the thread
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(WORKERS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=300)
        assert not any(th.is_alive() for th in threads)
        assert not errors, errors
        log.close(60)

        outcomes = [o for t in range(WORKERS) for o in results[t]]
        attempts = Counter(o.kind for o in outcomes)
        assert len(outcomes) == WORKERS * ROUNDS
        assert attempts["authorization"] > MAX_USES

        # Every commit is one leaf; indices are distinct across workers and leave no gap.
        indices = [o.index for o in outcomes]
        assert len(set(indices)) == len(indices)
        assert sorted(indices) == list(range(len(outcomes)))
        with Session(fresh_engine) as s:
            leaves = s.execute(select(LogLeaf).order_by(col(LogLeaf.idx))).scalars().all()
            assert [leaf.idx for leaf in leaves] == list(range(len(outcomes)))
            assert log_size(session=s) == len(outcomes)
            report = verify_log(session=s, signer_public_key=signer.public_key, name=NAME)
            assert report.ok, report
            assert report.leaves == len(outcomes)
            final = current_frontier(session=s).root()
            # The subject is told of every query, exactly once.
            noticed = s.execute(select(col(QueryNotice.log_index))).scalars().all()
            assert sorted(noticed) == sorted(indices)
            uses = s.execute(
                select(col(Authorization.uses)).where(col(Authorization.id) == auth_id)
            ).scalar_one()
        bodies = {leaf.idx: leaf.body for leaf in leaves}

        # Every answer's receipt verifies offline, holds the leaf logged at its index, and its
        # checkpoint (stored or not) is a prefix of the final log.
        vkey = signer.verifier_key()
        answers = [o for o in outcomes if o.receipt is not None]
        with Session(fresh_engine) as s:
            for o in answers:
                assert o.receipt is not None
                cp = verify_receipt(o.receipt, vkey)
                assert o.receipt["index"] == o.index < cp.size
                assert base64.b64decode(str(o.receipt["leaf_hash"])) == leaf_hash(bodies[o.index])
                proof = consistency(session=s, size1=cp.size, size2=len(outcomes))
                verify_consistency(cp.size, len(outcomes), proof, cp.root, final)

        # What each leaf says matches what its caller was told.
        for o in outcomes:
            leaf = json.loads(bodies[o.index])
            expected = "refused" if o.rule else ("answered" if o.entries else "empty")
            assert (leaf["outcome"], leaf["refusal_rule"]) == (expected, o.rule)

        # The authorization is spent exactly once per answer under it, never past its maximum.
        by_auth = [o for o in answers if o.kind == "authorization"]
        assert uses == len(by_auth) == MAX_USES
        assert all(o.entries == 1 for o in by_auth)  # its scope: the black entry only
        refused = Counter(o.rule for o in outcomes if o.rule is not None)
        assert refused == {
            "authorization_used_up": attempts["authorization"] - MAX_USES,
            "seal_not_allowed": attempts["bad-seal"],
        }
        legal = [o for o in answers if o.kind == "legal"]
        assert len(legal) == attempts["legal"]
        assert all(o.entries == 2 for o in legal)
