"""The demo data set: ~50 people with entries of every kind, domain and severity.

Invariants: idempotent (entries are keyed by their demo external id, so a second
load adds nothing); deterministic apart from the dates, which follow the project
clock so the set always holds displayed, expired and pending entries; loaded
through the same service as real submissions, so it is encrypted the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from core.clock import CST, clock
from core.context import Context
from core.db import ChunkedCommits
from core.demo.directory import load_demo_directory
from core.demo.issuers import DEMO_VOLUNTEERS, register_demo_issuers
from core.demo.people import DemoPerson, demo_people
from core.entries import repository as repo
from core.entries.display import add_months
from core.entries.schemas import EntryCreate
from core.entries.service import create_entry
from core.keyring import Keyring
from core.progress import SILENT, Progress
from core.vocabulary import DOMAINS, REPAIR_WAYS

DEPARTMENTS = {
    "tax": "sz-tax-bureau",
    "food_drug": "sh-market-regulation",
    "traffic": "bj-traffic-police",
    "finance": "pbc-credit-office",
    "ecommerce": "hz-market-regulation",
    "volunteering": "civil-affairs-bureau",
    "environment": "ecology-environment-bureau",
    "labour": "human-resources-bureau",
    "construction": "housing-construction-bureau",
    "court": "hz-intermediate-court",
}
_FACTS = {
    "tax": ("逾期未申报增值税并拒不改正", "按期足额纳税，纳税信用等级A"),
    "food_drug": ("销售过期食品，被处以罚款", "连续三年食品安全检查无违规"),
    "traffic": ("多次严重超速并逃避处罚", "十年无交通违法记录"),
    "finance": ("恶意逃废银行债务", "按时履约，信用良好"),
    "ecommerce": ("网络销售假冒商品", "诚信经营，消费者零投诉"),
    "volunteering": ("虚报志愿服务时长", "累计志愿服务超过一千小时"),
    "environment": ("违法排放污染物", "主动治理环境污染，成效显著"),
    "labour": ("拖欠农民工工资", "按时足额支付工资，获评劳动保障守法诚信单位负责人"),
    "construction": ("违法转包工程", "工程质量优良，获省级奖项"),
    "court": ("有履行能力而拒不履行生效判决", "主动履行全部判决义务"),
}
_BASIS = {
    "black": "《关于加快推进失信被执行人信用监督、警示和惩戒机制建设的意见》",
    "watch": "《国家发展改革委关于加强和规范守信联合激励和失信联合惩戒对象名单管理工作的指导意见》",
    "red": "《关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》",
}


DEMO_PEOPLE = 50
# A certifying organisation whose signed volunteering certificates the demo repair can cite.
DEMO_ORGANISATION = DEMO_VOLUNTEERS.organisation


@dataclass(frozen=True)
class DemoResult:
    """How many demo entries were created and how many were already there."""

    created: int
    existing: int


def demo_plan(people: list[DemoPerson], today: date) -> list[tuple[DemoPerson, str, EntryCreate]]:
    """Each demo person with the department domain and submission they get."""
    rng = random.Random(20261123)  # noqa: S311 - demo data, not security
    plan: list[tuple[DemoPerson, str, EntryCreate]] = []
    for i, person in enumerate(people):
        domain = DOMAINS[i % len(DOMAINS)]
        kind = ("black", "red", "watch", "black", "red")[i % 5]
        severity = ("serious", "general", "minor")[i % 3] if kind != "red" else "general"
        # One in four entries was decided long enough ago that its display period is over.
        past = i % 4 == 3
        decided = today - timedelta(days=rng.randint(800, 1000) if past else rng.randint(5, 90))
        months = {"minor": 0, "general": 6, "serious": 24}[severity]
        display = None if severity == "minor" else add_months(decided, months or 12)
        if kind == "red":
            display = add_months(decided, 12)
        ways = sorted(rng.sample(REPAIR_WAYS, 2)) if kind == "black" else []
        plan.append(
            (
                person,
                domain,
                EntryCreate(
                    external_id=f"DEMO-{i + 1:04d}",
                    subject_code=person.code,
                    subject_name=person.name,
                    list_kind=kind,
                    domain=domain,
                    severity=severity,
                    facts=_FACTS[domain][1 if kind == "red" else 0],
                    public_summary=_FACTS[domain][1 if kind == "red" else 0][:12],
                    legal_basis=_BASIS[kind],
                    decided_on=decided,
                    display_until=display,
                    valid_until=add_months(decided, 36),
                    repairable=bool(ways),
                    repair_ways=ways,
                    # The department's watch period after a black exit (§5.4).
                    watch_months=3 if severity == "general" else 6,
                ),
            )
        )
    # One black entry past its minimum display period, repairable by volunteering or by a
    # donation with a receipt from the demo charity (§8).
    repairer = people[3]
    decided = today - timedelta(days=120)
    plan.append(
        (
            repairer,
            "labour",
            EntryCreate(
                external_id="DEMO-R001",
                subject_code=repairer.code,
                subject_name=repairer.name,
                list_kind="black",
                domain="labour",
                severity="general",
                facts=_FACTS["labour"][0],
                public_summary=_FACTS["labour"][0][:12],
                legal_basis=_BASIS["black"],
                decided_on=decided,
                display_until=add_months(decided, 9),
                valid_until=add_months(decided, 24),
                repairable=True,
                repair_ways=["commitment", "volunteering", "donation"],
                watch_months=3,
            ),
        )
    )
    # One person watched in three domains, so the derived warning list (§5) has a member.
    watched = people[0]
    for n, domain in enumerate(("traffic", "finance", "ecommerce")):
        decided = today - timedelta(days=30 + n)
        plan.append(
            (
                watched,
                domain,
                EntryCreate(
                    external_id=f"DEMO-W{n + 1:03d}",
                    subject_code=watched.code,
                    subject_name=watched.name,
                    list_kind="watch",
                    domain=domain,
                    severity="general",
                    facts=_FACTS[domain][0],
                    public_summary=_FACTS[domain][0][:12],
                    legal_basis=_BASIS["watch"],
                    decided_on=decided,
                    display_until=add_months(decided, 6),
                    valid_until=add_months(decided, 12),
                ),
            )
        )
    return plan


def load_demo(
    *, session: Session, keyring: Keyring, count: int = DEMO_PEOPLE, progress: Progress = SILENT
) -> DemoResult:
    """Load the demo data set (idempotent)."""
    now = clock.now()
    created = existing = 0
    # Idempotent by external id, so a load stopped between chunks is finished by a rerun.
    load_demo_directory(Context(session, keyring))
    chunks = ChunkedCommits(session)
    plan = demo_plan(demo_people(count), clock.today())
    progress.total(len(plan))
    for _person, domain, payload in plan:
        progress.advance()
        department = DEPARTMENTS[domain]
        if (
            repo.entry_by_external_id(
                session, department=department, external_id=payload.external_id
            )
            is not None
        ):
            existing += 1
            continue
        # Recorded when it was decided, so prior notices of older entries have run.
        recorded = min(now, datetime.combine(payload.decided_on, time(10), tzinfo=CST))
        create_entry(
            Context(session, keyring),
            department=department,
            actor="demo-loader",
            payload=payload,
            now=recorded,
        )
        created += 1
        chunks.done_one()
    register_demo_issuers(session, now=now)
    session.commit()
    return DemoResult(created=created, existing=existing)
