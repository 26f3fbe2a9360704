"""Every word the recorder's, the citizen's record and the auditor's pages show has its text in
both languages, and the Chinese text uses full-width punctuation (issue 18, item 2)."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from api.audit import messages as audit_messages
from api.entries import messages as entry_messages
from api.pages.i18n import LANGS, translate
from core.audit.rules import FLAG_REASONS
from core.entries.list_rules import EXIT_REASONS
from core.entries.schemas import AMENDABLE, EntryCreate, EntryStateFilter
from core.entries.states import EVENTS
from core.identity.principal import ROLES

# Events written outside the lifecycle table: on recording, by the subject, by the sweeper.
OTHER_EVENTS = (
    "recorded",
    "recorded_escalated_from_watch",
    "statement_set",
    "statement_removed",
    "watch_after_black_exit",
    "watch_period_elapsed",
)
WORDS = {
    "event": (*EVENTS, *OTHER_EVENTS),
    "record.exit": (*EXIT_REASONS, "removed_by_black"),
    "role": (*ROLES, "system", "citizen", "objector", "unknown"),
    "audit.reason": FLAG_REASONS,
    "field": tuple(dict.fromkeys((*EntryCreate.model_fields, *AMENDABLE, "version"))),
    "staff.state": get_args(EntryStateFilter),
    "rec_withdraw.kind": ("withdrawn", "criteria_changed"),
    "record.erased": ("erroneous_listing", "retention_ended"),
}
# ASCII punctuation Chinese text must not use, outside quoted tokens (“. _ : / -”) and slots.
_ASCII = re.compile(r"[,;:]")
_QUOTED = re.compile(r"“[^”]*”|\{[a-z_]+\}")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("prefix", sorted(WORDS))
def test_every_value_has_its_words(prefix, lang):
    missing = [v for v in WORDS[prefix] if translate(f"{prefix}.{v}", lang) == f"{prefix}.{v}"]
    assert missing == []


@pytest.mark.parametrize("prefix", sorted(WORDS))
def test_chinese_and_english_differ(prefix):
    same = [
        v
        for v in WORDS[prefix]
        if translate(f"{prefix}.{v}", "zh") == translate(f"{prefix}.{v}", "en")
    ]
    assert same == []


@pytest.mark.parametrize("catalogue", [entry_messages.MESSAGES, audit_messages.MESSAGES])
def test_chinese_text_uses_full_width_punctuation(catalogue):
    bad = {key: zh for key, (zh, _en) in catalogue.items() if _ASCII.search(_QUOTED.sub("", zh))}
    assert bad == {}
