"""Every vendored RFC 9162 proof vector (tests/data/rfc9162) gets its expected verdict."""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crypto.merkle import (
    ProofError,
    verify_consistency,
    verify_inclusion,
    verify_subtree_consistency,
    verify_subtree_inclusion,
)

# Vendored with their licence and provenance (tests/data/rfc9162/README.md).
VECTOR_ROOT = Path(__file__).resolve().parents[1] / "data" / "rfc9162"
VECTOR_FILES = sorted(VECTOR_ROOT.rglob("*.json"))
EXPECTED_COUNTS = {
    "inclusion": 98,
    "consistency": 98,
    "subtreeinclusion": 204,
    "subtreeconsistency": 118,
}
EXPECTED_TOTAL = 518


def _id(path: Path) -> str:
    return path.relative_to(VECTOR_ROOT).as_posix()


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _proof(value: list[str] | None) -> list[bytes]:
    return [base64.b64decode(h) for h in value or []]


def _check(kind: str, v: dict[str, Any]) -> None:
    proof = _proof(v["proof"])
    if kind == "inclusion":
        verify_inclusion(_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, _b64(v["root"]))
    elif kind == "consistency":
        verify_consistency(v["size1"], v["size2"], proof, _b64(v["root1"]), _b64(v["root2"]))
    elif kind == "subtreeinclusion":
        verify_subtree_inclusion(
            _b64(v["leafHash"]), v["leafIdx"], v["start"], v["end"], proof, _b64(v["root"])
        )
    elif kind == "subtreeconsistency":
        verify_subtree_consistency(
            v["start"], v["end"], v["size"], proof, _b64(v["root1"]), _b64(v["root2"])
        )
    else:
        pytest.fail(f"unknown vector folder {kind!r}")


class TestVectorCollection:
    def test_every_vector_file_is_collected(self) -> None:
        assert len(VECTOR_FILES) == EXPECTED_TOTAL

    def test_every_folder_is_present_with_its_files(self) -> None:
        counts = Counter(path.relative_to(VECTOR_ROOT).parts[0] for path in VECTOR_FILES)
        assert counts == EXPECTED_COUNTS


class TestVectorVerdicts:
    @pytest.mark.parametrize("path", VECTOR_FILES, ids=[_id(p) for p in VECTOR_FILES])
    def test_verdict_matches_want_err(self, path: Path) -> None:
        vector = json.loads(path.read_text(encoding="utf-8"))
        kind = path.relative_to(VECTOR_ROOT).parts[0]
        if vector["wantErr"]:
            with pytest.raises(ProofError):
                _check(kind, vector)
        else:
            _check(kind, vector)
