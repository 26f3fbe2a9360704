"""Every closed vocabulary a page shows has its words in both languages, in one place."""

from __future__ import annotations

import pytest

from api.pages.i18n import LANGS, translate
from core.queries.catalogues import LEGAL_BASES, PURPOSES
from core.vocabulary import DOMAINS, LIST_KINDS, REPAIR_WAYS, SEVERITIES

VOCABULARIES = {
    "domain": DOMAINS,
    "severity": SEVERITIES,
    "way": REPAIR_WAYS,
    "kind": LIST_KINDS,
    "purpose": tuple(PURPOSES),
    "basis": tuple(LEGAL_BASES),
    "outcome": ("answered", "empty", "refused"),
}


class TestVocabularies:
    @pytest.mark.parametrize("lang", LANGS)
    @pytest.mark.parametrize("prefix", sorted(VOCABULARIES))
    def test_every_value_is_translated(self, prefix, lang):
        missing = [
            v for v in VOCABULARIES[prefix] if translate(f"{prefix}.{v}", lang) == f"{prefix}.{v}"
        ]
        assert missing == []

    def test_chinese_and_english_differ(self):
        for prefix, values in VOCABULARIES.items():
            for v in values:
                assert translate(f"{prefix}.{v}", "zh") != translate(f"{prefix}.{v}", "en")
