"""Checking a signed repair credential: a donation receipt, training completion or
volunteering certificate, signed by the registered organisation that issued it.

Invariants:
- a credential is accepted only if: it parses as `SignedCredential` around a
  `CredentialBody`; its kind is the one the repair way needs; its issuer is registered,
  active and of the kind that issues it; the issuer's key valid at `issued_at` signed its
  canonical bytes; `issued_at` is not in the future; and its `subject` is SHA-256 of the
  applicant's own code followed by the credential id;
- refusals name the rule (422), say nothing of the code, and happen before anything is
  written; reuse is refused by the caller through the used-certificate index (409).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pydantic import ValidationError
from sqlmodel import Session

from core.cases.repairs import repository as repo
from core.cases.repairs.schemas import CredentialBody, SignedCredential
from core.errors import InvalidInput
from core.models import CertifyingOrganisation
from crypto import credential as signed

# Which credential each way needs, and which kind of organisation issues it.
NEEDED: Final = {
    "donation": ("donation_receipt", "charity"),
    "training": ("training_completion", "training_provider"),
    "volunteering": ("volunteering_certificate", "volunteer_organisation"),
}


@dataclass(frozen=True, slots=True)
class Checked:
    """A credential that verified, and the organisation that signed it."""

    body: CredentialBody
    organisation: CertifyingOrganisation


def parse(text: str) -> tuple[dict[str, object], CredentialBody, str]:
    """The credential as given, as read, and its signature; InvalidInput if malformed."""
    try:
        outer = SignedCredential.model_validate(json.loads(text))
        body = CredentialBody.model_validate(outer.credential)
    except (ValueError, ValidationError):
        raise InvalidInput(
            'the credential is not {"credential": {...}, "signature": "..."} as documented',
            rule="credential_malformed",
        ) from None
    return outer.credential, body, outer.signature


def check(session: Session, *, way: str, text: str, code: str, now: datetime) -> Checked:
    """Verify a credential for a repair by `way` of the subject of `code`, or refuse it."""
    raw, body, signature = parse(text)
    kind, issuer_kind = NEEDED[way]
    if body.kind != kind:
        raise InvalidInput(
            f"a {way} repair needs a {kind}, not a {body.kind}", rule="credential_wrong_kind"
        )
    organisation = repo.organisation_by_code(session, body.issuer)
    if organisation is None:
        raise InvalidInput("the credential's issuer is not registered", rule="unknown_issuer")
    if not organisation.active:
        raise InvalidInput(
            "the issuer's credentials are no longer accepted", rule="organisation_inactive"
        )
    if organisation.kind != issuer_kind:
        raise InvalidInput(
            f"a {kind} must be issued by a registered {issuer_kind}, and this issuer is a "
            f"{organisation.kind}",
            rule="credential_wrong_kind",
        )
    if body.issued_at > now:
        raise InvalidInput("the credential is dated in the future", rule="credential_bad_signature")
    keys = repo.key_valid_at(session, organisation_id=organisation.id, at=body.issued_at)
    if not any(signed.verify(k.public_key, raw, signature) for k in keys):
        raise InvalidInput(
            "the signature is not the issuer's (with its key valid when the credential was issued)",
            rule="credential_bad_signature",
        )
    if signed.subject_binding(code, body.id) != body.subject:
        raise InvalidInput(
            "the credential was issued to someone else", rule="credential_wrong_subject"
        )
    if way == "volunteering" and body.hours is None:
        raise InvalidInput(
            "a volunteering certificate states the hours", rule="credential_malformed"
        )
    return Checked(body=body, organisation=organisation)
