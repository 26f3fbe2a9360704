"""Each template lives in one folder: its domain's, or the shared one in api/pages."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from api.pages.render import API_DIR, TEMPLATE_DIRS, TEMPLATES_DIR, templates


def _names(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")}


def _folders_by_name(folders: tuple[Path, ...]) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = defaultdict(list)
    for folder in folders:
        for name in _names(folder):
            found[name].append(folder)
    return found


class TestTemplateFolders:
    def test_no_template_name_is_defined_in_two_folders(self):
        twice = {n: f for n, f in _folders_by_name(TEMPLATE_DIRS).items() if len(f) > 1}
        assert twice == {}

    def test_the_rule_catches_a_name_defined_twice(self, tmp_path):
        for room in ("a", "b"):
            (tmp_path / room / "me").mkdir(parents=True)
            (tmp_path / room / "me" / "page.html").write_text("")
        found = _folders_by_name((tmp_path / "a", tmp_path / "b"))
        assert found == {"me/page.html": [tmp_path / "a", tmp_path / "b"]}

    def test_every_templates_folder_under_api_is_searched(self):
        on_disk = {d for d in API_DIR.glob("**/templates") if d.is_dir()}
        assert set(TEMPLATE_DIRS) == on_disk
        assert TEMPLATE_DIRS[0] == TEMPLATES_DIR

    def test_the_loader_finds_every_template_file(self):
        files = sum(len(_names(d)) for d in TEMPLATE_DIRS)
        assert len(templates.env.list_templates(extensions=["html"])) == files

    def test_domain_folders_sit_beside_the_pages_that_render_them(self):
        for folder in TEMPLATE_DIRS[1:]:
            assert list(folder.parent.glob("*pages.py")), folder
