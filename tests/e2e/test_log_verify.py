"""`credence log verify` recomputes the query log and names the first index that does not match."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from core.clock import clock
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import canonical_leaf
from core.querylog.signing_key import signer_for_data_dir
from core.runtime import open_runtime
from core.settings import Settings
from tests.support.server import run_credence, use_data_dir_keys


class TestLogVerify:
    def test_ok_then_names_the_tampered_index(self, tmp_path, monkeypatch):
        use_data_dir_keys(monkeypatch, tmp_path)
        settings = Settings(data_dir=tmp_path)
        rt = open_runtime(settings)
        signer = signer_for_data_dir(
            tmp_path, origin=settings.log_origin, name=settings.log_key_name
        )
        with Session(rt.engine) as session:
            bodies = [canonical_leaf({"n": i}) for i in range(12)]
            append_leaves(session=session, bodies=bodies, now=clock.now())
            make_checkpoint(session=session, signer=signer, now=clock.now())
            session.commit()
        ok = run_credence(tmp_path, "log", "verify")
        assert "ok: 12 leaves and 1 checkpoints verified" in ok.stdout

        with rt.engine.begin() as conn:
            conn.execute(
                text("UPDATE query_log_leaf SET body = :b WHERE idx = 5"),
                {"b": canonical_leaf({"n": 99})},
            )
        rt.engine.dispose()
        bad = run_credence(tmp_path, "log", "verify", check=False)
        assert bad.returncode == 1
        assert "index 5" in bad.stderr
