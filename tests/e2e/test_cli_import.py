"""End to end through the installed `credence import`: a department's file, as batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from core.context import Context
from core.models import Entry
from core.runtime import open_runtime
from core.settings import Settings
from tests.factories import make_payload
from tests.factories.directory import make_department
from tests.support.server import run_credence, use_data_dir_keys

DEPARTMENT = "sz-tax-bureau"


@pytest.fixture(autouse=True)
def _keys_of_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_data_dir_keys(monkeypatch, tmp_path)


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=None, oidc_issuer=None)


def _register_department(data_dir: Path) -> None:
    rt = open_runtime(_settings(data_dir))
    try:
        with Session(rt.engine) as session:
            make_department(Context(session, rt.keyring), DEPARTMENT)
            session.commit()
    finally:
        rt.engine.dispose()


def _entries(data_dir: Path) -> int:
    rt = open_runtime(_settings(data_dir))
    try:
        with Session(rt.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Entry)) or 0)
    finally:
        rt.engine.dispose()


def _submissions(n: int) -> list[dict[str, object]]:
    return [make_payload().model_dump(mode="json") for _ in range(n)]


class TestImport:
    def test_records_a_json_lines_file_and_a_rerun_finds_it_recorded(self, tmp_path):
        _register_department(tmp_path)
        rows = _submissions(3)
        path = tmp_path / "entries.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
        first = run_credence(tmp_path, "import", str(path), "--department", DEPARTMENT)
        assert "3 created" in first.stdout
        assert "0 invalid" in first.stdout
        again = run_credence(tmp_path, "import", str(path), "--department", DEPARTMENT)
        assert "0 created" in again.stdout
        assert "3 already recorded" in again.stdout
        assert _entries(tmp_path) == 3
        # Not a terminal: a summary line, no bar.
        assert "━" not in first.stderr + first.stdout

    def test_an_invalid_item_is_named_by_place_and_rule_never_by_value(self, tmp_path):
        _register_department(tmp_path)
        rows = _submissions(2)
        bad_code = str(rows[1]["subject_code"])
        rows[1]["subject_code"] = bad_code[:-1] + ("0" if bad_code[-1] != "0" else "1")
        path = tmp_path / "entries.json"
        path.write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
        res = run_credence(tmp_path, "import", str(path), "--department", DEPARTMENT, check=False)
        assert res.returncode == 1
        assert "1 created" in res.stdout
        assert "1 invalid" in res.stdout
        assert "item 1: invalid subject_code" in res.stderr
        output = res.stdout + res.stderr
        for value in (bad_code[:-1], str(rows[0]["subject_code"]), str(rows[1]["subject_name"])):
            assert value not in output
        assert _entries(tmp_path) == 1

    def test_an_unregistered_department_is_refused_and_nothing_is_stored(self, tmp_path):
        _register_department(tmp_path)
        path = tmp_path / "entries.json"
        path.write_text(json.dumps(_submissions(1), ensure_ascii=False), "utf-8")
        res = run_credence(
            tmp_path, "import", str(path), "--department", "sz-tax-bureua", check=False
        )
        assert res.returncode == 2
        assert "rule: department_unknown" in res.stderr
        assert _entries(tmp_path) == 0

    def test_a_file_that_is_not_json_is_refused_by_line(self, tmp_path):
        path = tmp_path / "entries.jsonl"
        path.write_text('{"external_id": "A"}\n{not json\n', "utf-8")
        res = run_credence(tmp_path, "import", str(path), "--department", DEPARTMENT, check=False)
        assert res.returncode == 2
        assert "at line 2" in res.stderr
        assert "not json" not in res.stderr
