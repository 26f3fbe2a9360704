"""Citizen routes: the caller's own record, and nothing of anyone else's."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import KeyringDep, SessionDep
from api.policy import CitizenDep
from core.clock import clock
from core.errors import Forbidden
from core.schemas.records import EntryView
from core.services.records import record_of

router = APIRouter(prefix="/me", tags=["citizen"])


class MyRecord(BaseModel):
    """The caller's entries, decrypted, with their state and dates."""

    entries: list[EntryView]


@router.get("/record", response_model=MyRecord)
def my_record(principal: CitizenDep, session: SessionDep, keyring: KeyringDep) -> MyRecord:
    """All of the caller's own entries."""
    if principal.code_index is None:
        raise Forbidden("the token carries no verified credit code")
    return MyRecord(
        entries=record_of(
            session=session, keyring=keyring, code_index=principal.code_index, today=clock.today()
        )
    )
