"""Demo queries: a week of real traffic through the real query path, loaded once."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from core.audit.rules import AuditRules
from core.demo.dataset import load_demo
from core.demo.people import demo_people
from core.demo.queries import load_demo_queries
from core.models import LogLeaf, QueryFlag
from core.querylog.checkpoints import Cadence
from core.querylog.signing_key import signer_for_data_dir
from core.querylog.verify import verify_log
from crypto.log_signer import LogSigner

RULES = AuditRules()


def _load(engine: Engine, keyring, signer: LogSigner):
    with Session(engine) as s:
        result = load_demo_queries(
            session=s,
            keyring=keyring,
            signer=signer,
            people=demo_people(50),
            rules=RULES,
            cadence=Cadence(),
        )
        s.commit()
    return result


class TestDemoQueries:
    def test_a_week_of_traffic_with_every_pattern_once_loaded(
        self, fresh_engine: Engine, keyring, tmp_path: Path
    ) -> None:
        signer = signer_for_data_dir(tmp_path, origin="demo/log", name="demo/log")
        with Session(fresh_engine) as s:
            load_demo(session=s, keyring=keyring)
        first = _load(fresh_engine, keyring, signer)
        assert first.logged > 250
        assert 0 < first.refused < first.logged
        assert _load(fresh_engine, keyring, signer).logged == 0

        with Session(fresh_engine) as s:
            leaves = [json.loads(b) for b in s.scalars(select(LogLeaf.body))]
            flags = Counter(s.scalars(select(QueryFlag.reason)))
            report = verify_log(session=s, signer_public_key=signer.public_key, name=signer.name)
        assert report.ok
        assert report.leaves == first.logged
        outcomes = Counter(leaf["outcome"] for leaf in leaves)
        assert set(outcomes) == {"answered", "empty", "refused"}
        assert sum(1 for leaf in leaves if leaf["sealed_until"]) == 1
        assert {"bulk", "night", "refused_then_retried"} <= set(flags)
        raw = json.dumps(leaves, ensure_ascii=False)
        for person in demo_people(50):
            assert person.code not in raw
            assert person.name not in raw
