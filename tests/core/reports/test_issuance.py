"""Issuing and verifying a report in core: numbers, codes and masks by rule, a report key of
its own kept in a private file, one row per issued report with nothing personal in it, a
statement anyone can check with the published vkey alone, and every failure a NotFound."""

from __future__ import annotations

import json
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.calendar.workdays import WorkCalendar
from core.clock import CST, clock
from core.context import Context
from core.errors import NotFound
from core.models import IssuedReport
from core.querylog.signing_key import signer_for_data_dir as log_signer_for
from core.reports import issuance, policy
from core.reports import service as report_service
from core.reports.signing import KEY_FILE_NAME, ReportKeyError, ReportSigner, signer_for_data_dir
from crypto.checkpoint import open_note, parse_verifier_key
from tests.factories import make_code, make_entry

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
NAME = "欧阳明华"
KEY_NAME = "credence.test/report"


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(T0)


@pytest.fixture
def signer(tmp_path: Path) -> ReportSigner:
    return signer_for_data_dir(tmp_path, name=KEY_NAME)


def _report(session: Session, keyring, code: str):
    ctx = Context(session, keyring, WorkCalendar())
    return report_service.personal_report(ctx, code_index=keyring.blind_index(code))


class TestRules:
    def test_a_number_is_cr_the_day_and_ten_random_digits(self):
        numbers = {policy.new_number(date(2026, 3, 2)) for _ in range(50)}
        assert len(numbers) == 50
        assert all(re.fullmatch(r"CR20260302\d{10}", n) for n in numbers)

    def test_a_code_is_sixteen_crockford_characters_shown_in_fours(self):
        code = policy.new_code()
        assert len(code) == 16
        assert set(code) <= set(policy.CODE_ALPHABET)
        shown = policy.shown_code(code)
        assert re.fullmatch(r"(\w{4}-){3}\w{4}", shown)
        assert policy.read_code(shown) == code

    @pytest.mark.parametrize(
        ("typed", "read"),
        [
            ("abcd-efgh-jkmn-pqrs", "ABCDEFGHJKMNPQRS"),
            (" ABCD EFGH JKMN PQRS ", "ABCDEFGHJKMNPQRS"),
            ("oOiI-lL00-1111-2222", "00111100" + "11112222"),
        ],
    )
    def test_a_typed_code_is_read_case_blind_look_alikes_as_digits(self, typed, read):
        assert policy.read_code(typed) == read

    @pytest.mark.parametrize(
        "typed", ["", "ABCD", "ABCDEFGHJKMNPQRSU", "UUUU-UUUU-UUUU-UUUU", "A" * 500, "ABCD/EFGH"]
    )
    def test_anything_else_is_no_code(self, typed):
        assert policy.read_code(typed) is None

    def test_a_masked_code_shows_two_characters_at_each_end(self):
        code = "11010519840410034X"
        assert policy.mask_code(code) == "11" + "*" * 14 + "4X"
        assert policy.mask_code("12345") == "*****"

    def test_a_masked_name_is_the_surname_and_a_star(self):
        assert policy.masked_name(NAME) == "欧阳*"
        assert policy.masked_name(None) is None

    def test_the_statement_names_number_instant_and_digest_only(self):
        at = datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=CST)
        body = policy.statement("CR202603020000000001", at, bytes(32))
        assert body.splitlines() == [
            policy.STATEMENT_FORMAT,
            "CR202603020000000001",
            "2026-03-02T02:00:00.123456Z",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ]

    def test_the_digest_is_of_canonical_json_whatever_the_key_order(self):
        assert policy.content_digest({"a": 1, "b": [2, "三"]}) == policy.content_digest(
            {"b": [2, "三"], "a": 1}
        )
        assert policy.content_digest({"a": 1}) != policy.content_digest({"a": 2})


class TestReportKey:
    def test_made_once_in_a_private_file_and_loaded_again(self, tmp_path):
        first = signer_for_data_dir(tmp_path, name=KEY_NAME)
        path = tmp_path / KEY_FILE_NAME
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        again = signer_for_data_dir(tmp_path, name=KEY_NAME)
        assert again.verifier_key() == first.verifier_key()
        assert json.loads(path.read_text())["use"] == "report"

    def test_a_file_made_for_another_name_or_use_is_refused(self, tmp_path):
        signer_for_data_dir(tmp_path, name=KEY_NAME)
        with pytest.raises(ReportKeyError, match="another key name"):
            signer_for_data_dir(tmp_path, name="credence.test/other")
        log_dir = tmp_path / "log"
        log_dir.mkdir()
        log_signer_for(log_dir, origin="credence.test/log", name="credence.test-log")
        (log_dir / "query-log-key.json").rename(log_dir / KEY_FILE_NAME)
        with pytest.raises(ReportKeyError, match="malformed"):
            signer_for_data_dir(log_dir, name=KEY_NAME)

    def test_a_file_others_can_read_is_refused(self, tmp_path):
        signer_for_data_dir(tmp_path, name=KEY_NAME)
        (tmp_path / KEY_FILE_NAME).chmod(0o644)
        with pytest.raises(ReportKeyError):
            signer_for_data_dir(tmp_path, name=KEY_NAME)

    def test_its_repr_shows_the_public_key_only(self, tmp_path, signer):
        secret = json.loads((tmp_path / KEY_FILE_NAME).read_text())["ed25519_private"]
        assert secret not in repr(signer)
        assert signer.verifier_key() in repr(signer)


class TestIssue:
    def test_issuing_stores_one_row_with_nothing_personal(self, session, keyring, signer):
        code = make_code()
        make_entry(session, keyring, subject_code=code, subject_name=NAME)
        report = _report(session, keyring, code)
        assert report.masked_name == "欧阳*"
        assert report.masked_code == policy.mask_code(code)
        issued = issuance.issue_report(session=session, report=report, signer=signer)
        assert issued.issue is not None
        (row,) = session.exec(select(IssuedReport)).all()
        assert row.number == issued.issue.number
        assert row.generated_at == T0.astimezone(UTC)
        assert row.code_hash == policy.code_hash(policy.read_code(issued.issue.verification_code))
        assert len(row.signature) == 4 + 64
        stored = repr(row.model_dump())
        for value in (NAME, "欧阳*", code, policy.mask_code(code), issued.issue.verification_code):
            assert value not in stored

    def test_the_statement_verifies_offline_with_the_vkey_alone(self, session, keyring, signer):
        code = make_code()
        make_entry(session, keyring, subject_code=code, subject_name=NAME)
        issued = issuance.issue_report(
            session=session, report=_report(session, keyring, code), signer=signer
        )
        assert issued.issue is not None
        found = issuance.verify_report(
            session=session, code=issued.issue.verification_code, signer=signer
        )
        assert (found.number, found.generated_at) == (issued.issue.number, T0.astimezone(UTC))
        vkey = parse_verifier_key(found.key)
        body = open_note(found.statement, vkey.name, vkey.public_key)
        assert body == policy.statement(
            found.number,
            found.generated_at,
            policy.content_digest(issued.model_dump(mode="json", exclude={"issue"})),
        )

    def test_a_citizen_without_a_record_gets_no_identity_but_a_number(
        self, session, keyring, signer
    ):
        report = _report(session, keyring, make_code())
        assert (report.masked_name, report.masked_code) == (None, None)
        issued = issuance.issue_report(session=session, report=report, signer=signer)
        assert issued.issue is not None
        assert issued.issue.number.startswith("CR20260302")

    def test_another_key_or_an_unknown_code_verifies_nothing(
        self, session, keyring, signer, tmp_path
    ):
        issued = issuance.issue_report(
            session=session, report=_report(session, keyring, make_code()), signer=signer
        )
        assert issued.issue is not None
        other_dir = tmp_path / "other"
        other_dir.mkdir()
        other = signer_for_data_dir(other_dir, name=KEY_NAME)
        with pytest.raises(NotFound):
            issuance.verify_report(
                session=session, code=issued.issue.verification_code, signer=other
            )
        with pytest.raises(NotFound):
            issuance.verify_report(session=session, code=policy.new_code(), signer=signer)
        with pytest.raises(NotFound):
            issuance.verify_report(session=session, code="no such code", signer=signer)
