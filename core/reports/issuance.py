"""Issuing a report (a number, a verification code, a signed statement) and verifying one.

Invariants:
- Issuing stores one row and nothing else: the number, the generation instant, the
  content's digest, the signature, and the code's hash. No subject id, name, code or
  content is written, so the row cannot be tied to a person or read back as a report.
- The signed statement is rebuilt from the stored columns at every verification, so a
  changed number, instant, digest or signature makes the report not verify.
- Verifying only reads, and answers NotFound alike for a malformed code, an unknown
  code and a row whose signature fails: the public page never says which, nor shows
  anything of a row that does not verify.
"""

from __future__ import annotations

import logging
from typing import Final

from sqlmodel import Session

from core.clock import local_date
from core.errors import NotFound
from core.models import IssuedReport
from core.reports import policy
from core.reports import repository as repo
from core.reports.schemas import PersonalReport, ReportIssue, ReportVerification
from core.reports.signing import ReportSigner
from crypto.checkpoint import CheckpointError
from crypto.note_keys import b64decode

log = logging.getLogger("credence.reports")
# A fresh number collides with one in 10**10 per day; a few tries end any run of bad luck.
NUMBER_TRIES: Final = 5
_SIGNATURE_PREFIX: Final = "— "


def _fresh_number(session: Session, report: PersonalReport) -> str:
    day = local_date(report.generated_at)
    for _ in range(NUMBER_TRIES):
        number = policy.new_number(day)
        if not repo.number_taken(session, number):
            return number
    raise RuntimeError("no free report number after several tries")  # pragma: no cover


def _signature(note: str) -> bytes:
    """The key id and signature of a note's one signature line."""
    line = note.rstrip("\n").rsplit("\n", 1)[-1]
    encoded = line.removeprefix(_SIGNATURE_PREFIX).split(" ")[-1]
    return b64decode(encoded, "signature", CheckpointError)


def _note(body: str, name: str, signature: bytes) -> str:
    return f"{body}\n{_SIGNATURE_PREFIX}{name} {policy.b64(signature)}\n"


def issue_report(
    *, session: Session, report: PersonalReport, signer: ReportSigner
) -> PersonalReport:
    """The report with its issue (number, code, digest), the issue's row stored and signed."""
    content = report.model_dump(mode="json", exclude={"issue"})
    digest = policy.content_digest(content)
    number = _fresh_number(session, report)
    code = policy.new_code()
    note = signer.sign(policy.statement(number, report.generated_at, digest))
    repo.add(
        session,
        IssuedReport(
            number=number,
            code_hash=policy.code_hash(code),
            generated_at=report.generated_at,
            digest=digest,
            signature=_signature(note),
        ),
    )
    issue = ReportIssue(
        number=number,
        verification_code=policy.shown_code(code),
        generated_at=report.generated_at,
        digest=policy.b64(digest),
        key=signer.verifier_key(),
    )
    return report.model_copy(update={"issue": issue})


def verify_report(*, session: Session, code: str, signer: ReportSigner) -> ReportVerification:
    """What a verification code confirms; NotFound unless a stored, well-signed report has it."""
    canonical = policy.read_code(code)
    row = None if canonical is None else repo.by_code_hash(session, policy.code_hash(canonical))
    if row is None:
        raise NotFound("no report verifies with this code")
    body = policy.statement(row.number, row.generated_at, row.digest)
    note = _note(body, signer.name, row.signature)
    try:
        signer.open(note)
    except CheckpointError:
        # The number only: it is not personal, and it names the row to look into.
        log.warning("issued report %s does not verify with the report key", row.number)
        raise NotFound("no report verifies with this code") from None
    return ReportVerification(
        number=row.number,
        generated_at=row.generated_at,
        digest=policy.b64(row.digest),
        statement=note,
        key=signer.verifier_key(),
    )
