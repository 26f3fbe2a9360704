"""Imports point one way: cli → api → core → crypto; crypto uses only stdlib + cryptography."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("cli", "api", "core", "crypto")
# What each layer may import from the project (migrations sit beside cli: they may use core).
ALLOWED = {
    "crypto": {"crypto"},
    "core": {"core", "crypto", "migrations"},
    "api": {"api", "core", "crypto"},
    "cli": {"cli", "api", "core", "crypto"},
    "migrations": {"migrations", "core"},
}
PROJECT = set(ALLOWED)
CRYPTO_THIRD_PARTY = {"cryptography"}
FORBIDDEN_IN_CORE = {"fastapi", "starlette", "uvicorn"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer):
    assert _files(layer), f"no sources found for {layer}"
    for path in _files(layer):
        bad = (_imports(path) & PROJECT) - ALLOWED[layer]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_crypto_imports_only_stdlib_and_cryptography():
    for path in _files("crypto"):
        outside = {
            m
            for m in _imports(path)
            if m not in sys.stdlib_module_names
            and m not in CRYPTO_THIRD_PARTY | {"crypto"}
            and m != "__future__"
        }
        assert not outside, f"{path.relative_to(ROOT)} imports {sorted(outside)}"


def test_core_never_imports_the_web_framework():
    for path in _files("core"):
        assert not (_imports(path) & FORBIDDEN_IN_CORE), path


def test_the_checker_catches_a_backward_arrow(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from api.app import create_app\nimport fastapi\n")
    assert _imports(bad) & PROJECT - ALLOWED["core"] == {"api"}


def test_routes_reach_storage_only_through_services():
    for path in _files("api"):
        tree = ast.parse(path.read_text("utf-8"))
        modules = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        bad = {
            m
            for m in modules
            if m.endswith("repository") or m in {"core.prepared"} or m.startswith("sqlalchemy.orm")
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
