"""Browser-test fixtures: a live demo server, Debian's Chromium through Playwright, axe-core.

Chromium is the system one (`scripts/browser-setup.sh` installs it); when it is missing
the browser tests are skipped with that reason (and fail under `make test`, which sets
CREDENCE_REQUIRE_BROWSER=1). axe-core is the copy in the `axe-playwright-python` wheel.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

from tests.support.server import run_credence, serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class A11y:
    """axe-core (shipped by the `axe-playwright-python` wheel) run on a page."""

    axe_source: str
    engine: str = "axe-core"

    def serious(self, page: object) -> list[dict[str, object]]:
        """Serious and critical violations on the page as it is now."""
        page.evaluate(self.axe_source + "\n;0")  # type: ignore[attr-defined]
        result = page.evaluate(  # type: ignore[attr-defined]
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]
            if v.get("impact") in ("serious", "critical")
        ]


@pytest.fixture(scope="session")
def a11y() -> A11y:
    """The accessibility checker for this run (a test dependency, never optional)."""
    source = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text()
    assert "axe" in source[:200], "axe-core's source is not where the wheel keeps it"
    return A11y(source)


def demo_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[str, Path]]:
    """A live `credence serve` over a fresh demo data set: (base URL, data dir)."""
    data = tmp_path_factory.mktemp(name)
    run_credence(data, "demo")
    with serving(data) as (base, _output):
        yield base, data


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A live `credence serve` over the demo data set: (base URL, data dir)."""
    yield from demo_server(tmp_path_factory, "pages-demo")


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Debian's Chromium, headless, with a fresh profile."""
    if not CHROMIUM.exists():
        if os.environ.get("CREDENCE_REQUIRE_BROWSER") == "1":
            pytest.fail("/usr/bin/chromium is missing and `make test` requires it")
        pytest.skip(
            "/usr/bin/chromium is missing: run scripts/browser-setup.sh (as root) — "
            "`make test` must install it for the browser tests to run"
        )
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def shoot(page: object, name: str) -> None:
    """Write a full-page screenshot to tests/browser/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def dump(name: str, value: object) -> None:
    """Write a JSON artefact next to the screenshots."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(value, ensure_ascii=False, indent=2))
