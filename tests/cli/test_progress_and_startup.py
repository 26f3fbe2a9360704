"""The command line's progress bars (a terminal only) and its lazy start-up."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app
from cli.progress import meter
from core.clock import clock
from core.demo.dataset import demo_plan, load_demo
from core.demo.people import demo_people
from core.entries.sweeper import sweep
from core.progress import SILENT
from tests.support.progress import Recorded

ROOT = Path(__file__).resolve().parents[2]
# What only a command's work needs: none of it may load for `--help`.
HEAVY = ("sqlalchemy", "sqlmodel", "fastapi", "starlette", "reportlab", "alembic", "argon2")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestMeter:
    def test_silent_when_the_stream_is_not_a_terminal(self) -> None:
        with meter("anything", stream=io.StringIO()) as progress:
            assert progress is SILENT

    def test_draws_a_bar_with_its_label_and_count_on_a_terminal(self) -> None:
        out = _Terminal()
        with meter("re-wrapping data keys", stream=out) as progress:
            progress.total(4)
            progress.advance(3)
        drawn = out.getvalue()
        assert "re-wrapping data keys" in drawn
        assert "3/4" in drawn


class TestStartUp:
    def test_help_loads_no_database_web_or_pdf_module(self) -> None:
        probe = (
            "import sys\n"
            "from cli.main import app\n"
            "try:\n"
            "    app(['--help'], standalone_mode=False)\n"
            "except SystemExit:\n"
            "    pass\n"
            f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert "Usage" in run.stdout
        assert run.stdout.strip().endswith("LOADED []")

    def test_help_lists_the_role_choices(self) -> None:
        runner = CliRunner()
        clients = runner.invoke(app, ["clients", "add", "--help"], env={"COLUMNS": "200"})
        assert clients.exit_code == 0
        assert "agency|recorder|objection_officer|repair_officer|auditor|admin" in clients.output
        token = runner.invoke(app, ["dev-token", "--help"], env={"COLUMNS": "200"})
        assert "citizen|agency|recorder" in token.output

    def test_every_group_lists_its_commands(self) -> None:
        runner = CliRunner()
        clients = runner.invoke(app, ["clients", "--help"], env={"COLUMNS": "200"}).output
        assert all(word in clients for word in ("add", "list", "revoke"))
        top = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
        assert all(word in top for word in ("demo", "import", "sweep", "keys", "log"))


class TestCoreReportsProgress:
    def test_the_demo_announces_its_plan_and_advances_through_it(self, fresh_engine, keyring):
        seen = Recorded()
        with Session(fresh_engine) as session:
            result = load_demo(session=session, keyring=keyring, count=6, progress=seen)
        planned = len(demo_plan(demo_people(6), clock.today()))
        assert seen.totals == [planned]
        assert seen.done == planned == result.created + result.existing

    def test_the_sweep_advances_by_what_it_examined(self, fresh_engine, keyring):
        with Session(fresh_engine) as session:
            load_demo(session=session, keyring=keyring, count=6)
        clock.advance(timedelta(days=800))  # past the display periods of the demo entries
        seen = Recorded()
        report = sweep(engine=fresh_engine, keyring=keyring, now=clock.now(), progress=seen)
        assert seen.totals == [None]
        assert report.examined > 0
        assert seen.done == report.examined  # no erroneous listing: every part is an entry


def test_json_lines_and_arrays_read_the_same(tmp_path: Path) -> None:
    from cli.data import _items

    rows = [{"external_id": "A"}, {"external_id": "B"}]
    (tmp_path / "a.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("\n".join(map(json.dumps, rows)) + "\n", encoding="utf-8")
    assert _items(tmp_path / "a.json") == _items(tmp_path / "a.jsonl") == rows
