"""Test issuers of signed repair credentials: a key pair each, registered through the API."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.cases.repairs.credentials import NEEDED
from core.clock import clock
from crypto import credential as signed
from tests.factories.http import bearer


@dataclass(frozen=True)
class Issuer:
    """An organisation of the tests and its private key (derived from its code and `seed`)."""

    code: str
    kind: str
    name: str = "测试机构"
    seed: str = ""

    def private_key(self) -> Ed25519PrivateKey:
        """Its private key."""
        digest = hashlib.sha256(f"test issuer {self.code} {self.seed}".encode()).digest()
        return Ed25519PrivateKey.from_private_bytes(digest)

    def public_b64(self) -> str:
        """Its public key as the API takes it."""
        return base64.b64encode(signed.raw_public_key(self.private_key())).decode()

    def body(
        self, code: str, way: str, cid: str, *, issued_at: datetime | None = None, **extra: Any
    ) -> dict[str, Any]:
        """An unsigned credential of this issuer for `code` (issued now by default)."""
        body: dict[str, Any] = {
            "v": 1,
            "issuer": self.code,
            "id": cid,
            "kind": NEEDED[way][0],
            "subject": signed.subject_binding(code, cid),
            "issued_at": (issued_at or clock.now()).isoformat(),
        }
        if way == "volunteering":
            body["hours"] = 40
        if way == "donation":
            body["amount_cents"] = 50000
        return body | extra

    def credential(self, code: str, way: str, cid: str, **extra: Any) -> str:
        """A credential this issuer signed, as the JSON text a citizen gives."""
        body = self.body(code, way, cid, **extra)
        return sealed(body, signed.sign(self.private_key(), body))


def sealed(body: dict[str, Any], signature: str) -> str:
    """The JSON text of a credential and a signature."""
    return json.dumps({"credential": body, "signature": signature}, ensure_ascii=False)


def register_issuer(client: Any, mint: Any, issuer: Issuer, *, key: bool = True) -> Any:
    """Register the issuer (with its key unless `key` is False) as an admin; the response."""
    payload = {"code": issuer.code, "name": issuer.name, "kind": issuer.kind}
    if key:
        payload["public_key"] = issuer.public_b64()
    return client.post(
        "/api/v1/admin/certifying-organisations", json=payload, headers=bearer(mint("admin"))
    )
