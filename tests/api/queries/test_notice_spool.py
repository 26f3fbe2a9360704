"""The server's tick delivers notices: a demo person about to be black-listed finds the
prior notice both in their notifications and in the local mail spool."""

from __future__ import annotations

import email
import stat
from datetime import datetime
from email import policy
from pathlib import Path

import pytest
from sqlmodel import Session, select

from api.ops.maintenance import _tick
from core.clock import CST, clock
from core.demo.people import demo_people
from core.models import NoticeDelivery
from core.ops.keys import verify_keys
from core.runtime import Runtime
from core.settings import Settings
from tests.factories import bearer, make_code, page_items, record_entry

FACTS = "逾期未缴税款一百二十万元"


@pytest.fixture
def runtime(fresh_engine, keyring, tmp_path: Path) -> Runtime:
    """The test runtime with the demo people's mailboxes switched on."""
    with Session(fresh_engine) as session:
        verify_keys(session=session, keyring=keyring)
        session.commit()
    settings = Settings(data_dir=tmp_path, maintenance_every_seconds=0, notice_demo_addresses=True)
    return Runtime(settings=settings, engine=fresh_engine, keyring=keyring)


class TestTheTickDelivers:
    def test_a_demo_person_finds_the_prior_notice_in_app_and_in_the_spool(
        self, client, mint, app, runtime, tmp_path: Path
    ):
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        person = demo_people(4)[2]
        record_entry(client, mint, subject_code=person.code, subject_name=person.name)
        record_entry(client, mint, subject_code=make_code())  # nobody's mailbox known
        _tick(app)
        me = bearer(mint("citizen", credit_code=person.code))
        notes = page_items(client.get("/api/v1/me/notifications", headers=me))
        assert [n["entry"]["kind"] for n in notes if n["type"] == "entry"] == ["prior_notice"]
        (mail,) = (tmp_path / "mail-spool").iterdir()
        assert stat.S_IMODE(mail.stat().st_mode) == 0o600
        parsed = email.message_from_bytes(mail.read_bytes(), policy=policy.default)
        assert parsed["To"] == "citizen2@demo.credence.invalid"
        assert f"事实：{FACTS}" in parsed.get_body().get_content()  # type: ignore[union-attr]
        with Session(runtime.engine) as s:
            outcomes = sorted(d.status for d in s.exec(select(NoticeDelivery)))
        assert outcomes == ["no_address", "sent"]
        _tick(app)
        assert len(list((tmp_path / "mail-spool").iterdir())) == 1
