"""Hot-path micro-benchmarks, reported as ratios to a baseline measured in the same process.

Run: `make bench`. Ratios, not seconds, are what to compare across machines and runs:
the baseline (SHA-256 of 64 bytes) absorbs most of the machine's speed.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import timeit
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

from core.clock import clock
from core.identity.authenticator import Authenticator
from core.identity.issuer_keys import IssuerKeys
from core.identity.tokens import EmbeddedKeySource, TokenVerifier, mint_access_token
from core.keyring import Keyring
from crypto.envelope import DataKey, FieldContext, open_field, seal
from crypto.keys import EnvKeyProvider, encode_env_keys
from crypto.merkle import CompactRange, leaf_hash
from crypto.suites import AES, SM4


def _per_call(fn: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main() -> None:
    """Print each hot path's cost per call and its ratio to the baseline."""
    import hashlib

    data = os.urandom(64)
    base = _per_call(lambda: hashlib.sha256(data).digest(), 20_000)
    keyring = Keyring(EnvKeyProvider(encode_env_keys({1: secrets.token_bytes(32)})), AES)
    ctx = FieldContext("entry", "facts", "row")
    results: dict[str, float] = {}
    for suite in (AES, SM4):
        key = DataKey.generate(suite)
        blob = seal(key, "逾期未缴税款一百二十万元".encode(), ctx)
        results[f"seal field ({suite.name})"] = _per_call(partial(seal, key, data, ctx), 5000)
        results[f"open field ({suite.name})"] = _per_call(partial(open_field, key, blob, ctx), 5000)
    results["blind index"] = _per_call(lambda: keyring.blind_index("11010519491231002X"), 5000)
    tree = CompactRange()
    leaf = leaf_hash(b"leaf")
    results["merkle append"] = _per_call(lambda: tree.append(leaf), 5000)

    with tempfile.TemporaryDirectory() as tmp:
        keys = IssuerKeys.load_or_create(Path(tmp) / "k.json")
        token = mint_access_token(
            keys=keys,
            issuer="i",
            audience="a",
            subject="s",
            claims={"role": "citizen", "credit_code": "11010519491231002X"},
            ttl=timedelta(hours=1),
            now=clock.now(),
            client_id="c",
        )
        verifier = TokenVerifier(
            issuer="i", audience="a", keys=EmbeddedKeySource(keys), cache_size=0
        )
        auth = Authenticator(verifier, keyring=keyring, code_claim="credit_code")
        results["token verify (uncached)"] = _per_call(lambda: verifier.verify(token), 500)
        results["authenticate (cached principal)"] = _per_call(
            lambda: auth.authenticate(token), 5000
        )

    print(f"baseline sha256(64 B): {base * 1e6:.2f} µs")
    for name, cost in results.items():
        print(f"{name:34s} {cost * 1e6:9.2f} µs  {cost / base:8.1f}× baseline")


if __name__ == "__main__":
    main()
