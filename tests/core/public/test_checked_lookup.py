"""The page's lookup refuses a code that fails its rules, naming the rule and nothing else;
and it keeps answering when master key versions come and go."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from core.context import Context
from core.errors import InvalidInput
from core.ops.keys import open_keyring, retire_version, rotate_master_key
from core.public import service
from crypto.keys import LocalFileKeyProvider
from crypto.suites import AES
from tests.factories import make_code


class TestCheckedLookup:
    @pytest.mark.parametrize(
        ("code", "rule"),
        [
            ("1101051990030745", "code_length"),
            ("991105199003074512", "code_region"),
            ("110105199013404512", "code_birth_date"),
            ("91350100M000100Y4A", "code_check_character"),
            ("91350100I000100Y43", "code_charset"),
        ],
    )
    def test_an_invalid_code_is_refused_by_its_rule(self, session, keyring, code, rule):
        with pytest.raises(InvalidInput) as refused:
            service.checked_lookup(Context(session, keyring), code=code, name="欧阳小明")
        assert refused.value.rule == rule
        assert code[:6] not in str(refused.value)

    def test_a_wrong_check_character_of_an_id_number_is_refused(self, session, keyring):
        code = make_code()
        wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
        with pytest.raises(InvalidInput) as refused:
            service.checked_lookup(Context(session, keyring), code=wrong, name="欧阳小明")
        assert refused.value.rule == "code_check_character"
        assert refused.value.__cause__ is None

    def test_a_valid_code_is_looked_up(self, session, keyring):
        answer = service.checked_lookup(Context(session, keyring), code=make_code(), name="某")
        assert answer.found is False


class TestLookupAcrossMasterVersions:
    def test_a_lookup_still_answers_after_the_old_master_version_is_destroyed(
        self, fresh_engine, tmp_path
    ):
        # The lookup pads its work with a dummy entry whose key is wrapped, never stored:
        # no rotation re-wraps it, so it must follow the current version by itself.
        keyring = open_keyring(
            fresh_engine, LocalFileKeyProvider(tmp_path / "master.key", create=True), AES
        )
        with Session(fresh_engine) as db:
            ctx = Context(db, keyring)
            assert service.lookup(ctx, code=make_code(), name="某").found is False
            rotate_master_key(session=db, keyring=keyring)
            retire_version(session=db, keyring=keyring, version=1)
            assert keyring.provider.versions() == [2]
            assert service.lookup(ctx, code=make_code(), name="某").found is False
