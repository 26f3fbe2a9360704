"""The consent pages a crawl of GET links never reaches (the grant's answer, the revoke and
freeze confirmations, a refusal) read as the others must: in Chinese, full-width
punctuation, no stray space, agencies by name, no raw state or purpose word, every time
labelled with its zone and every last day inclusive; in English, no raw `_`/`-` word."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.factories import (
    bearer,
    citizen_get,
    csrf_of,
    grant_form,
    make_code,
    post_entry,
    register_agency,
)

HAN = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e"
RAW = ("bank-1", "credit_loan", "used_up", "active", "pending", "revoked", "black", "red")
ZONE = {"zh": "北京时间", "en": "CST"}


class _Text(HTMLParser):
    """The text a reader sees in <main> (no tags, attributes or scripts), blocks on lines."""

    INLINE = frozenset({"a", "b", "code", "em", "i", "small", "span", "strong", "time"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_main = False
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_main = self.in_main or tag == "main"
        self.in_script = self.in_script or tag == "script"
        self.parts.append("" if tag in self.INLINE else "\n")

    def handle_endtag(self, tag: str) -> None:
        self.in_main = self.in_main and tag != "main"
        self.in_script = self.in_script and tag != "script"
        self.parts.append("" if tag in self.INLINE else "\n")

    def handle_data(self, data: str) -> None:
        if self.in_main and not self.in_script:
            self.parts.append(data)


def _read(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = "".join(parser.parts).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def problems(html: str, lang: str) -> list[str]:
    """What the page shows that it must not."""
    text = _read(html)
    found = [w for w in RAW if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    if lang == "en":
        found = [w for w in found if "_" in w or "-" in w]
    for minute in re.finditer(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text):
        if not text[minute.end() :].lstrip().startswith(ZONE[lang]):
            found.append(f"unzoned {minute.group(0)}")
    found += [f"seconds {m.group(0)}" for m in re.finditer(r"\d{2}:\d{2}:\d{2}", text)]
    if lang == "zh":
        found += [f"ASCII {m.group(0)!r}" for m in re.finditer(rf"[{HAN}][,;:()]", text)]
        found += [f"ASCII {m.group(0)!r}" for m in re.finditer(rf"[,;:()] ?[{HAN}]", text)]
        found += [f"space {m.group(0)!r}" for m in re.finditer(rf"[{HAN}] +[{HAN}]", text)]
    return found


class TestTheDetector:
    def test_it_sees_each_kind_of_problem(self):
        html = "<main><p>状态: active， 于2026-06-01 10:00 至 下月</p></main>"
        assert problems(html, "zh") == [
            "active",
            "unzoned 2026-06-01 10:00",
            "ASCII '态:'",
            "space '， 于'",
            "space '至 下'",
        ]
        assert problems("<main><p>状态：有效，2026-06-01 10:00 北京时间</p></main>", "zh") == []
        assert problems("<main><p>credit_loan, active</p></main>", "en") == ["credit_loan"]
        assert problems("<p>active</p><main><script>'active'</script></main>", "zh") == []


@pytest.fixture
def me(client, mint, runtime):
    """A signed-in citizen with a record, on the pages over https; bank-1 registered."""
    client.base_url = "https://testserver"
    register_agency(runtime)
    code = make_code()
    post_entry(client, mint, subject_code=code)
    headers = bearer(mint("citizen", credit_code=code))

    def post(path: str, data: dict[str, object]):
        token = csrf_of(client.get("/me/authorizations", headers=headers).text)
        body = {**data, "csrf_token": token}
        return client.post(path, data=body, headers=headers, follow_redirects=False)

    def grant_id() -> str:
        return str(citizen_get(client, mint, code, "authorizations")["items"][0]["id"])

    return post, grant_id


@pytest.mark.parametrize("lang", ["zh", "en"])
class TestPagesAfterAPost:
    def test_the_grant_s_answer(self, me, lang):
        post, _ = me
        res = post(f"/me/authorizations?lang={lang}", grant_form())
        assert res.status_code == 200
        assert problems(res.text, lang) == []
        assert ("（含当日）" if lang == "zh" else "(inclusive)") in res.text

    def test_the_revoke_and_freeze_confirmations(self, me, lang):
        post, grant_id = me
        post(f"/me/authorizations?lang={lang}", grant_form())
        for path in (f"/me/authorizations/{grant_id()}/revoke", "/me/freeze"):
            res = post(f"{path}?lang={lang}", {})
            assert res.status_code == 200
            assert 'name="confirm" value="yes"' in res.text
            assert problems(res.text, lang) == []

    def test_the_list_and_a_refusal(self, me, lang):
        post, grant_id = me
        post(f"/me/authorizations?lang={lang}", grant_form())
        post(f"/me/authorizations/{grant_id()}/deliver?lang={lang}", {})
        res = post(f"/me/authorizations?lang={lang}", grant_form(agency="demo-bnak"))
        assert res.status_code == 422
        assert problems(res.text, lang) == []
