"""End to end through the installed `credence`: `calendar status`."""

from __future__ import annotations

import json
from pathlib import Path

from core.calendar.workdays import PACKAGE_YEARS
from tests.support.server import run_credence

RANGE = f"{PACKAGE_YEARS.start}-{PACKAGE_YEARS.stop - 1}"


class TestCalendarStatus:
    def test_the_package_range_and_every_other_year_provisional(self, tmp_path: Path):
        done = run_credence(tmp_path, "calendar", "status", check=False)
        assert done.returncode == 0, done.stderr
        assert f"official (chinesecalendar package data): {RANGE}" in done.stdout
        assert "no years declared" in done.stdout
        assert "provisional: every other year" in done.stdout

    def test_declared_years_are_official(self, tmp_path: Path):
        path = tmp_path / "holidays.json"
        path.write_text(json.dumps({"years": [2027, 2028]}), "utf-8")
        done = run_credence(
            tmp_path,
            "calendar",
            "status",
            check=False,
            CREDENCE_HOLIDAY_OVERRIDES_FILE=str(path),
        )
        assert done.returncode == 0, done.stderr
        assert f"official (overrides file, {path}): 2027, 2028" in done.stdout

    def test_a_broken_overrides_file_is_named_and_exits_2(self, tmp_path: Path):
        path = tmp_path / "holidays.json"
        path.write_text('{"years": [2027', "utf-8")
        done = run_credence(
            tmp_path,
            "calendar",
            "status",
            check=False,
            CREDENCE_HOLIDAY_OVERRIDES_FILE=str(path),
        )
        assert done.returncode == 2
        assert "not valid JSON" in done.stderr
        assert "Traceback" not in done.stderr
