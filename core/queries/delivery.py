"""Delivering citizen notices outside the app (1798号 §7): outbox, worker, channels.

Invariants:
- Every citizen notice enters the outbox once; the outbox and its attempts hold no text,
  no address and no error message — only the notice's id, the outcome, the error's class.
- The message is rendered when it is sent, from the sealed entry, in Chinese and English.
- A notice whose subject has no known address stays in the app and is marked `no_address`;
  a failed send is tried again with a doubling back-off, and given up after MAX_ATTEMPTS.
- A claim is a lease: a worker that dies leaves its rows to be tried when the lease ends.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Final, Protocol

from sqlalchemy import Engine
from sqlmodel import Session

from core.entries import lifecycle
from core.keyring import Keyring, indexes_meet, stored_index
from core.models import Entry, Subject
from core.queries import delivery_repository as repo
from core.queries.notices import listing_notice
from core.settings import Settings

MAX_ATTEMPTS: Final = 8
FIRST_RETRY: Final = timedelta(minutes=5)
LONGEST_WAIT: Final = timedelta(hours=12)
LEASE: Final = timedelta(minutes=10)
BATCH: Final = 100


@dataclass(frozen=True)
class Message:
    """One notice as a mail: addressee, subject line, body. Its repr shows none of them."""

    to: str = field(repr=False)
    subject: str = field(repr=False)
    body: str = field(repr=False)


class Channel(Protocol):
    """Where a message goes; raises on failure (its class is what the outbox records)."""

    def send(self, message: Message) -> None:
        """Hand one message over for delivery."""


AddressBook = Callable[[Session, Subject], "str | None"]


def no_addresses(_session: Session, _subject: Subject) -> str | None:
    """The default address book: nobody's address is known, notices stay in the app."""
    return None


@dataclass
class DemoAddresses:
    """The demo people's mailboxes: `citizen<index>@demo.credence.invalid`, named by their
    place in the demo population (never by their code), found by blind index."""

    keyring: Keyring
    count: int
    _known: list[tuple[bytes, int]] = field(default_factory=list, repr=False)

    def __call__(self, _session: Session, subject: Subject) -> str | None:
        """The demo address of a demo person; None for anyone else."""
        if not self._known:
            from core.demo.people import demo_people

            self._known = [
                (bytes(self.keyring.blind_index(p.code)), i)
                for i, p in enumerate(demo_people(self.count))
            ]
        mine = stored_index(subject.code_index, subject.code_index_next)
        for index, place in self._known:
            if indexes_meet(mine, index):
                return f"citizen{place}@demo.credence.invalid"
        return None


def channel_from(settings: Settings) -> Channel:
    """The channel the settings name: the local spool (default) or an SMTP relay."""
    if settings.notice_channel == "smtp":
        if not settings.smtp_host:
            raise ValueError("CREDENCE_SMTP_HOST must be set for CREDENCE_NOTICE_CHANNEL=smtp")
        return SmtpChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
        )
    return SpoolChannel(settings.mail_spool_dir, sender=settings.smtp_from)


def addresses_from(settings: Settings, keyring: Keyring) -> AddressBook:
    """Where addresses come from: the demo people's, when asked; otherwise nobody's."""
    if settings.notice_demo_addresses:
        return DemoAddresses(keyring, settings.notice_demo_people)
    return no_addresses


def _email(message: Message, sender: str, now: datetime) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(message.body)
    return mail


@dataclass
class SpoolChannel:
    """The embedded default: one .eml file per message in a local spool, readable by its
    owner only (the spool is personal data, kept like the database)."""

    directory: Path
    sender: str = "notices@credence.invalid"
    now: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())

    def send(self, message: Message) -> None:
        """Write the message as a new file, 0600, never over another."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = bytes(_email(message, self.sender, self.now()))
        path = self.directory / f"{uuid.uuid4().hex}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)


@dataclass
class SmtpChannel:
    """An SMTP relay: host, port, sender, and STARTTLS on or off."""

    host: str
    port: int
    sender: str
    starttls: bool = True
    timeout: float = 10.0
    tls: ssl.SSLContext | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())

    def send(self, message: Message) -> None:
        """Open a connection, upgrade it when asked, send the one message."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=self.tls or ssl.create_default_context())
            smtp.send_message(_email(message, self.sender, self.now()))


# What each notice says, in Chinese then English (its own words: the mail has no page).
_KINDS: Final[dict[str, tuple[str, str]]] = {
    lifecycle.PRIOR_NOTICE: ("事前告知：拟将您列入名单", "Prior notice: you are to be listed"),
    lifecycle.TOOK_EFFECT: ("列入名单已生效", "The listing took effect"),
    lifecycle.WATCH_WARNING: ("重点关注警示", "Watch-list warning"),
    lifecycle.WARNING_LIST: ("已列入警示名单", "You are on the warning list"),
    "expired": ("展示期满", "Display period over"),
    "repaired": ("信用修复完成", "Credit repaired"),
    "withdrawn": ("认定部门撤回", "Withdrawn by the department"),
    "criteria_changed": ("认定标准变更", "Listing criteria changed"),
    "objection_upheld": ("异议成立，已删除", "Objection upheld, removed"),
    "shredded": ("已删除", "Erased"),
    "corrected": ("已更正", "Corrected"),
    "apology": ("认定部门已致歉", "The department apologised"),
    "objection_filed": ("他人对该条目提出异议", "Someone objected to it"),
    "objection_rejected": ("异议被驳回", "Objection rejected"),
    "repair_declined": ("修复申请不予受理", "Repair application declined"),
    "repair_rejected": ("修复申请未通过", "Repair application rejected"),
}
_DETAILED: Final = frozenset(
    {lifecycle.PRIOR_NOTICE, lifecycle.TOOK_EFFECT, lifecycle.WATCH_WARNING, lifecycle.WARNING_LIST}
)
_LISTS: Final[dict[str, tuple[str, str]]] = {
    "black": ("黑名单", "black list"),
    "red": ("红名单", "red list"),
    "watch": ("重点关注名单", "watch list"),
}


def render(
    session: Session, keyring: Keyring, *, kind: str, entry: Entry, now: datetime
) -> tuple[str, str]:
    """A notice's subject line and body, in Chinese and English."""
    zh_kind, en_kind = _KINDS.get(kind, ("信用记录有新事件", "Something happened to your entry"))
    zh_list, en_list = _LISTS.get(entry.list_kind, (entry.list_kind, entry.list_kind))
    zh = [f"您的信用记录（{zh_list}）：{zh_kind}。"]
    en = [f"Your credit record ({en_list}): {en_kind}."]
    if kind in _DETAILED:
        said = listing_notice(session, keyring, entry=entry, kind=kind, now=now)
        facts = said.facts or "（已删除）"
        zh += [f"事实：{facts}", f"依据：{said.legal_basis}"]
        en += [f"Facts: {said.facts or '(erased)'}", f"Legal basis: {said.legal_basis}"]
        if said.takes_effect_on is not None:
            zh.append(f"生效日期：{said.takes_effect_on.isoformat()}")
            en.append(f"Takes effect on: {said.takes_effect_on.isoformat()}")
        zh.append(f"公示至：{said.display_until.isoformat()}（含当日）")
        en.append(f"Shown until: {said.display_until.isoformat()} (inclusive)")
        if kind in (lifecycle.WATCH_WARNING, lifecycle.WARNING_LIST):
            zh.append(f"有效期至：{said.valid_until.isoformat()}（含当日）")
            en.append(f"Valid until: {said.valid_until.isoformat()} (inclusive)")
        if said.object_until is not None:
            by = said.object_until.isoformat()
            zh.append(f"如有异议，请于 {by}（含当日）前登录后在“我的异议”中提出。")
            en.append(
                f"To object, sign in and file it under “My objections” by "
                f"{said.object_until.isoformat()} (inclusive)."
            )
    return f"{zh_kind} / {en_kind}", "\n".join([*zh, "", *en]) + "\n"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling, at most LONGEST_WAIT."""
    wait: timedelta = FIRST_RETRY * (2 ** max(0, attempts - 1))
    return min(wait, LONGEST_WAIT)


@dataclass
class DeliveryReport:
    """What one run of the worker did, by outcome."""

    queued: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def deliver_due(
    *,
    engine: Engine,
    keyring: Keyring,
    channel: Channel,
    now: datetime,
    addresses: AddressBook = no_addresses,
    limit: int = BATCH,
) -> DeliveryReport:
    """Fill the outbox from new notices, then deliver what is due, one commit per notice."""
    report = DeliveryReport()
    with Session(engine) as session:
        report.queued = repo.enqueue_new(session, now=now)
        claimed = repo.claim_due(session, now=now, lease_until=now + LEASE, limit=limit)
        session.commit()
    for notice_id, attempts in claimed:
        with Session(engine) as session:
            outcome = _deliver_one(session, keyring, channel, addresses, notice_id, attempts, now)
            session.commit()
        report.outcomes[outcome] += 1
    return report


def _deliver_one(
    session: Session,
    keyring: Keyring,
    channel: Channel,
    addresses: AddressBook,
    notice_id: uuid.UUID,
    attempts: int,
    now: datetime,
) -> str:
    """Try one notice and record the attempt; the outcome."""
    notice = repo.notice(session, notice_id)
    entry = None if notice is None else session.get(Entry, notice.entry_id)
    subject = None if notice is None else session.get(Subject, notice.subject_id)
    address = None if subject is None else addresses(session, subject)
    tried = attempts + 1
    if notice is None or entry is None or address is None:
        repo.record_attempt(
            session,
            notice_id=notice_id,
            at=now,
            outcome="no_address",
            error_class=None,
            status="no_address",
            attempts=tried,
            next_at=now,
        )
        return "no_address"
    try:
        subject_line, body = render(session, keyring, kind=notice.kind, entry=entry, now=now)
        channel.send(Message(to=address, subject=subject_line, body=body))
    except Exception as exc:  # any channel failure is retried; only its class is kept
        gave_up = tried >= MAX_ATTEMPTS
        repo.record_attempt(
            session,
            notice_id=notice_id,
            at=now,
            outcome="error",
            error_class=type(exc).__name__[:64],
            status="failed" if gave_up else "pending",
            attempts=tried,
            next_at=now if gave_up else now + backoff(tried),
        )
        return "failed" if gave_up else "retry"
    repo.record_attempt(
        session,
        notice_id=notice_id,
        at=now,
        outcome="sent",
        error_class=None,
        status="sent",
        attempts=tried,
        next_at=now,
    )
    return "sent"
