"""The seed the report tests share: two citizens, A with entries, queries, a grant, cases
and a freeze, B beside them; the departments and agencies by their registered names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from api.state import state_of
from core.clock import clock
from core.context import Context
from core.querylog.checkpoints import make_checkpoint
from tests.factories import (
    agency_query,
    at,
    bearer,
    court_query,
    evidence_pdf,
    file_objection,
    file_repair,
    grant_json,
    make_code,
    ok_json,
    record_entry,
)
from tests.factories.directory import make_agency, make_department

NAME_A = "司马文静"
BLACK_FACTS = "逾期未缴增值税八十六万元，经催告仍未缴纳"
BLACK_SUMMARY = "逾期未缴增值税"
BLACK_BASIS = "《税收征收管理法》第六十八条"
WATCH_FACTS = "一年内三次严重超速驾驶"
WATCH_BASIS = "《道路交通安全法》第九十九条"
STATEMENT = "税款已于二〇二六年三月补缴，滞纳金一并缴清"
OBJECTION_REASONS = "三次超速中有两次为车辆被盗期间发生"
OBJECTION_FILE = "报案回执.pdf"
OBJECTION_PDF = b"%PDF-1.7\n" + "报案回执-编号QX-55120".encode() + b"\n%%EOF"
COMMITMENT = "本人承诺今后依法按期申报纳税"
REPAIR_FILE = "完税证明.pdf"
REPAIR_PDF = b"%PDF-1.7\n" + "完税证明-编号WS-90311".encode() + b"\n%%EOF"
NAME_B = "诸葛明远"
FACTS_B = "拒不履行法院生效判决确定的给付义务"
REASONS_B = "该判决已经再审撤销"
DEPARTMENTS = {
    "dept-a": ("深圳市税务局", "Shenzhen Tax Bureau"),
    "dept-b": ("深圳市公安局交通警察支队", "Shenzhen Traffic Police"),
}
AGENCIES = {
    "bank-1": ("招商测试银行", "Test Merchants Bank"),
    "court-1": ("深圳市中级人民法院", "Shenzhen Intermediate People's Court"),
}


@dataclass
class Seeded:
    """Two citizens: A with entries, queries, a grant, cases and a freeze; B beside them."""

    code_a: str
    code_b: str
    black_id: str
    watch_id: str
    objection_id: str
    repair_id: str


def register_organisations(runtime) -> None:
    """The departments and agencies of the seed, by their display names."""
    with Session(runtime.engine) as session:
        ctx = Context(session, runtime.keyring)
        for slug, (zh, en) in DEPARTMENTS.items():
            make_department(ctx, slug, name_zh=zh, name_en=en)
        for slug, (zh, en) in AGENCIES.items():
            make_agency(ctx, slug, name_zh=zh, name_en=en)
        session.commit()


def seed(client, mint, app, runtime) -> Seeded:
    """Seed the two citizens through the API, and sign a checkpoint of the query log."""
    register_organisations(runtime)
    code_a, code_b = make_code(), make_code()
    at(date(2026, 3, 2))
    black = record_entry(
        client,
        mint,
        external_id="RPT-A-BLACK",
        subject_code=code_a,
        subject_name=NAME_A,
        facts=BLACK_FACTS,
        public_summary=BLACK_SUMMARY,
        legal_basis=BLACK_BASIS,
        decided_on=date(2025, 3, 1),
        display_until=date(2027, 3, 1),
        valid_until=date(2028, 3, 1),
    )
    watch = record_entry(
        client,
        mint,
        department="dept-b",
        external_id="RPT-A-WATCH",
        subject_code=code_a,
        subject_name=NAME_A,
        list_kind="watch",
        domain="traffic",
        severity="general",
        facts=WATCH_FACTS,
        public_summary=None,
        legal_basis=WATCH_BASIS,
        decided_on=date(2026, 2, 20),
        display_until=date(2026, 8, 20),
        valid_until=date(2027, 2, 20),
        repairable=False,
        repair_ways=[],
    )
    other = record_entry(
        client, mint, subject_code=code_b, subject_name=NAME_B, facts=FACTS_B, domain="court"
    )
    at(date(2026, 4, 1))
    me = bearer(mint("citizen", credit_code=code_a))
    ok_json(
        client.put(
            f"/api/v1/me/record/{black['id']}/statement", headers=me, json={"statement": STATEMENT}
        )
    )
    grant = ok_json(
        client.post(
            "/api/v1/me/authorizations",
            headers=me,
            json=grant_json(list_kinds=["black", "watch"], max_uses=3),
        ),
        201,
    )
    ok_json(
        agency_query(
            client,
            mint,
            code_a,
            agency="bank-1",
            purpose="credit_loan",
            authorization_id=grant["id"],
        )
    )
    for code in (code_a, code_b):
        court_query(client, mint, code)
    objection = ok_json(
        file_objection(
            client,
            mint,
            code_a,
            watch["id"],
            reasons=OBJECTION_REASONS,
            files=evidence_pdf(OBJECTION_PDF, OBJECTION_FILE),
        ),
        201,
    )
    repair = ok_json(
        file_repair(
            client,
            mint,
            code_a,
            black["id"],
            "performance",
            files=evidence_pdf(REPAIR_PDF, REPAIR_FILE),
            commitment=COMMITMENT,
        ),
        201,
    )
    ok_json(file_objection(client, mint, code_b, other["id"], reasons=REASONS_B, files=[]), 201)
    ok_json(client.put("/api/v1/me/freeze", headers=me))
    with Session(runtime.engine) as session:
        make_checkpoint(session=session, signer=state_of(app).log_signer, now=clock.now())
        session.commit()
    return Seeded(
        code_a=code_a,
        code_b=code_b,
        black_id=black["id"],
        watch_id=watch["id"],
        objection_id=objection["id"],
        repair_id=repair["id"],
    )
