"""A history the citizen can check without trusting us: every row rebuilds to the leaf its
receipt proves, the rows chain so a row left out shows, a sealed query stays invisible
until it unseals and then verifies, and the public leaves link no two queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlmodel import Session, col
from typer.testing import CliRunner

from api.state import state_of
from api.witness.app import create_witness_app
from cli.main import app as cli
from core.clock import clock
from core.models import LogLeaf, QueryFlag
from core.queries.service import query_history
from core.querylog.checkpoints import make_checkpoint
from core.querylog.witnesses import WitnessSet, collect_cosignatures
from core.witness.config import add_log, init_witness
from core.witness.service import Witness
from crypto.bound_receipt import verify_answer, verify_history
from crypto.cosignature import cosigner_vkey
from crypto.leaf_binding import BindingError
from tests.factories import bearer, citizen_items, make_code, ok_json, record_entry, watch_fields
from tests.factories.queries import agency_query
from tests.support.app_server import serve_app


def _checkpoint(app, runtime) -> None:
    with Session(runtime.engine) as s:
        make_checkpoint(session=s, signer=state_of(app).log_signer, now=clock.now())
        s.commit()


def _leaves(runtime) -> dict[int, dict]:
    with Session(runtime.engine) as s:
        return {leaf.idx: json.loads(leaf.body) for leaf in s.scalars(select(LogLeaf))}


def _history(client, mint, code: str) -> list[dict]:
    return citizen_items(client, mint, code, "queries")


def _vkey(client) -> str:
    return str(client.get("/api/v1/public/log-key").text)


def _person_queried(client, mint, app, runtime, agencies=("court-1", "court-2", "court-3")):
    code = make_code()
    record_entry(client, mint, **watch_fields(subject_code=code))
    for agency in agencies:
        ok_json(agency_query(client, mint, code, agency=agency))
        clock.advance(timedelta(minutes=1))
    _checkpoint(app, runtime)
    return code


class TestRowsRebuildTheirLeaves:
    def test_every_row_is_proven_as_shown_and_the_history_is_complete(
        self, client, mint, app, runtime
    ):
        code = _person_queried(client, mint, app, runtime)
        rows = _history(client, mint, code)
        assert [r["agency"] for r in rows] == ["court-3", "court-2", "court-1"]
        check = verify_history(rows, _vkey(client))
        assert (check.verified, check.pending, check.complete) == (3, 0, True)
        for row in rows:
            assert row["leaf"]["at"].endswith("Z")  # UTC, RFC 3339
            assert row["at"] == row["leaf"]["at"]
            assert row["private"]["subject"].startswith("s:")

    def test_an_altered_leaf_fails_on_its_row(self, client, mint, app, runtime):
        code = _person_queried(client, mint, app, runtime)
        index = _history(client, mint, code)[1]["log_index"]
        with Session(runtime.engine) as s:
            body = s.scalars(select(LogLeaf.body).where(col(LogLeaf.idx) == index)).one()
            s.execute(
                text("UPDATE query_log_leaf SET body = :b WHERE idx = :i"),
                {"b": body.replace(b'"court-2"', b'"court-9"'), "i": index},
            )
            s.commit()
        rows = _history(client, mint, code)
        assert rows[1]["agency"] == "court-9"  # the page shows the altered row...
        with pytest.raises(BindingError, match="does not hash"):
            verify_history(rows, _vkey(client))  # ...and it fails verification
        # A row edited on the way to the citizen fails the same way.
        fresh = _history(client, mint, code)
        fresh[0]["agency"] = "court-7"
        with pytest.raises(BindingError, match="agency"):
            verify_history([fresh[0]], _vkey(client))

    def test_a_row_left_out_of_the_history_shows(self, client, mint, app, runtime):
        code = _person_queried(client, mint, app, runtime)
        rows = _history(client, mint, code)
        with pytest.raises(BindingError, match="missing"):
            verify_history([rows[0], rows[2]], _vkey(client))
        # Without its oldest row the rest still checks, but is not shown whole.
        assert verify_history(rows[:2], _vkey(client)).complete is False

    def test_the_cli_checks_a_saved_history_and_a_saved_answer(
        self, client, mint, app, runtime, tmp_path: Path
    ):
        code = _person_queried(client, mint, app, runtime)
        key = tmp_path / "log.vkey"
        key.write_text(_vkey(client))
        saved = tmp_path / "history.json"
        saved.write_text(json.dumps(_history(client, mint, code)))
        runner = CliRunner()
        ok = runner.invoke(cli, ["receipt", "verify", str(saved), "--log-key", str(key)])
        assert ok.exit_code == 0, ok.output
        assert "3 queries proven" in ok.output
        assert "complete back to the first query" in ok.output
        rows = json.loads(saved.read_text())
        del rows[1]
        saved.write_text(json.dumps(rows))
        gap = runner.invoke(cli, ["receipt", "verify", str(saved), "--log-key", str(key)])
        assert gap.exit_code == 1
        assert "missing" in gap.output
        answer = tmp_path / "answer.json"
        answer.write_text(json.dumps(ok_json(agency_query(client, mint, code))))
        one = runner.invoke(cli, ["receipt", "verify", str(answer), "--log-key", str(key)])
        assert one.exit_code == 0, one.output


class TestPublicLeavesLinkNobody:
    def test_no_two_leaves_of_one_person_share_a_value_only_they_can_tie(
        self, client, mint, app, runtime
    ):
        code = _person_queried(client, mint, app, runtime)
        rows = _history(client, mint, code)
        leaves = list(_leaves(runtime).values())
        raw = json.dumps(leaves)
        for row in rows:
            assert row["private"]["subject"] not in raw
            for entry_id in row["private"]["entries"]:
                assert entry_id not in raw
        commits = [leaf["commit"] for leaf in leaves if leaf.get("commit")]
        prevs = [leaf["prev"] for leaf in leaves if leaf.get("prev")]
        assert len(set(commits)) == len(commits)
        assert len(set(prevs)) == len(prevs)
        assert not set(commits) & set(prevs)

    def test_the_agency_can_open_its_own_answer_but_not_the_chain(self, client, mint, app, runtime):
        code = _person_queried(client, mint, app, runtime, agencies=("court-1",))
        answer = ok_json(agency_query(client, mint, code, agency="bank-1"))
        verify_answer(answer["receipt"], _vkey(client))
        assert "secret" not in answer["receipt"]
        altered = {**answer["receipt"], "private": {**answer["receipt"]["private"], "entries": []}}
        with pytest.raises(BindingError, match="commits"):
            verify_answer(altered, _vkey(client))


class TestSealedQueries:
    def test_invisible_until_it_unseals_then_it_verifies(self, client, mint, app, runtime):
        code = _person_queried(client, mint, app, runtime, agencies=("court-1",))
        until = clock.today() + timedelta(days=30)
        sealed = agency_query(client, mint, code, agency="police-1", legal_basis=None)
        assert sealed.status_code == 422  # no basis at all: refused, and not sealed
        res = client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="police-1")),
            json={
                "subject_code": code,
                "purpose": "licensing",
                "legal_basis": "criminal_investigation",
                "sealed_until": until.isoformat(),
            },
        )
        assert res.status_code == 200
        ok_json(agency_query(client, mint, code, agency="court-2"))
        _checkpoint(app, runtime)
        rows = _history(client, mint, code)
        assert "police-1" not in json.dumps(rows)
        # The rows around the sealed one still chain: nothing shows that it exists.
        assert verify_history(rows, _vkey(client)).complete
        clock.advance(timedelta(days=31))
        _checkpoint(app, runtime)
        rows = _history(client, mint, code)
        assert [r["agency"] for r in rows if r["agency"] == "police-1"] == ["police-1"]
        check = verify_history(rows, _vkey(client))
        assert check.complete
        assert check.verified == len(rows)

    def test_a_refused_seal_hides_nothing(self, client, mint, app, runtime):
        code = _person_queried(client, mint, app, runtime, agencies=("court-1",))
        until = clock.today() + timedelta(days=90)
        refused = client.post(
            "/api/v1/queries",
            headers=bearer(mint("agency", agency="court-5")),
            json={
                "subject_code": code,
                "purpose": "licensing",
                "legal_basis": "court_enforcement",
                "sealed_until": until.isoformat(),
            },
        )
        assert refused.status_code == 422
        assert refused.json()["rule"] == "seal_not_allowed"
        _checkpoint(app, runtime)
        rows = _history(client, mint, code)
        (row,) = [r for r in rows if r["agency"] == "court-5"]
        assert row["outcome"] == "refused"
        assert row["leaf"]["sealed_until"] is None
        assert verify_history(rows, _vkey(client)).complete


class TestFrozenRecord:
    def test_a_legal_basis_query_of_a_frozen_record_is_flagged(self, client, mint, runtime):
        code = make_code()
        record_entry(client, mint, **watch_fields(subject_code=code))
        me = bearer(mint("citizen", credit_code=code))
        assert client.put("/api/v1/me/freeze", headers=me).status_code == 200
        answer = ok_json(agency_query(client, mint, code, agency="court-1"))
        ok_json(agency_query(client, mint, make_code(), agency="court-1"))
        with Session(runtime.engine) as s:
            flags = {(f.log_index, f.reason) for f in s.scalars(select(QueryFlag))}
        assert (answer["log_index"], "frozen") in flags
        assert [r for _i, r in flags if r == "frozen"] == ["frozen"]


@pytest.fixture
def witness_set(app, tmp_path: Path) -> Iterator[WitnessSet]:
    """Two witnesses of the app's log on loopback ports, required as a quorum of two."""
    signer = state_of(app).log_signer
    with ExitStack() as stack:
        pairs = []
        for i in (1, 2):
            data = tmp_path / f"w{i}"
            init_witness(data, name=f"witness.test/w{i}")
            add_log(data, origin=signer.origin, vkey=signer.verifier_key())
            witness = Witness.open(data)
            pairs.append((stack.enter_context(serve_app(create_witness_app(witness))), witness))
        yield WitnessSet.parse([(url, w.cosigner.vkey()) for url, w in pairs], quorum=2, timeout=5)


class TestWitnessedHistory:
    def test_receipts_are_against_what_the_quorum_cosigned_and_verify_with_it(
        self, client, mint, app, runtime, witness_set, tmp_path: Path
    ):
        code = _person_queried(client, mint, app, runtime)
        collect_cosignatures(engine=runtime.engine, witnesses=witness_set, now=clock.now())
        ok_json(agency_query(client, mint, code, agency="court-4"))
        _checkpoint(app, runtime)  # stored, not yet cosigned
        keys = [str(k) for k in witness_set.keys]
        with Session(runtime.engine) as s:
            rows = [
                r.model_dump(mode="json")
                for r in query_history(
                    session=s,
                    keyring=runtime.keyring,
                    code_index=runtime.keyring.blind_index(code),
                    now=clock.now(),
                    witnesses=witness_set,
                )
            ]
        # The newest query is not under a checkpoint both witnesses cosigned yet: pending.
        assert [r["receipt"] is None for r in rows] == [True, False, False, False]
        check = verify_history(rows, _vkey(client), witnesses=keys, quorum=2)
        assert (check.verified, check.pending, check.complete) == (3, 1, True)
        # The same receipts short of the quorum fail, on the command line too.
        stranger = cosigner_vkey("witness.test/w9", Ed25519PrivateKey.generate().public_key())
        with pytest.raises(ValueError, match="1 valid witness cosignatures, quorum is 2"):
            verify_history(rows, _vkey(client), witnesses=[keys[0], stranger], quorum=2)
        key, saved, quorum = tmp_path / "k", tmp_path / "h.json", tmp_path / "w.json"
        key.write_text(_vkey(client))
        saved.write_text(json.dumps(rows))
        quorum.write_text(json.dumps({"quorum": 2, "witnesses": keys}))
        runner = CliRunner()
        args = ["receipt", "verify", str(saved), "--log-key", str(key), "--witnesses"]
        assert runner.invoke(cli, [*args, str(quorum)]).exit_code == 0
        answer = tmp_path / "a.json"
        answer.write_text(json.dumps(ok_json(agency_query(client, mint, code))))
        # An answer's own receipt is signed for its size on the spot, cosigned by nobody.
        lone = runner.invoke(
            cli,
            ["receipt", "verify", str(answer), "--log-key", str(key), "--witnesses", str(quorum)],
        )
        assert lone.exit_code == 1
