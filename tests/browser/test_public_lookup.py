"""In Debian's Chromium against the live demo server: the public lookup tells the truth.

- The page's code check (`/static/site.js`) agrees with `core/codes.py` on valid and
  broken citizen ID numbers and unified social credit codes.
- An ID number with a wrong check character is stopped in the browser with a message in
  the page language, tied to the field; sent anyway (no script, no validation), the
  server refuses it 422 as invalid, never "not found".
- A demo person's black entry is found, said to be on the black list, with its
  department's Chinese name. Every state passes axe-core with no CSP violation.
"""

from __future__ import annotations

from datetime import timedelta

from core.clock import clock
from core.codes import InvalidCode, citizen_check_char, org_check_char, validate_code
from core.demo.dataset import DEPARTMENTS, demo_plan
from core.demo.directory import DEMO_ORGANISATIONS
from core.demo.people import demo_people
from tests.browser.conftest import A11y
from tests.browser.steps import Tab
from tests.factories import make_code

PEOPLE = demo_people(50)


def _rule(code: str) -> str | None:
    try:
        validate_code(code)
    except InvalidCode as exc:
        return exc.rule
    return None


def _codes() -> list[str]:
    """Codes of every kind: valid, one character off, bad dates, regions, alphabets."""
    codes: list[str] = []
    for n in range(1, 40):
        good = make_code(n * 37)
        codes += [good, good[:-1] + ("0" if good[-1] != "0" else "1"), good.lower()]
        codes.append(good[:5] + str((int(good[5]) + 1) % 10) + good[6:])
    for first17 in ("91350100M000100Y4", "9144030071526726X", "12100000400000624"):
        good = first17 + org_check_char(first17)
        codes += [good, good[:-1] + ("A" if good[-1] != "A" else "B"), good.lower()]
    codes += [
        "110105199013404512",  # month 13
        "110105190002304512",  # 30 February
        "991105199003074512",  # no such province
        "110105209912314512",  # born in the future
        "11010519900307451",  # 17 characters
        "1101051990030745123",  # 19 characters
        "11010519900307451Z",  # a letter where only X may be
        "91350100I000100Y4A",  # I is not in the organisation alphabet
        " 110101199003074514 ",  # spaces around a valid number
        "",
    ]
    first17 = "32010219800101001"
    codes.append(first17 + citizen_check_char(first17))
    return codes


def _black_person() -> tuple[int, str]:
    """(index, department) of a demo person with a black entry displayed now."""
    today = clock.today()
    for person, domain, payload in demo_plan(PEOPLE, today):
        if (
            payload.list_kind == "black"
            and payload.severity != "minor"
            and payload.decided_on <= today - timedelta(days=25)
            and payload.display_until is not None
            and payload.display_until > today + timedelta(days=2)
        ):
            return PEOPLE.index(person), DEPARTMENTS[domain]
    raise AssertionError("the demo plan has no displayed black entry")


def test_the_browser_check_agrees_with_the_server(live, browser, a11y: A11y):
    base, _ = live
    tab = Tab(browser, base, a11y)
    tab.go("/lookup")
    codes = _codes()
    seen = tab.page.evaluate("(codes) => codes.map((c) => codeProblem(c))", codes)
    expected = [None if c.strip() == "" else _rule(c) for c in codes]
    assert list(zip(codes, seen, strict=True)) == list(zip(codes, expected, strict=True))
    assert set(expected) >= {None, "length", "charset", "region", "birth_date",
                                    "check_character"}  # fmt: skip
    tab.page.close()


def test_a_wrong_check_character_is_refused_in_the_browser_and_by_the_server(
    live, browser, a11y: A11y
):
    base, _ = live
    index, _department = _black_person()
    person = PEOPLE[index]
    wrong = person.code[:-1] + ("0" if person.code[-1] != "0" else "1")
    tab = Tab(browser, base, a11y)
    page = tab.page

    tab.go("/lookup?lang=zh")  # the browser profile is shared: say the language
    page.fill("#code", wrong)
    page.fill("#name", person.name)
    page.click("main button[type=submit]")
    # Stopped in the browser: no request, the message at the field, in Chinese.
    assert page.url == base + "/lookup?lang=zh"
    assert "校验码不符" in page.locator("#code-problem").inner_text()
    assert page.locator("#code").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.getElementById('code').validity.valid") is False
    assert page.locator("main button[type=submit]").is_enabled()
    tab.check("lookup-invalid-zh")
    # Corrected, the message goes.
    page.fill("#code", person.code)
    assert page.locator("#code-problem").inner_text() == ""

    # In English, the message is English.
    tab.go("/lookup?lang=en")
    page.fill("#code", wrong)
    page.fill("#name", person.name)
    page.click("main button[type=submit]")
    assert "check character does not match" in page.locator("#code-problem").inner_text()
    tab.check("lookup-invalid-en")

    # Sent without the check (form.submit() skips validation and the submit event): the
    # server refuses it as invalid, 422, in the page language.
    with page.expect_navigation() as nav:
        page.evaluate("document.getElementById('lookup-form').submit()")
    response = nav.value
    assert response is not None
    assert response.status == 422
    alert = page.locator("main [role=alert]").inner_text()
    assert "check character does not match" in alert
    assert "No entry" not in page.locator("main").inner_text()
    assert person.code[:10] not in page.content()
    tab.check("lookup-invalid-server-en")
    tab.go("/?lang=zh")
    tab.page.close()


def test_a_match_says_black_and_names_the_department(live, browser, a11y: A11y):
    base, _ = live
    index, department = _black_person()
    person = PEOPLE[index]
    tab = Tab(browser, base, a11y)
    page = tab.page
    tab.go("/lookup?lang=zh")
    page.fill("#code", person.code)
    page.fill("#name", person.name)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    result = page.locator("section.result").inner_text()
    assert "在失信惩戒名单（黑名单）上，正在公示。" in result
    assert DEMO_ORGANISATIONS[department][1] in result
    assert department not in result
    assert person.code not in page.content()
    tab.check("lookup-match-zh")
    tab.page.close()
