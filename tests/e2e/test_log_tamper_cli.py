"""`credence log verify` on a tampered SQLite log exits 1 naming the first index out of place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from core.clock import clock
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import canonical_leaf
from core.querylog.signing_key import signer_for_data_dir
from core.runtime import open_runtime
from core.settings import Settings
from crypto.merkle import leaf_hash
from tests.support.server import run_credence, use_data_dir_keys

SIZE = 12


def _body(n: int, *, agency: str = "agency-1") -> bytes:
    return canonical_leaf({"agency": agency, "n": n})


@pytest.fixture
def logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A data dir whose log of 12 leaves, checkpointed at 6 and 12, verifies through the CLI."""
    use_data_dir_keys(monkeypatch, tmp_path)
    settings = Settings(data_dir=tmp_path)
    engine = open_runtime(settings).engine
    signer = signer_for_data_dir(tmp_path, origin=settings.log_origin, name=settings.log_key_name)
    for batch in (range(6), range(6, SIZE)):
        with Session(engine) as session:
            append_leaves(session=session, bodies=[_body(n) for n in batch], now=clock.now())
            make_checkpoint(session=session, signer=signer, now=clock.now())
            session.commit()
    ok = run_credence(tmp_path, "log", "verify")
    assert f"ok: {SIZE} leaves and 2 checkpoints verified" in ok.stdout
    yield engine
    engine.dispose()


def _set_leaf(engine: Engine, idx: int, body: bytes) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE query_log_leaf SET body = :b, leaf_hash = :h WHERE idx = :i"),
            {"b": body, "h": leaf_hash(body), "i": idx},
        )


def _verify_fails_at(data_dir: Path, engine: Engine, index: int) -> None:
    engine.dispose()  # the CLI is another process: leave it the database file alone
    bad = run_credence(data_dir, "log", "verify", check=False)
    assert bad.returncode == 1
    assert f"does not verify at index {index}:" in bad.stderr
    assert bad.stdout == ""


class TestTamperedLogThroughTheCli:
    def test_reordered_rows_name_the_first(self, tmp_path: Path, logged: Engine) -> None:
        # Each row keeps a body and hash that match; only the order of 4 and 9 changes.
        _set_leaf(logged, 4, _body(9))
        _set_leaf(logged, 9, _body(4))
        _verify_fails_at(tmp_path, logged, 4)

    def test_an_inserted_row_is_named(self, tmp_path: Path, logged: Engine) -> None:
        # Rows 6.. move up one (in two steps, so no index is ever held twice) and a forged
        # row takes index 6, with a hash that matches its body.
        with logged.begin() as conn:
            conn.execute(text("UPDATE query_log_leaf SET idx = idx + 1000 WHERE idx >= 6"))
            conn.execute(text("UPDATE query_log_leaf SET idx = idx - 999 WHERE idx >= 1000"))
            forged = _body(6, agency="agency-2")
            conn.execute(
                text(
                    "INSERT INTO query_log_leaf (idx, leaf_hash, body, created_at)"
                    " VALUES (6, :h, :b, :t)"
                ),
                {"h": leaf_hash(forged), "b": forged, "t": clock.now()},
            )
        _verify_fails_at(tmp_path, logged, 6)
