"""The entry submission schema: every rule refuses clearly and never echoes the input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from tests.factories import make_code, make_payload


def _errors(**overrides: object) -> str:
    with pytest.raises(ValidationError) as info:
        make_payload(**overrides)
    return str(info.value)


class TestEntryCreate:
    def test_valid_payload_normalises_the_code(self):
        code = make_code()
        assert make_payload(subject_code=f"  {code.lower()} ").subject_code == code

    def test_invalid_code_names_the_rule_without_echoing(self):
        code = make_code()
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        text = _errors(subject_code=bad)
        assert "check_character" in text
        assert bad not in text
        assert bad[:6] not in text

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("list_kind", "grey"),
            ("list_kind", "warning"),
            ("severity", "huge"),
            ("domain", "astrology"),
            ("facts", "x" * 4001),
            ("subject_name", "名" * 65),
            ("external_id", "has space"),
            ("repair_ways", ["prayer"]),
            ("unexpected", 1),
        ],
    )
    def test_field_rules(self, field, value):
        with pytest.raises(ValidationError):
            make_payload(**{field: value})

    def test_validity_before_decision_refused(self):
        p = make_payload()
        assert "valid_until" in _errors(
            decided_on=p.decided_on, valid_until=p.decided_on - timedelta(days=1)
        )

    def test_display_end_before_decision_refused(self):
        p = make_payload()
        assert "display_until" in _errors(display_until=p.decided_on - timedelta(days=1))

    def test_repairable_needs_ways_and_ways_need_repairable(self):
        _errors(repairable=True, repair_ways=[])
        _errors(repairable=False, repair_ways=["training"])

    def test_repr_hides_personal_fields(self):
        p = make_payload(subject_name="上官婉儿")
        assert "上官婉儿" not in repr(p)
        assert p.subject_code not in repr(p)
        assert "逾期" not in repr(p)
