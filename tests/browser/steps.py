"""Steps the browser tests share: a tab that checks every page it is shown (screenshot,
axe-core, no Content-Security-Policy violation), signing in through the development page
and out again, and the public black list's references."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import A11y, shoot


def watch_csp(page: Any) -> list[str]:
    """The Content-Security-Policy violations the page reports from now on (kept up to date)."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return errors


def sign_in_citizen(page: Any, base: str, index: int, *, lang: str | None = None) -> None:
    """Sign demo person `index` in through the development page; it lands on their record."""
    path = "/signin" if lang is None else f"/signin?lang={lang}"
    response = page.goto(base + path)
    assert response is not None
    assert response.ok, (path, response.status)
    page.select_option("#person", str(index))
    page.click("#signin-citizen button[type=submit]")
    page.wait_for_url(base + "/me")


class Tab:
    """One browser tab that checks each page it is asked to check."""

    def __init__(self, context: Any, base: str, a11y: A11y) -> None:
        self.page = context.new_page()
        self.base = base
        self.a11y = a11y
        self.csp_errors = watch_csp(self.page)
        self.findings: dict[str, object] = {}

    def go(self, path: str) -> None:
        """Open a page of ours and expect a 2xx."""
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.ok, (path, response.status)

    def check(self, name: str) -> None:
        """Screenshot, accessibility and CSP checks of the page now shown."""
        shoot(self.page, name)
        serious = self.a11y.serious(self.page)
        self.findings[name] = serious
        assert serious == [], (name, self.a11y.engine, serious)
        assert self.csp_errors == [], (name, self.csp_errors)

    def sign_in_citizen(self, index: int) -> None:
        """Sign a demo citizen in through the development page."""
        sign_in_citizen(self.page, self.base, index)

    def sign_in_staff(self, role: str, department: str | None = None) -> None:
        """Sign in through the development page as a staff role (of a department)."""
        self.go("/signin")
        if department is not None:
            self.page.select_option(f"#department-{role}", department)
        self.page.click(f"#signin-{role} button[type=submit]")
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        """Sign out through the header's form."""
        self.page.click("header button[type=submit]")
        self.page.wait_for_url(self.base + "/")

    def black_refs(self, department: str | None = None) -> set[str]:
        """Every public reference on the public black list (of one department), every page."""
        self.go("/lists/black")
        if department is not None:
            self.page.select_option("#filter-department", department)
            self.page.click("#list-filters button[type=submit]")
            self.page.wait_for_load_state()
            assert "department=" in self.page.url
        refs: set[str] = set()
        while True:
            refs |= set(self.page.locator("table code").all_inner_texts())
            nxt = self.page.locator("a[rel=next]")
            if nxt.count() == 0:
                return refs
            if department is not None:
                assert "department=" in (nxt.get_attribute("href") or "")
            nxt.click()
