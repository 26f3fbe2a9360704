"""Demo queries: authorizations and a few hundred logged queries, so the log has a history.

Invariants: loaded only into an empty query log (a second load adds nothing); every
query goes through the real query path, refusals through the real refusal path, so the
log, notices, flags and receipts are exactly what real traffic would leave; the week
of traffic ends at the project clock's now, never in the future.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from core.audit.rules import AuditRules
from core.clock import CST, clock
from core.consents import service as consents
from core.consents.schemas import AuthorizationCreate
from core.context import Context
from core.demo.people import DemoPerson
from core.errors import DomainError
from core.keyring import Keyring
from core.queries.schemas import QueryRequest
from core.queries.service import log_refusal, run_query
from core.querylog.appends import log_size
from core.querylog.checkpoints import Cadence, make_checkpoint
from crypto.log_signer import LogSigner

WEEK = timedelta(days=7)
BANK = "demo-bank"
LENDER = "demo-lender"
COLLECTOR = "demo-collector"
POLICE = "demo-police"
COURT = "demo-court"


@dataclass(frozen=True)
class DemoQueries:
    """How many demo queries were logged (0 when the log already had entries) and refused."""

    logged: int
    refused: int


def _ask(
    *,
    session: Session,
    keyring: Keyring,
    signer: LogSigner,
    agency: str,
    payload: QueryRequest,
    at: datetime,
    rules: AuditRules,
    cadence: Cadence,
) -> bool:
    """One query through the real path; a refusal is rolled back and logged. True if answered."""
    try:
        with session.begin_nested():
            run_query(
                session=session,
                keyring=keyring,
                signer=signer,
                agency=agency,
                payload=payload,
                now=at,
                rules=rules,
                cadence=cadence,
            )
        return True
    except DomainError as exc:
        log_refusal(
            session=session,
            keyring=keyring,
            signer=signer,
            agency=agency,
            payload=payload,
            rule=exc.rule or exc.type_slug,
            now=at,
            rules=rules,
            cadence=cadence,
        )
        return False


def load_demo_queries(
    *,
    session: Session,
    keyring: Keyring,
    signer: LogSigner,
    people: list[DemoPerson],
    rules: AuditRules,
    cadence: Cadence,
) -> DemoQueries:
    """A week of traffic: consented bank queries, refusals, night and bulk patterns, one seal."""
    if log_size(session=session) > 0:
        return DemoQueries(logged=0, refused=0)
    rng = random.Random(20261123)  # noqa: S311 - demo choices, not secrets
    now = clock.now()
    start = now - WEEK
    expires = now + timedelta(days=180)
    grants: list[tuple[DemoPerson, uuid.UUID, int]] = []
    for n, person in enumerate(people[:12]):
        max_uses = 2 if n < 3 else 40  # three are used up during the week
        view = consents.grant(
            Context(session, keyring),
            code_index=keyring.blind_index(person.code),
            code=person.code,
            payload=AuthorizationCreate(
                agency=BANK,
                purpose="credit_loan",
                list_kinds=["black", "red", "watch"],
                expires_at=expires,
                max_uses=max_uses,
            ),
            now=start,
        )
        grants.append((person, view.id, max_uses))

    plan: list[tuple[datetime, str, QueryRequest]] = []
    for k in range(140):
        person, auth_id, _ = grants[k % len(grants)]
        day = start + timedelta(days=rng.randrange(7))
        at = day.astimezone(CST).replace(hour=rng.randrange(9, 18), minute=rng.randrange(60))
        agency = LENDER if k % 20 == 7 else BANK  # a lender trying the bank's consent
        payload = QueryRequest(
            subject_code=person.code, purpose="credit_loan", authorization_id=auth_id
        )
        plan.append((at, agency, payload))
    for k in range(12):
        person = rng.choice(people)
        at = (start + timedelta(days=k % 7)).astimezone(CST).replace(hour=2, minute=10 + k)
        payload = QueryRequest(
            subject_code=person.code, purpose="licensing", legal_basis="tax_inspection"
        )
        plan.append((at, LENDER, payload))
    burst = (start + timedelta(days=3)).astimezone(CST).replace(hour=14, minute=0)
    for k in range(rules.bulk_queries + 20):
        person = people[k % len(people)]
        payload = QueryRequest(
            subject_code=person.code, purpose="licensing", legal_basis="court_enforcement"
        )
        plan.append((burst + timedelta(seconds=20 * k), COLLECTOR, payload))
    sealed = QueryRequest(
        subject_code=people[1].code,
        purpose="licensing",
        legal_basis="criminal_investigation",
        sealed_until=(now + timedelta(days=90)).astimezone(CST).date(),
    )
    plan.append((start + timedelta(days=5, hours=3), POLICE, sealed))

    plan.sort(key=lambda item: item[0])
    refused = 0
    for at, agency, payload in plan:
        answered = _ask(
            session=session,
            keyring=keyring,
            signer=signer,
            agency=agency,
            payload=payload,
            at=min(at, now),
            rules=rules,
            cadence=cadence,
        )
        refused += not answered
    make_checkpoint(session=session, signer=signer, now=now)
    return DemoQueries(logged=len(plan), refused=refused)
