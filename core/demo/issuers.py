"""DEMO ONLY: registered issuers of signed repair credentials, with key pairs derived from
public seeds, so anyone trying the demo can issue a receipt that Credence accepts.

Never use these keys for anything real: their private halves follow from this file. A real
organisation keeps its private key to itself and registers only the public half.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from core.cases.repairs import registry
from core.cases.repairs.credentials import NEEDED
from core.cases.repairs.schemas import OrganisationCreate
from crypto import credential as signed


@dataclass(frozen=True, slots=True)
class DemoIssuer:
    """A demo organisation: its registration, and the seed its DEMO private key comes from."""

    organisation: OrganisationCreate
    seed: str

    def private_key(self) -> Ed25519PrivateKey:
        """The DEMO private key: SHA-256 of the public seed (deterministic, not secret)."""
        return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(self.seed.encode()).digest())

    def public_key_b64(self) -> str:
        """The public half, base64, as registered."""
        return base64.b64encode(signed.raw_public_key(self.private_key())).decode("ascii")


DEMO_CHARITY: Final = DemoIssuer(
    OrganisationCreate(code="demo-charity", name="示范慈善基金会", kind="charity"),
    seed="credence DEMO charity key - not secret, demo only",
)
DEMO_VOLUNTEERS: Final = DemoIssuer(
    OrganisationCreate(code="demo-volunteers", name="示范志愿者协会"),
    seed="credence DEMO volunteer organisation key - not secret, demo only",
)
DEMO_TRAINER: Final = DemoIssuer(
    OrganisationCreate(code="demo-training", name="示范信用培训中心", kind="training_provider"),
    seed="credence DEMO training provider key - not secret, demo only",
)
DEMO_ISSUERS: Final = (DEMO_CHARITY, DEMO_VOLUNTEERS, DEMO_TRAINER)
BY_WAY: Final = {
    "donation": DEMO_CHARITY,
    "volunteering": DEMO_VOLUNTEERS,
    "training": DEMO_TRAINER,
}


def register_demo_issuers(session: Session, *, now: datetime) -> None:
    """Register the demo issuers and their DEMO keys where missing (idempotent)."""
    known = {o.code: o for o in registry.list_organisations(session=session)}
    for issuer in DEMO_ISSUERS:
        view = known.get(issuer.organisation.code)
        if view is None:
            payload = issuer.organisation.model_copy(update={"public_key": issuer.public_key_b64()})
            registry.register(session=session, payload=payload, now=now)
        elif not any(k.public_key == issuer.public_key_b64() for k in view.keys):
            registry.register_key(
                session=session,
                organisation_id=view.id,
                public_key=issuer.public_key_b64(),
                now=now,
            )


def issue(
    way: str,
    *,
    code: str,
    issued_at: datetime,
    credential_id: str | None = None,
    amount_cents: int | None = None,
    hours: int | None = None,
    issuer: DemoIssuer | None = None,
) -> str:
    """A DEMO credential for a repair by `way`, signed, as the JSON text a citizen pastes."""
    source = issuer or BY_WAY[way]
    cid = credential_id or f"DEMO-{secrets.token_hex(6).upper()}"
    body: dict[str, object] = {
        "v": 1,
        "issuer": source.organisation.code,
        "id": cid,
        "kind": NEEDED[way][0],
        "subject": signed.subject_binding(code, cid),
        "issued_at": issued_at.isoformat(),
    }
    if amount_cents is not None:
        body["amount_cents"] = amount_cents
    if hours is not None:
        body["hours"] = hours
    return json.dumps(
        {"credential": body, "signature": signed.sign(source.private_key(), body)},
        ensure_ascii=False,
    )
