"""Purpose and legal-basis catalogues: closed, labelled, and strict about unknown codes."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.queries.catalogues import (
    LEGAL_BASES,
    LEGAL_BASIS_CODES,
    PURPOSE_CODES,
    PURPOSES,
    legal_basis,
    purpose,
)


class TestPurposes:
    def test_catalogue_matches_the_code_type(self):
        assert set(PURPOSES) == set(PURPOSE_CODES)
        assert {"credit_loan", "employment_screening", "licensing"} <= set(PURPOSES)

    @pytest.mark.parametrize("code", PURPOSE_CODES)
    def test_every_purpose_has_both_labels(self, code):
        found = purpose(code)
        assert found.code == code
        assert found.label_zh.strip()
        assert found.label_en.strip()

    @pytest.mark.parametrize("text", ["marketing", "信贷审批", "Credit and loan assessment", ""])
    def test_unknown_code_or_free_text_is_refused(self, text):
        with pytest.raises(InvalidInput) as err:
            purpose(text)
        assert err.value.rule == "unknown_purpose"

    def test_catalogue_cannot_be_changed_at_run_time(self):
        with pytest.raises(TypeError):
            PURPOSES["marketing"] = PURPOSES["credit_loan"]  # type: ignore[index]


class TestLegalBases:
    def test_catalogue_matches_the_code_type(self):
        assert set(LEGAL_BASES) == set(LEGAL_BASIS_CODES)

    @pytest.mark.parametrize("code", LEGAL_BASIS_CODES)
    def test_every_basis_has_labels_and_a_citation(self, code):
        found = legal_basis(code)
        assert found.code == code
        assert found.label_zh.strip()
        assert found.label_en.strip()
        assert found.citation.startswith("《")

    def test_only_investigating_bodies_may_seal(self):
        sealable = {code for code, basis in LEGAL_BASES.items() if basis.investigating_body}
        assert sealable == {"criminal_investigation"}

    @pytest.mark.parametrize("text", ["because", "《中华人民共和国刑事诉讼法》第五十四条", ""])
    def test_unknown_code_or_free_text_is_refused(self, text):
        with pytest.raises(InvalidInput) as err:
            legal_basis(text)
        assert err.value.rule == "unknown_legal_basis"
