"""Citizen notices delivered outside the app (1798号 §7): an outbox filled once, a worker
that records every attempt and retries with back-off, a local mail spool and SMTP."""

from __future__ import annotations

import email
import socket
import stat
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from core.clock import clock
from core.demo.people import demo_people
from core.keyring import Keyring
from core.models import DeliveryAttempt, EntryNotice, NoticeDelivery
from core.queries.delivery import (
    FIRST_RETRY,
    DemoAddresses,
    Message,
    SmtpChannel,
    SpoolChannel,
    backoff,
    deliver_due,
)
from tests.factories import make_code, make_entry_view

FACTS = "逾期未缴税款一百二十万元"
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def _record(engine: Engine, keyring: Keyring, code: str | None = None) -> None:
    with Session(engine) as s:
        make_entry_view(s, keyring, subject_code=code or make_code())
        s.commit()


def _everyone(_session, _subject) -> str:
    return "person@example.invalid"


class _Broken:
    def send(self, message: Message) -> None:
        raise ConnectionRefusedError("relay down")


def _outbox(engine: Engine) -> list[tuple[str, int]]:
    with Session(engine) as s:
        return [(d.status, d.attempts) for d in s.scalars(select(NoticeDelivery))]


def _attempts(engine: Engine) -> list[tuple[str, str | None]]:
    with Session(engine) as s:
        stmt = select(DeliveryAttempt).order_by(col(DeliveryAttempt.at))
        return [(a.outcome, a.error_class) for a in s.scalars(stmt)]


@pytest.fixture(autouse=True)
def _frozen() -> None:
    clock.freeze(T0)


class TestSpool:
    def test_the_prior_notice_lands_in_the_spool_owner_only(
        self, fresh_engine, keyring, tmp_path: Path
    ):
        _record(fresh_engine, keyring)
        spool = SpoolChannel(tmp_path / "spool")
        report = deliver_due(
            engine=fresh_engine, keyring=keyring, channel=spool, addresses=_everyone, now=T0
        )
        assert (report.queued, dict(report.outcomes)) == (1, {"sent": 1})
        (mail,) = (tmp_path / "spool").iterdir()
        assert stat.S_IMODE(mail.stat().st_mode) == 0o600
        parsed = email.message_from_bytes(mail.read_bytes(), policy=policy.default)
        assert parsed["To"] == "person@example.invalid"
        body = parsed.get_body().get_content()  # type: ignore[union-attr]
        assert f"事实：{FACTS}" in body
        assert "生效日期：" in body
        assert "Takes effect on:" in body
        assert "“我的异议”" in body
        assert _outbox(fresh_engine) == [("sent", 1)]
        assert _attempts(fresh_engine) == [("sent", None)]

    def test_a_second_run_sends_nothing_again(self, fresh_engine, keyring, tmp_path: Path):
        _record(fresh_engine, keyring)
        spool = SpoolChannel(tmp_path / "spool")
        for _ in range(2):
            deliver_due(
                engine=fresh_engine, keyring=keyring, channel=spool, addresses=_everyone, now=T0
            )
        assert len(list((tmp_path / "spool").iterdir())) == 1
        assert _attempts(fresh_engine) == [("sent", None)]

    def test_without_an_address_the_notice_stays_in_the_app(
        self, fresh_engine, keyring, tmp_path: Path
    ):
        _record(fresh_engine, keyring)
        report = deliver_due(
            engine=fresh_engine, keyring=keyring, channel=SpoolChannel(tmp_path / "s"), now=T0
        )
        assert dict(report.outcomes) == {"no_address": 1}
        assert _outbox(fresh_engine) == [("no_address", 1)]
        assert not (tmp_path / "s").exists()


class TestRetries:
    def test_a_failure_is_recorded_by_class_and_retried_after_the_back_off(
        self, fresh_engine, keyring, tmp_path: Path
    ):
        _record(fresh_engine, keyring)
        kw = {"engine": fresh_engine, "keyring": keyring, "addresses": _everyone}
        first = deliver_due(channel=_Broken(), now=clock.now(), **kw)
        assert dict(first.outcomes) == {"retry": 1}
        assert _attempts(fresh_engine) == [("error", "ConnectionRefusedError")]
        clock.advance(FIRST_RETRY - timedelta(seconds=1))
        assert not deliver_due(channel=_Broken(), now=clock.now(), **kw).outcomes
        clock.advance(timedelta(seconds=1))
        again = deliver_due(channel=SpoolChannel(tmp_path / "spool"), now=clock.now(), **kw)
        assert dict(again.outcomes) == {"sent": 1}
        assert _outbox(fresh_engine) == [("sent", 2)]
        assert [o for o, _ in _attempts(fresh_engine)] == ["error", "sent"]

    def test_the_back_off_doubles_up_to_its_ceiling(self):
        assert [backoff(n) for n in (1, 2, 3)] == [FIRST_RETRY, FIRST_RETRY * 2, FIRST_RETRY * 4]
        assert backoff(30) == timedelta(hours=12)

    def test_the_outbox_and_attempts_hold_no_text_or_address(
        self, fresh_engine, keyring, tmp_path: Path
    ):
        _record(fresh_engine, keyring)
        deliver_due(
            engine=fresh_engine,
            keyring=keyring,
            channel=_Broken(),
            addresses=_everyone,
            now=T0,
        )
        with Session(fresh_engine) as s:
            rows = [*s.scalars(select(NoticeDelivery)), *s.scalars(select(DeliveryAttempt))]
        text = " ".join(repr(r.model_dump()) for r in rows)
        for secret in (FACTS, "person@example.invalid", "relay down"):
            assert secret not in text


class TestDemoAddresses:
    def test_a_demo_person_is_named_by_their_place_never_by_their_code(
        self, fresh_engine, keyring, tmp_path: Path
    ):
        person = demo_people(5)[3]
        _record(fresh_engine, keyring, code=person.code)
        _record(fresh_engine, keyring)  # not a demo person: no address
        spool = SpoolChannel(tmp_path / "spool")
        report = deliver_due(
            engine=fresh_engine,
            keyring=keyring,
            channel=spool,
            addresses=DemoAddresses(keyring, 5),
            now=T0,
        )
        assert dict(report.outcomes) == {"sent": 1, "no_address": 1}
        (mail,) = (tmp_path / "spool").iterdir()
        raw = mail.read_bytes()
        assert b"citizen3@demo.credence.invalid" in raw
        assert person.code.encode() not in raw


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestSmtp:
    def test_a_notice_reaches_a_real_local_smtp_server(self, fresh_engine, keyring):
        inbox = _Inbox()
        port = _free_port()
        server = Controller(inbox, hostname="127.0.0.1", port=port)
        server.start()
        try:
            _record(fresh_engine, keyring)
            channel = SmtpChannel(
                host="127.0.0.1", port=port, sender="notices@credence.invalid", starttls=False
            )
            report = deliver_due(
                engine=fresh_engine, keyring=keyring, channel=channel, addresses=_everyone, now=T0
            )
        finally:
            server.stop()
        assert dict(report.outcomes) == {"sent": 1}
        (raw,) = inbox.messages
        parsed = email.message_from_bytes(raw, policy=policy.default)
        assert parsed["From"] == "notices@credence.invalid"
        assert f"事实：{FACTS}" in parsed.get_body().get_content()  # type: ignore[union-attr]

    def test_a_server_that_is_gone_is_an_attempt_recorded_and_retried(self, fresh_engine, keyring):
        _record(fresh_engine, keyring)
        channel = SmtpChannel(host="127.0.0.1", port=_free_port(), sender="n@x.invalid")
        report = deliver_due(
            engine=fresh_engine, keyring=keyring, channel=channel, addresses=_everyone, now=T0
        )
        assert dict(report.outcomes) == {"retry": 1}
        (attempt,) = _attempts(fresh_engine)
        assert attempt == ("error", "ConnectionRefusedError")
        with Session(fresh_engine) as s:
            (row,) = s.scalars(select(NoticeDelivery))
            assert row.next_at == T0 + FIRST_RETRY
            assert s.get(EntryNotice, row.notice_id) is not None


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    # OpenSSL checks validity against the wall clock, not the project's: a day either side.
    wall = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(wall - timedelta(days=1))
        .not_valid_after(wall + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class TestStartTls:
    def test_with_starttls_on_the_message_goes_over_tls_to_a_server_that_requires_it(
        self, fresh_engine, keyring, tmp_path: Path
    ):
        import ssl

        cert_file, key_file = _self_signed(tmp_path)
        server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_tls.load_cert_chain(cert_file, key_file)
        client_tls = ssl.create_default_context(cafile=str(cert_file))
        inbox = _Inbox()
        port = _free_port()
        server = Controller(
            inbox, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True
        )
        server.start()
        try:
            _record(fresh_engine, keyring)
            plain = SmtpChannel(host="127.0.0.1", port=port, sender="n@x.invalid", starttls=False)
            refused = deliver_due(
                engine=fresh_engine, keyring=keyring, channel=plain, addresses=_everyone, now=T0
            )
            assert dict(refused.outcomes) == {"retry": 1}
            assert inbox.messages == []
            tls = SmtpChannel(
                host="127.0.0.1", port=port, sender="n@x.invalid", starttls=True, tls=client_tls
            )
            later = T0 + FIRST_RETRY
            sent = deliver_due(
                engine=fresh_engine, keyring=keyring, channel=tls, addresses=_everyone, now=later
            )
        finally:
            server.stop()
        assert dict(sent.outcomes) == {"sent": 1}
        (raw,) = inbox.messages
        assert (
            FACTS in email.message_from_bytes(raw, policy=policy.default).get_body().get_content()
        )  # type: ignore[union-attr]
        assert [o for o, _ in _attempts(fresh_engine)] == ["error", "sent"]


class TestSettings:
    def test_smtp_without_a_host_is_refused_at_start_up(self, tmp_path: Path):
        from pydantic import ValidationError

        from core.settings import Settings

        with pytest.raises(ValidationError, match="CREDENCE_SMTP_HOST"):
            Settings(data_dir=tmp_path, notice_channel="smtp")

    def test_the_spool_is_the_default_channel(self, tmp_path: Path):
        from core.queries.delivery import channel_from
        from core.settings import Settings

        channel = channel_from(Settings(data_dir=tmp_path))
        assert isinstance(channel, SpoolChannel)
        assert channel.directory == tmp_path / "mail-spool"
