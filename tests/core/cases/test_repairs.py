"""Credit repair at the service level: eligibility, certificates, escalation, racing officers."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.cases import repository as case_repo
from core.cases.officer import Officer
from core.cases.repairs import policy, registry, service
from core.cases.repairs.schemas import (
    OrganisationCreate,
    RepairDecision,
    RepairFilter,
)
from core.clock import CST, clock
from core.context import Context
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.keyring import Keyring
from core.models import CaseEvent, Entry, RepairApplication, UsedCertificate
from crypto import credential as signed
from tests.factories import Issuer, make_code, make_serious, repair_filed
from tests.factories.credentials import sealed

T_RECORD = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
T_FILE = datetime(2026, 4, 1, 10, 0, tzinfo=CST)


def _decide(
    session: Session, repair_id: uuid.UUID, keyring: Keyring, decision: str, reasons: str | None
) -> str:
    return service.decide(
        Context(session, keyring),
        officer=Officer(department="dept-a", actor=f"officer-{decision}"),
        case_id=repair_id,
        payload=RepairDecision.model_validate({"decision": decision, "reasons": reasons}),
    ).status


def _entry_row(entry_id: uuid.UUID) -> Entry:
    return Entry(
        id=entry_id,
        subject_id=uuid.uuid4(),
        data_key_id=uuid.uuid4(),
        department="d",
        external_id="x",
        public_ref="R",
        list_kind="black",
        domain="tax",
        severity="general",
        subject_name_ct=b"",
        facts_ct=b"",
        legal_basis="b",
        decided_on=date(2025, 11, 30),
        display_until=date(2026, 6, 1),
        valid_until=date(2026, 6, 1),
        retain_until=date(2031, 6, 1),
    )


class TestEligibility:
    def test_the_minimum_display_period_by_severity_clamped_to_month_end(self):
        general = _entry_row(uuid.uuid4())
        assert service.eligible_from(general) == date(2026, 2, 28)
        general.severity = "serious"
        assert service.eligible_from(general) == date(2026, 11, 30)
        general.severity = "minor"
        assert service.eligible_from(general) is None
        general.list_kind = "red"
        assert service.eligible_from(general) == general.decided_on


class TestCertificateIndex:
    def test_keyed_normalised_per_organisation_and_unlike_any_other_index(self, keyring_factory):
        keyring, other_keys = keyring_factory(), keyring_factory()
        org, other_org = uuid.uuid4(), uuid.uuid4()
        index = service.certificate_index(keyring, org, "VC-2026-0042")
        assert len(index) == 32
        assert service.certificate_index(keyring, org, " vc-2026- 0042 ") == index
        assert service.certificate_index(keyring, other_org, "VC-2026-0042") != index
        assert service.certificate_index(other_keys, org, "VC-2026-0042") != index
        assert keyring.blind_index("VC-2026-0042") != index
        assert b"VC-2026-0042" not in index


class TestRegistry:
    def test_codes_are_unique_and_deactivation_is_idempotent(self, session):
        now = datetime(2026, 4, 1, tzinfo=CST)
        made = registry.register(
            session=session, payload=OrganisationCreate(code="V-1", name="志愿者协会"), now=now
        )
        with pytest.raises(Conflict) as dup:
            registry.register(
                session=session, payload=OrganisationCreate(code="V-1", name="别的"), now=now
            )
        assert dup.value.rule == "duplicate_organisation"
        assert [o.code for o in registry.list_organisations(session=session)] == ["V-1"]
        for _ in range(2):
            assert registry.deactivate(session=session, organisation_id=made.id).active is False
        with pytest.raises(NotFound):
            registry.deactivate(session=session, organisation_id=uuid.uuid4())


class TestMyRepair:
    def test_one_application_for_its_applicant_and_nobody_else(self, session, keyring):
        code, other = make_code(), make_code()
        entry_id = make_serious(session, keyring, code)
        make_serious(session, keyring, other)
        clock.freeze(T_FILE)
        case_id = repair_filed(session, keyring, code, entry_id)

        def mine(who: str) -> uuid.UUID:
            return service.my_repair(
                Context(session, keyring), code_index=keyring.blind_index(who), case_id=case_id
            ).id

        assert mine(code) == case_id
        for who in (other, make_code()):  # another subject; someone with no record at all
            with pytest.raises(NotFound):
                mine(who)


class TestFilingRules:
    def test_volunteering_reserves_the_certificate_until_declined_and_keeps_it_once_approved(
        self, session, keyring
    ):
        issuer = Issuer("V-2", "volunteer_organisation")
        org = registry.register(
            session=session,
            payload=OrganisationCreate(
                code="V-2", name="志愿者协会", public_key=issuer.public_b64()
            ),
            now=T_RECORD,
        )
        a, b = make_code(), make_code()
        first, second = make_serious(session, keyring, a), make_serious(session, keyring, b)
        clock.freeze(T_FILE)

        def volunteer(code: str, entry: uuid.UUID, cid: str) -> uuid.UUID:
            credential = issuer.credential(code, "volunteering", cid, hours=30)
            return repair_filed(
                session, keyring, code, entry, way="volunteering", credential=credential
            )

        case = volunteer(a, first, "C-1")
        with pytest.raises(Conflict) as used:
            volunteer(b, second, "c-1")
        assert used.value.rule == "certificate_used"
        assert _decide(session, case, keyring, "decline", "证书待核实") == "declined"
        held = volunteer(b, second, "C-1")
        assert _decide(session, held, keyring, "accept", None) == "accepted"
        assert _decide(session, held, keyring, "approve", None) == "approved"
        (row,) = session.execute(select(UsedCertificate)).scalars().all()
        assert (row.repair_id, row.organisation_id) == (held, org.id)
        with pytest.raises(Conflict):
            volunteer(a, first, "C-1")

    def test_each_bad_credential_is_refused_before_anything_is_written(self, session, keyring):
        charity = Issuer("CH-1", "charity")
        registry.register(
            session=session,
            payload=OrganisationCreate(
                code="CH-1", name="慈善会", kind="charity", public_key=charity.public_b64()
            ),
            now=T_RECORD,
        )
        code, other = make_code(), make_code()
        entry = make_serious(session, keyring, code, repair_ways=["donation", "commitment"])
        clock.freeze(T_FILE)
        body = charity.body(code, "donation", "R-9")
        cases = {
            "credential_required": None,
            "credential_malformed": '{"credential": {}, "signature": ""}',
            "credential_wrong_kind": charity.credential(code, "training", "R-9"),
            "unknown_issuer": Issuer("CH-2", "charity").credential(code, "donation", "R-9"),
            "credential_bad_signature": sealed(
                body, signed.sign(Issuer("CH-1", "charity", seed="x").private_key(), body)
            ),
            "credential_wrong_subject": charity.credential(other, "donation", "R-9"),
        }
        for rule, credential in cases.items():
            with pytest.raises(InvalidInput) as refused:
                repair_filed(session, keyring, code, entry, way="donation", credential=credential)
            assert refused.value.rule == rule
            assert code not in str(refused.value)
        assert session.execute(select(RepairApplication)).first() is None
        good = charity.credential(code, "donation", "R-9")
        made = repair_filed(session, keyring, code, entry, way="donation", credential=good)
        row = session.get(RepairApplication, made)
        assert row is not None
        assert row.way == "donation"

    def test_a_bad_public_key_is_refused(self, session):
        for bad in ("", "AAAA", "!!", "A" * 60):
            with pytest.raises(InvalidInput) as refused:
                registry.register(
                    session=session,
                    payload=OrganisationCreate(code="K-1", name="n", public_key=bad),
                    now=T_RECORD,
                )
            assert refused.value.rule == "bad_public_key"
        assert registry.list_organisations(session=session) == []

    def test_not_yet_eligible_carries_the_date(self, session, keyring):
        code = make_code()
        entry_id = make_serious(session, keyring, code, decided_on=date(2025, 6, 1))
        clock.freeze(T_FILE)
        with pytest.raises(InvalidInput) as early:
            repair_filed(session, keyring, code, entry_id)
        assert early.value.rule == "repair_not_yet_eligible"
        assert isinstance(early.value, service.NotYetEligible)
        assert early.value.eligible_from == date(2026, 6, 1)
        assert "2026-06-01" in early.value.detail


class TestOverdue:
    def test_counted_escalated_once_and_an_escalation_never_beats_a_decision(
        self, session, keyring
    ):
        a, b = make_code(), make_code()
        first, second = make_serious(session, keyring, a), make_serious(session, keyring, b)
        clock.freeze(T_FILE)  # Wednesday 1 April 2026: acceptance due 7 April (Qingming)
        late = repair_filed(session, keyring, a, first)
        clock.freeze(datetime(2026, 4, 7, 10, 0, tzinfo=CST))
        on_time = repair_filed(session, keyring, b, second)

        def count(day: date) -> int:
            return service.count_overdue(session=session, today=day)

        def escalate(day: date) -> int:
            return service.escalate_overdue(
                session=session,
                today=day,
                now=datetime(day.year, day.month, day.day, 9, tzinfo=CST),
                calendar=service.DEFAULT_CALENDAR,
            )

        assert (count(date(2026, 4, 7)), escalate(date(2026, 4, 7))) == (0, 0)
        assert (count(date(2026, 4, 8)), escalate(date(2026, 4, 8))) == (1, 1)
        assert escalate(date(2026, 4, 9)) == 0
        row = session.get(RepairApplication, late)
        assert row is not None
        session.refresh(row)
        assert (row.escalated, row.version) == (True, 1)
        events = session.execute(
            select(col(CaseEvent.event), col(CaseEvent.actor)).where(col(CaseEvent.case_id) == late)
        ).all()
        assert sorted(events) == [("escalated_accept_overdue", "system"), ("filed", "citizen")]

        clock.freeze(datetime(2026, 4, 9, 10, 0, tzinfo=CST))
        assert _decide(session, late, keyring, "accept", None) == "accepted"
        assert count(date(2026, 4, 9)) == 0
        # Both now run their decision clocks: ten working days from each acceptance.
        assert _decide(session, on_time, keyring, "accept", None) == "accepted"
        assert count(date(2026, 4, 23)) == 0
        assert count(date(2026, 4, 24)) == 2
        assert escalate(date(2026, 4, 24)) == 2
        listed = service.department_queue(
            Context(session, keyring),
            department="dept-a",
            filters=RepairFilter(escalated=True),
            today=date(2026, 4, 24),
        )
        assert {c.id for c in listed} == {late, on_time}
        assert all(c.overdue for c in listed)


def _race(engine: Engine, keyring: Keyring, attempts: list[Callable[[Session], str]]) -> list[str]:
    """Run each attempt in its own thread and transaction at once; return outcome per attempt."""
    outcomes: list[str] = ["" for _ in attempts]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(attempts))

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            with Session(engine, expire_on_commit=False) as s:
                try:
                    outcomes[i] = attempts[i](s)
                    s.commit()
                except DomainError as exc:
                    s.rollback()
                    outcomes[i] = f"refused:{exc.rule}"
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads)
    assert not errors, errors
    return outcomes


def _loser(engine: Engine) -> str:
    """How the slower officer is refused: on PostgreSQL both read the same version and the
    conditional UPDATE finds it gone; on SQLite writers queue at BEGIN, so the second reads
    the decided case and its decision no longer follows."""
    if engine.dialect.name == "postgresql":
        return "refused:concurrent_decision"
    return "refused:illegal_decision"


@pytest.fixture
def read_together(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Arm: from then on, two racing officers both read the case before either writes, where
    the database lets them (PostgreSQL); on SQLite the second cannot begin until the first
    commits, so the first's wait times out and the second reads the decided case."""
    original = case_repo.for_department

    def arm() -> None:
        barrier = threading.Barrier(2)

        def read_then_wait(session: Session, *args: Any, **kw: Any) -> Any:
            row = original(session, *args, **kw)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=2)
            return row

        monkeypatch.setattr(case_repo, "for_department", read_then_wait)

    return arm


class TestConcurrentDecisions:
    @pytest.fixture
    def accepted_case(self, fresh_engine: Engine, keyring: Keyring) -> tuple[uuid.UUID, uuid.UUID]:
        code = make_code()
        with Session(fresh_engine, expire_on_commit=False) as s:
            entry_id = make_serious(s, keyring, code)
            s.commit()
        clock.freeze(T_FILE)
        with Session(fresh_engine, expire_on_commit=False) as s:
            case = repair_filed(s, keyring, code, entry_id)
            s.commit()
        return entry_id, case

    def test_two_officers_accept_at_once_exactly_one_wins(
        self, fresh_engine, keyring, accepted_case, read_together
    ):
        _entry_id, case = accepted_case
        read_together()
        outcomes = _race(
            fresh_engine,
            keyring,
            [lambda s: _decide(s, case, keyring, "accept", None) for _ in range(2)],
        )
        assert sorted(outcomes)[0] == "accepted"
        assert sorted(outcomes)[1] == _loser(fresh_engine)
        with Session(fresh_engine) as s:
            row = s.get(RepairApplication, case)
            assert row is not None
            assert (row.status, row.version) == ("accepted", 2)
            events = s.execute(
                select(col(CaseEvent.event)).where(col(CaseEvent.case_id) == case)
            ).scalars()
            assert Counter(events) == {"filed": 1, "accepted": 1}

    def test_approve_and_reject_at_once_exactly_one_wins_and_the_entry_agrees(
        self, fresh_engine, keyring, accepted_case, read_together
    ):
        entry_id, case = accepted_case
        with Session(fresh_engine) as s:
            _decide(s, case, keyring, "accept", None)
            s.commit()
        read_together()
        outcomes = _race(
            fresh_engine,
            keyring,
            [
                lambda s: _decide(s, case, keyring, "approve", None),
                lambda s: _decide(s, case, keyring, "reject", "证明不足"),
            ],
        )
        winners = [o for o in outcomes if not o.startswith("refused:")]
        assert len(winners) == 1
        (loser,) = [o for o in outcomes if o.startswith("refused:")]
        assert loser == _loser(fresh_engine)
        with Session(fresh_engine) as s:
            row = s.get(RepairApplication, case)
            entry = s.get(Entry, entry_id)
            assert row is not None
            assert entry is not None
            assert row.status == winners[0]
            expected = ("retained", "repaired")
            if row.status == "rejected":
                expected = ("pending_notice", None)
                # No sweep ran: a rejection leaves the entry as it was stored.
                assert row.retry_from == date(2026, 5, 1)
            assert (entry.status, entry.exit_reason) == expected
            decided = s.execute(
                select(col(CaseEvent.event)).where(
                    col(CaseEvent.case_id) == case,
                    col(CaseEvent.event).in_(("approved", "rejected")),
                )
            ).scalars()
            assert list(decided) == [row.status]

    def test_two_filings_for_one_entry_at_once_make_one_case(self, fresh_engine, keyring):
        code = make_code()
        with Session(fresh_engine, expire_on_commit=False) as s:
            entry_id = make_serious(s, keyring, code)
            s.commit()
        clock.freeze(T_FILE + timedelta(days=1))
        outcomes = _race(
            fresh_engine,
            keyring,
            [lambda s: str(repair_filed(s, keyring, code, entry_id)) for _ in range(2)],
        )
        assert sorted(o.startswith("refused:") for o in outcomes) == [False, True]
        assert "refused:repair_open" in outcomes
        with Session(fresh_engine) as s:
            rows = s.execute(select(RepairApplication)).scalars().all()
            assert len(rows) == 1


def _openings(session: Session, keyring: Keyring, code: str) -> dict[uuid.UUID, object]:
    found = service.openings(Context(session, keyring), code_index=keyring.blind_index(code))
    return {
        o.entry_id: (o.from_day if o.from_day else ("objection" if o.after_objection else "now"))
        for o in found
    }


class TestOpenings:
    def test_now_or_the_day_the_filing_rules_give_and_never_for_the_others(self, session, keyring):
        code = make_code()
        soon = make_serious(session, keyring, code)  # minimum period over; notice running
        later = make_serious(session, keyring, code, decided_on=date(2025, 6, 1))
        fixed = make_serious(session, keyring, code, repairable=False, repair_ways=[])
        notice_end = session.get(Entry, soon).notice_until
        assert notice_end is not None
        assert notice_end > date(2026, 3, 2)
        assert _openings(session, keyring, code) == {soon: notice_end, later: date(2026, 6, 1)}
        assert fixed not in _openings(session, keyring, code)

        clock.freeze(T_FILE)
        assert _openings(session, keyring, code) == {soon: "now", later: date(2026, 6, 1)}
        with pytest.raises(service.NotYetEligible) as early:
            repair_filed(session, keyring, code, later)
        assert early.value.eligible_from == date(2026, 6, 1)
        case = repair_filed(session, keyring, code, soon)
        assert soon not in _openings(session, keyring, code)  # being processed
        _decide(session, case, keyring, "accept", None)
        _decide(session, case, keyring, "reject", "未附履约证明")
        retry = session.get(RepairApplication, case).retry_from
        assert retry is not None
        assert _openings(session, keyring, code)[soon] == retry
        with pytest.raises(service.RetryTooEarly):
            repair_filed(session, keyring, code, soon)

        clock.freeze(datetime(2026, 6, 1, 9, 0, tzinfo=CST))
        assert _openings(session, keyring, code)[later] == "now"
        repair_filed(session, keyring, code, later)

    def test_an_objection_in_the_notice_and_a_display_that_ends_first(self):
        facts = policy.RepairFacts(
            entry_id=uuid.uuid4(),
            repairable=True,
            state="pending_notice",
            list_kind="black",
            severity="general",
            decided_on=date(2025, 11, 30),
            notice_until=date(2026, 3, 9),
            display_until=date(2026, 6, 1),
            under_objection=True,
            has_open_case=False,
            retry_from=None,
        )
        today = date(2026, 3, 3)
        assert policy.opening(facts, today).after_objection  # type: ignore[union-attr]
        shown = dataclasses.replace(facts, state="displayed", under_objection=False)
        assert policy.opening(shown, today).now  # type: ignore[union-attr]
        ends_first = dataclasses.replace(shown, retry_from=date(2026, 6, 1))
        assert policy.opening(ends_first, today) is None
        assert policy.opening(dataclasses.replace(shown, state="expired"), today) is None
