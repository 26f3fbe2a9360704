"""A separate token issuer process for interoperability tests (RS256, its own JWKS).

Run as `python foreign_issuer.py`; it prints its base URL on the first line of stdout.
POST /mint with JSON claims (they override its own, times too) returns a signed RFC 9068
access token; POST /rotate makes a new signing key current and keeps publishing the old
one. Loopback only.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jws
from joserfc.jwk import RSAKey

LOCK = threading.Lock()
KEYS: list[RSAKey] = []


def _new_key() -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
    )


class Handler(BaseHTTPRequestHandler):
    """Discovery, JWKS, minting and rotation."""

    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the test reads only the first stdout line."""

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def do_GET(self) -> None:
        """Serve discovery and the key set."""
        if self.path == "/.well-known/openid-configuration":
            self._send(200, {"issuer": self._base(), "jwks_uri": self._base() + "/jwks"})
        elif self.path == "/jwks":
            with LOCK:
                keys = [k.as_dict(private=False) for k in KEYS]
            self._send(200, {"keys": keys})
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self) -> None:
        """Mint a token or rotate the signing key."""
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/rotate":
            with LOCK:
                KEYS.insert(0, _new_key())
            self._send(200, {"kid": KEYS[0].kid})
        elif self.path == "/mint":
            now = int(time.time())
            claims = {
                "iss": self._base(),
                "iat": now,
                "nbf": now,
                "exp": now + 300,
                "jti": secrets.token_hex(8),
                "sub": "foreign-user",
                "client_id": "foreign-client",
                **body,
            }
            with LOCK:
                key = KEYS[0]
            header = {"alg": "RS256", "typ": "at+jwt", "kid": key.kid}
            self._send(
                200,
                {"access_token": jws.serialize_compact(header, json.dumps(claims).encode(), key)},
            )
        else:
            self._send(404, {"error": "not_found"})


def main() -> None:
    """Serve on a free loopback port until killed."""
    KEYS.append(_new_key())
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
