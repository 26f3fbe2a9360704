"""The query log as C2SP tlog-tiles over HTTP: tiles, consistency proofs, checkpoint history."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from api.state import state_of
from core.clock import clock
from core.models.querylog import LogCheckpoint, LogLeaf, LogNode, LogState
from core.paging import write_cursor
from core.querylog.appends import append_leaves
from core.querylog.checkpoints import make_checkpoint
from core.querylog.leaves import canonical_leaf
from crypto.checkpoint import open_checkpoint, parse_verifier_key
from crypto.merkle import leaf_hash, subtree_root, verify_consistency

LOG = "/api/v1/public/log"
PROBLEM = "application/problem+json"
SIGNED = 600  # two full level-0 tiles, a partial one of 88, a partial level-1 tile of 2
UNSIGNED = 50  # appended after the last checkpoint: never served


def _bodies(start: int, stop: int) -> list[bytes]:
    return [
        canonical_leaf({"n": i, "agency": "bank-1", "outcome": "empty"}) for i in range(start, stop)
    ]


@pytest.fixture
def log(client, app, runtime):
    """A log of SIGNED + UNSIGNED leaves, checkpointed at 5 and at SIGNED; the leaf hashes."""
    signer = state_of(app).log_signer
    bodies = _bodies(0, SIGNED + UNSIGNED)
    roots = {}
    with Session(runtime.engine) as session:
        append_leaves(session=session, bodies=bodies[:5], now=clock.now())
        roots[5] = make_checkpoint(session=session, signer=signer, now=clock.now()).root
        append_leaves(session=session, bodies=bodies[5:SIGNED], now=clock.now())
        roots[SIGNED] = make_checkpoint(session=session, signer=signer, now=clock.now()).root
        append_leaves(session=session, bodies=bodies[SIGNED:], now=clock.now())
        session.commit()
    return [leaf_hash(b) for b in bodies], roots


def _split(data: bytes) -> list[bytes]:
    assert len(data) % 32 == 0
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def _snapshot(runtime) -> tuple[int, ...]:
    with Session(runtime.engine) as session:
        counts = [
            session.exec(select(func.count()).select_from(model)).one()
            for model in (LogLeaf, LogNode, LogCheckpoint)
        ]
        state = session.exec(select(LogState.size)).one()
    return (*counts, state)


class TestCheckpoint:
    def test_latest_signed_note_verifies(self, client, log):
        res = client.get(f"{LOG}/checkpoint")
        assert res.status_code == 200
        assert res.headers["content-type"] == "text/plain; charset=utf-8"
        assert res.headers["cache-control"] == "no-cache"
        key = parse_verifier_key(client.get("/api/v1/public/log-key").text)
        cp = open_checkpoint(res.text, key.name, key.public_key)
        assert cp.size == SIGNED
        assert cp.root == log[1][SIGNED]
        assert res.text == client.get("/api/v1/public/checkpoint").text


class TestHashTiles:
    def test_full_level_zero_tiles_are_the_leaf_hashes(self, client, log):
        leaves, _ = log
        for n in (0, 1):
            res = client.get(f"{LOG}/tile/0/00{n}")
            assert res.status_code == 200
            assert res.headers["content-type"] == "application/octet-stream"
            assert res.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert _split(res.content) == leaves[n * 256 : (n + 1) * 256]

    def test_partial_level_zero_tile(self, client, log):
        leaves, _ = log
        res = client.get(f"{LOG}/tile/0/002.p/88")
        assert res.status_code == 200
        assert "immutable" not in res.headers["cache-control"]
        assert _split(res.content) == leaves[512:600]
        # Any narrower partial tile of the signed tree is its prefix (a checkpoint at 5).
        assert _split(client.get(f"{LOG}/tile/0/000.p/5").content) == leaves[:5]

    def test_partial_level_one_tile_holds_the_roots_of_full_tiles_below(self, client, log):
        leaves, _ = log
        res = client.get(f"{LOG}/tile/1/000.p/2")
        assert res.status_code == 200
        assert _split(res.content) == [subtree_root(leaves, 0, 256), subtree_root(leaves, 256, 512)]

    def test_tiles_rebuild_the_signed_root(self, client, log):
        _, roots = log
        level0 = b"".join(
            client.get(f"{LOG}/tile/0/{p}").content for p in ("000", "001", "002.p/88")
        )
        assert subtree_root(_split(level0)) == roots[SIGNED]

    @pytest.mark.parametrize(
        "path",
        [
            "tile/0/002",  # full tile 2 needs 768 leaves: 650 are stored, 600 signed
            "tile/0/002.p/89",  # leaf 600 is stored but not signed
            "tile/0/002.p/138",  # every stored leaf, past the signed size
            "tile/0/003.p/1",
            "tile/1/000",
            "tile/1/000.p/3",
            "tile/2/000.p/1",
            "tile/0/x001/000",
            "tile/63/x009/x223/x372/x036/x854/x775/807",
        ],
    )
    def test_nothing_past_the_signed_tree(self, client, log, runtime, path):
        before = _snapshot(runtime)
        res = client.get(f"{LOG}/{path}")
        assert res.status_code == 404
        assert res.headers["content-type"] == PROBLEM
        assert res.json()["type"].endswith("/not-found")
        assert _snapshot(runtime) == before

    @pytest.mark.parametrize(
        "path",
        [
            "tile/0/1",
            "tile/0/x1/2",
            "tile/0/x000/001",
            "tile/00/000",
            "tile/64/000",
            "tile/-1/000",
            "tile/0/-01",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/01",
            "tile/0/000.p/-1",
            "tile/0/000/",
            "tile/0/000.p/5/",
            "tile/0",
            "tile/x/000",
            "tile/0/001/002",
        ],
    )
    def test_non_canonical_paths_are_refused(self, client, log, runtime, path):
        before = _snapshot(runtime)
        res = client.get(f"{LOG}/{path}")
        assert res.status_code == 422, path
        assert res.headers["content-type"] == PROBLEM
        body = res.json()
        assert body["type"].endswith("/invalid-input")
        assert body["rule"] == "tile_path"
        assert _snapshot(runtime) == before

    def test_an_empty_log_serves_no_tile(self, client):
        res = client.get(f"{LOG}/tile/0/000.p/1")
        assert res.status_code == 404
        assert res.headers["content-type"] == PROBLEM


class TestEntryBundles:
    @pytest.mark.parametrize("path", ["000", "000.p/5", "x1/2"])
    def test_leaf_bodies_are_not_published(self, client, log, path):
        res = client.get(f"{LOG}/tile/entries/{path}")
        assert res.status_code == 404
        assert res.headers["content-type"] == PROBLEM
        assert b"bank-1" not in res.content


class TestConsistency:
    def test_proof_between_published_checkpoints(self, client, log):
        _, roots = log
        res = client.get(f"{LOG}/proof/consistency", params={"from": 5, "to": SIGNED})
        assert res.status_code == 200
        body = res.json()
        assert (body["from"], body["to"]) == (5, SIGNED)
        proof = [base64.b64decode(h) for h in body["proof"]]
        verify_consistency(5, SIGNED, proof, roots[5], roots[SIGNED])
        same = client.get(f"{LOG}/proof/consistency", params={"from": SIGNED, "to": SIGNED})
        assert same.json()["proof"] == []

    @pytest.mark.parametrize(
        ("params", "status"),
        [
            ({"from": SIGNED, "to": 5}, 422),
            ({"from": 5, "to": SIGNED + 1}, 422),  # stored but not signed
            ({"from": 5, "to": SIGNED + UNSIGNED + 10}, 422),
            ({"from": 0, "to": 5}, 422),
            ({"from": -1, "to": 5}, 422),
            ({"from": "a", "to": 5}, 422),
            ({"from": 5}, 422),
            ({"from": 5, "to": 2**64}, 422),
        ],
    )
    def test_bad_sizes(self, client, log, runtime, params, status):
        before = _snapshot(runtime)
        res = client.get(f"{LOG}/proof/consistency", params=params)
        assert res.status_code == status
        assert res.headers["content-type"] == PROBLEM
        assert _snapshot(runtime) == before


class TestCheckpointHistory:
    def test_pages_smallest_first(self, client, log):
        _, roots = log
        key = parse_verifier_key(client.get("/api/v1/public/log-key").text)
        first = client.get(f"{LOG}/checkpoints", params={"limit": 2}).json()
        # The server signed the empty log at start-up, then 5 and 600 were stored.
        assert [c["size"] for c in first["items"]] == [0, 5]
        assert first["next_cursor"] is not None
        rest = client.get(
            f"{LOG}/checkpoints", params={"cursor": first["next_cursor"], "limit": 2}
        ).json()
        assert [c["size"] for c in rest["items"]] == [SIGNED]
        assert rest["next_cursor"] is None
        for item in first["items"] + rest["items"]:
            cp = open_checkpoint(item["note"], key.name, key.public_key)
            assert cp.size == item["size"]
            assert base64.b64encode(cp.root).decode() == item["root"]
        assert rest["items"][0]["root"] == base64.b64encode(roots[SIGNED]).decode()
        past = {"cursor": write_cursor("checkpoints", str(SIGNED))}
        assert client.get(f"{LOG}/checkpoints", params=past).json() == {
            "items": [],
            "next_cursor": None,
        }

    @pytest.mark.parametrize(
        "params",
        [
            {"cursor": "x"},
            {"cursor": ""},
            {"cursor": write_cursor("queries", "5")},
            {"cursor": write_cursor("checkpoints", "-1")},
            {"limit": 0},
            {"limit": 101},
        ],
    )
    def test_bad_paging(self, client, log, runtime, params):
        before = _snapshot(runtime)
        res = client.get(f"{LOG}/checkpoints", params=params)
        assert res.status_code == 422
        assert res.headers["content-type"] == PROBLEM
        assert _snapshot(runtime) == before
