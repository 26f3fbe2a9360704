"""Finding and creating subjects, shared by every service that names a person.

Invariants: a subject is found only by the blind index of its normalised code; the
code is stored only sealed under the subject's own data key; creating the same
subject twice at once yields one row (the loser of the race reads the winner's), through
`ON CONFLICT DO NOTHING`, so the race is never a constraint error whose detail would
print the blind index in the database server's log.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session

from core.codes import CodeKind, InvalidCode, validate_code
from core.entries import repository as record_repo
from core.errors import InvalidInput
from core.keyring import Keyring, indexes_meet
from core.models import Subject
from core.ops import keys_repository as key_repo
from crypto.envelope import FieldContext, seal


def _valid(code: str) -> tuple[str, CodeKind]:
    try:
        return validate_code(code)
    except InvalidCode as exc:
        raise InvalidInput(str(exc), rule=exc.rule) from None


def subject_by_index(*, session: Session, code_index: bytes) -> Subject | None:
    """The subject with this blind index, if one was ever recorded."""
    return record_repo.subject_by_index(session, code_index)


def subject_for(*, session: Session, keyring: Keyring, code: str, now: datetime) -> Subject:
    """The subject with this code, created (with its own data key) on first sight."""
    code, kind = _valid(code)
    index = keyring.blind_index(code)
    found = record_repo.subject_by_index(session, index)
    if found is not None:
        return found
    attempt = session.begin_nested()
    try:
        key, wrapped, version = keyring.new_data_key()
        key_repo.add_data_key(
            session,
            key_id=key.id,
            owner="subject",
            suite=keyring.suite.name,
            wrapped=wrapped,
            version=version,
            now=now,
        )
        session.flush()
        subject_id = uuid.uuid4()
        ctx = FieldContext(table="subject", column="code", row_key=str(subject_id))
        won = record_repo.insert_subject(
            session,
            {
                "id": subject_id,
                "code_index": bytes(index),
                "code_index_next": index.next,
                "code_kind": kind,
                "data_key_id": key.id,
                "code_ct": seal(key, code.encode(), ctx),
                "created_at": now,
                "erased_at": None,
            },
        )
    except BaseException:
        attempt.rollback()
        raise
    if won:
        attempt.commit()
    else:
        # Another request created the same subject first: drop our key, use theirs.
        attempt.rollback()
    found = record_repo.subject_by_index(session, index)
    if found is None:
        raise RuntimeError("a subject insert neither went in nor met its winner")
    return found


def own_subject(
    *,
    session: Session,
    keyring: Keyring,
    code_index: bytes,
    code: str | None,
    now: datetime,
) -> Subject | None:
    """The caller's subject by blind index, created from `code` when given and still missing.

    The code must hash to the caller's own index, so nobody can create a subject
    row for someone else; without a code a missing subject stays missing (None).
    """
    found = record_repo.subject_by_index(session, code_index)
    if found is not None or code is None:
        return found
    if not indexes_meet(keyring.blind_index(_valid(code)[0]), code_index):
        raise InvalidInput("the credit code is not the caller's own", rule="code_mismatch")
    return subject_for(session=session, keyring=keyring, code=code, now=now)
