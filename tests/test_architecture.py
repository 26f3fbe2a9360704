"""Imports point one way: cli → api → core → crypto; crypto uses only stdlib + cryptography."""

from __future__ import annotations

import ast
import re
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
# rfc8785: the leaf encoding (JSON canonicalisation), pure Python, no I/O.
CRYPTO_THIRD_PARTY = {"cryptography", "rfc8785"}
# The HSM binding is optional: only the PKCS#11 provider may import it.
HSM_BINDING = {"pkcs11_provider.py": {"pkcs11"}}
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
            and m not in CRYPTO_THIRD_PARTY | HSM_BINDING.get(path.name, set()) | {"crypto"}
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


def _modules(path: Path) -> set[str]:
    """Every project or library module a file imports, by its whole dotted name."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from core.entries import repository` names the module `core.entries.repository`.
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _project_files() -> dict[str, Path]:
    return {_module_name(p): p for layer in LAYERS for p in _files(layer)}


def _is_repository(module: str) -> bool:
    leaf = module.rsplit(".", 1)[-1]
    return leaf == "repository" or leaf.endswith("_repository")


def _is_schemas(module: str) -> bool:
    leaf = module.rsplit(".", 1)[-1]
    return leaf == "schemas" or leaf.endswith("_schemas")


# Where SQL may be written besides repository modules: the engine and writer rule, the
# prepared-statement runner, and table models (a partial index's WHERE is DDL).
SQL_HOMES = {"core.db", "core.prepared"}
SQL_HOME_PACKAGES = ("core.models",)
_SQL_WORDS = r"\b(select|update|insert|delete|text|func)\b"
_SQL_IMPORTS = re.compile(r"^\s*from (sqlalchemy|sqlmodel)[\w.]* import [^\n]*" + _SQL_WORDS, re.M)
_SQL_CALLS = re.compile(r"\.(exec|execute)\(")


def test_sql_is_written_only_in_repository_modules():
    for module, path in _project_files().items():
        if (
            _is_repository(module)
            or module in SQL_HOMES
            or module.startswith(SQL_HOME_PACKAGES)
            or module.split(".")[0] in {"cli", "migrations"}
        ):
            continue
        found = _sql_in(path.read_text("utf-8"))
        assert found is None, f"{path.relative_to(ROOT)} writes SQL: {found!r}"


def _sql_in(source: str) -> str | None:
    """The first SQL-building import or statement call in a source, if any."""
    found = _SQL_IMPORTS.search(source) or _SQL_CALLS.search(source)
    return None if found is None else found.group(0).strip()


def test_the_sql_rule_catches_a_query():
    assert _sql_in("from sqlalchemy import Engine, select\n") is not None
    assert _sql_in("rows = session.exec(stmt).all()\n") is not None
    assert _sql_in("from sqlalchemy import Engine\nfrom sqlmodel import Session\n") is None


# A schemas module describes data: it may use other schemas and pure rules, never a
# module that reaches the database (a service, an engine, a repository).
_STORAGE = ("sqlmodel", "sqlalchemy", "core.db", "core.prepared", "core.keyring")


def _reaches_storage(module: str, files: dict[str, Path]) -> bool:
    path = files.get(module)
    if path is None or module.startswith("core.models"):
        return False
    return _is_repository(module) or any(m.startswith(_STORAGE) for m in _modules(path))


def test_schemas_never_import_services():
    files = _project_files()
    for module, path in files.items():
        if not (module.startswith("core.") and _is_schemas(module)):
            continue
        bad = _services_imported(path, files)
        assert not bad, f"{path.relative_to(ROOT)} imports services {sorted(bad)}"


def _services_imported(path: Path, files: dict[str, Path]) -> set[str]:
    return {
        m
        for m in _modules(path)
        if m in files and not _is_schemas(m) and _reaches_storage(m, files)
    }


def test_the_schemas_rule_catches_a_service(tmp_path):
    service, rules, schemas = (tmp_path / f"{n}.py" for n in ("service", "rules", "schemas"))
    service.write_text("from sqlmodel import Session\n")
    rules.write_text("from datetime import date\n")
    schemas.write_text("from core.x import rules, service\n")
    files = {"core.x.service": service, "core.x.rules": rules, "core.x.schemas": schemas}
    assert _services_imported(schemas, files) == {"core.x.service"}


def _core_domains() -> set[str]:
    return {
        p.name
        for p in (ROOT / "core").iterdir()
        if (p / "__init__.py").exists() and p.name != "models"
    }


# Core modules every api domain may use: the top-level core modules (settings, clock,
# codes, errors…), the table models, the calendar, who is calling, and the names of the
# departments and agencies every page prints.
SHARED_CORE = ("core.models", "core.calendar", "core.identity.principal", "core.directory")
# The readers that span domains, each with why: nothing else may cross.
CROSSES = {
    "pages": {"*"},  # what every page shares; it mounts every domain's pages
    "reports": {"cases", "consents", "entries", "queries"},  # the report is made of their views
    "audit": {"queries", "querylog"},  # the auditor reads the log of queries
    "ops": {"cases", "querylog"},  # readiness and metrics: open cases, the log's integrity
    "identity": {"demo", "public"},  # dev sign-in lists the demo people, names masked
    "public": {"demo"},  # the home page says when the data are the demo's
    "entries": {"public"},  # a recorder sees the name masked as the public does
    "cases": {"entries"},  # a repair page shows the entry it is about
    "consents": {"entries", "queries"},  # grants name the subject and a query purpose
}


def _crossings(path: Path, domain: str, domains: set[str]) -> set[str]:
    allowed = CROSSES.get(domain, set())
    bad = set()
    for m in _modules(path):
        parts = m.split(".")
        if parts[0] == "core" and len(parts) > 1 and parts[1] in domains:
            if m.startswith(SHARED_CORE) or parts[1] == domain:
                continue
            if "*" in allowed or parts[1] in allowed:
                continue
            bad.add(m)
        elif (
            parts[0] == "api"
            and len(parts) > 1
            and parts[1] in domains | {"pages"}
            and parts[1] not in {domain, "pages"}
            and "*" not in allowed
        ):
            bad.add(m)
    return bad


def test_each_api_domain_uses_only_its_own_core_domain_and_shared_modules():
    domains = _core_domains()
    assert {"entries", "cases", "queries", "querylog"} <= domains
    for path in _files("api"):
        parts = path.relative_to(ROOT).parts
        if len(parts) < 3:
            continue  # api/*.py: the app, dependencies, problems, policies
        bad = _crossings(path, parts[1], domains)
        assert not bad, f"{path.relative_to(ROOT)} reaches other domains: {sorted(bad)}"


def test_the_domain_rule_catches_a_crossing(tmp_path):
    bad = tmp_path / "pages.py"
    bad.write_text("from core.querylog import service\nfrom api.cases import pages\n")
    found = _crossings(bad, "entries", {"entries", "querylog", "cases"})
    assert found == {"core.querylog", "core.querylog.service", "api.cases", "api.cases.pages"}


def test_routes_reach_storage_only_through_services():
    for path in _files("api"):
        bad = {
            m
            for m in _modules(path)
            if _is_repository(m) or m == "core.prepared" or m.startswith("sqlalchemy.orm")
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


# Where the api may still hand a keyring or calendar to core by hand, each with why.
HANDS_KEYS = {
    "api/deps.py",  # builds the request's context from the runtime
    "api/app.py",  # the authenticator holds the process keyring
    "api/ops/endpoints.py",  # readiness checks the key provider (core.ops takes the keyring)
    "api/ops/maintenance.py",  # the sweeper opens its own sessions (core.ops)
    "api/pages/session.py",  # the web-session store seals with the keyring it was made with
}


def _hands_keys(source: str) -> list[int]:
    """The lines of calls that pass `keyring=` or `calendar=` by hand."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and any(k.arg in {"keyring", "calendar"} for k in node.keywords)
    )


def test_routes_and_pages_hand_core_their_context_not_its_parts():
    for path in _files("api"):
        name = path.relative_to(ROOT).as_posix()
        if name in HANDS_KEYS:
            continue
        lines = _hands_keys(path.read_text())
        assert not lines, f"{name}:{lines} passes a keyring or calendar: pass the Context"


def test_the_context_rule_catches_a_keyring_by_hand():
    assert _hands_keys("service.read(session=s, keyring=ctx.keyring, today=d)\n") == [1]
    assert _hands_keys("service.read(ctx, department=d)\n") == []
