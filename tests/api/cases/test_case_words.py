"""Every word the case pages show has its Chinese and English text: statuses, events, who did
them, the clocks' steps, and the refusal of every rule a case can be refused by; Chinese text
uses full-width punctuation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from api.cases import messages as cases
from api.cases.objections import messages as objections
from api.cases.repairs import messages as repairs
from api.pages.i18n import LANGS, translate, translate_or
from core.cases.objections import service as objection_service
from core.cases.objections.schemas import ObjectionStatus
from core.cases.repairs import service as repair_service
from core.cases.repairs.schemas import RepairStatus
from core.vocabulary import LIST_KINDS

ROOT = Path(__file__).resolve().parents[3]
# Every rule a case action can be refused by: the cases' own, and the display bounds a
# correction is checked against (the registry of organisations has no page).
RULE_SOURCES = [
    *(p for p in (ROOT / "core" / "cases").rglob("*.py") if p.name != "registry.py"),
    ROOT / "core" / "entries" / "display.py",
]
RULES = sorted({r for p in RULE_SOURCES for r in re.findall(r'rule="([a-z_]+)"', p.read_text())})
OBJECTION_EVENTS = sorted(
    {"filed", "escalated", "entry_erased", "entry_corrected", "reconsideration_notice"}
    | {objection_service.APOLOGY_EVENT}
    | set(objection_service._TO.values())
)
REPAIR_EVENTS = sorted(
    {"filed", "escalated_accept_overdue", "escalated_decide_overdue"}
    | set(repair_service._NEXT.values())
)
WORDS = {
    "status": get_args(ObjectionStatus),
    "staff.rstatus": get_args(RepairStatus),
    "me_repair.status": get_args(RepairStatus),
    "case.event.objection": tuple(OBJECTION_EVENTS),
    "case.event.repair": tuple(REPAIR_EVENTS),
    "case.role.objection": ("filer", "officer", "system"),
    "case.role.repair": ("filer", "officer", "system"),
    "case.step": (objection_service.STEP_ACCEPT, objection_service.STEP_RESOLVE),
    "me_repair.step": ("accept", "decide"),
    "staff.step": ("accept", "decide"),
    "case.kind": LIST_KINDS,
}


class TestEveryWord:
    @pytest.mark.parametrize("prefix", sorted(WORDS))
    def test_in_both_languages_and_never_the_same(self, prefix):
        for value in WORDS[prefix]:
            key = f"{prefix}.{value}"
            zh, en = translate(key, "zh"), translate(key, "en")
            assert key not in (zh, en)
            assert zh != en, key

    def test_the_rules_were_found(self):
        assert {"reasons_required", "evidence_type", "apology_erroneous_only"} <= set(RULES)

    @pytest.mark.parametrize("lang", LANGS)
    @pytest.mark.parametrize("rule", RULES)
    def test_every_refusal_has_its_text(self, rule, lang):
        text = translate_or(f"case_err.{rule}", "", lang) or translate_or(
            f"me_err.{rule}", "", lang
        )
        assert text, rule


class TestChinesePunctuation:
    @pytest.mark.parametrize("room", [cases, objections, repairs], ids=lambda m: m.__name__)
    def test_full_width_in_chinese_text(self, room):
        for key, (zh, _en) in room.MESSAGES.items():
            assert not re.search(r"[,;:()!?]", zh), (key, zh)
            assert "  " not in zh, key
            assert zh == zh.strip(), key
