"""An issued report people can trust (issue 18 §8): the PDF embeds its fonts, numbers its
pages "第 N 页 共 M 页", carries a report number and a verification code whose QR code holds
the public verification page's address; that page confirms the signature, number and
generation time in either language and shows nothing of the report or its person; a
tampered code or an altered stored row is "not verified" (404), never a 500; and the
database keeps nothing personal of an issued report."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, inspect, select, text, update

from api.reports import qr
from api.reports.pdf import fonts
from core.models import IssuedReport
from core.reports import policy
from tests.api.reports.seed import BLACK_FACTS, NAME_A, STATEMENT, WATCH_FACTS
from tests.factories import bearer

CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}")
NUMBER = re.compile(r"CR\d{18}")
VERIFY_LINK = re.compile(r'id="report-verify-url" href="([^"]+)"')
QR_SRC = re.compile(r'id="report-qr" src="([^"]+)"')
ZH_TIME = "2026-04-01 10:00 北京时间"
EN_TIME = "2026-04-01 10:00 CST"


def _pdf(client, mint, code: str, lang: str = "zh") -> bytes:
    res = client.get(
        f"/me/report.pdf?lang={lang}", headers=bearer(mint("citizen", credit_code=code))
    )
    assert res.status_code == 200, res.text
    return res.content


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _squeezed(value: str) -> str:
    return "".join(value.split())


def _code_in(content: bytes) -> str:
    found = set(CODE.findall(_squeezed("".join(_pages(content)))))
    assert len(found) == 1, found
    return found.pop()


def _font_files(content: bytes) -> list[tuple[str, set[str]]]:
    """Every font the pages use, with the embedded-font-file keys of its descriptor(s)."""
    seen: list[tuple[str, set[str]]] = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            fonts_of = [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]
            keys: set[str] = set()
            for f in fonts_of:
                descriptor = f.get("/FontDescriptor")
                if descriptor is not None:
                    keys |= {k for k in descriptor.get_object() if k.startswith("/FontFile")}
            seen.append((str(font["/BaseFont"]), keys))
    return seen


def _qr_in_pdf(content: bytes) -> list[list[bool]]:
    """The modules of the QR image on the PDF's first page (one sample per module)."""
    (image,) = PdfReader(io.BytesIO(content)).pages[0].images
    grey = image.image.convert("L")
    assert grey.width == grey.height
    assert grey.width % qr.PNG_SCALE == 0
    size, half = grey.width // qr.PNG_SCALE, qr.PNG_SCALE // 2
    return [
        [
            grey.getpixel((x * qr.PNG_SCALE + half, y * qr.PNG_SCALE + half)) < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def _db_files(engine: Engine) -> list[Path]:
    db = Path(engine.url.database or "")
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name)]


class TestPdf:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_every_font_is_embedded(self, client, mint, seeded, lang):
        used = _font_files(_pdf(client, mint, seeded.code_a, lang))
        assert used
        for name, keys in used:
            assert keys & {"/FontFile2", "/FontFile3"}, (name, keys)
            assert "WenQuanYiMicroHei" in name, name

    def test_every_page_says_page_n_of_m_and_the_report_number(self, client, mint, seeded):
        pages = _pages(_pdf(client, mint, seeded.code_a))
        assert len(pages) >= 2
        numbers = {n for p in pages for n in NUMBER.findall(_squeezed(p))}
        assert len(numbers) == 1, numbers
        for n, page in enumerate(pages, start=1):
            assert f"第{n}页共{len(pages)}页" in _squeezed(page), n
        assert "第 1 页 共" in pages[0]
        english = _pages(_pdf(client, mint, seeded.code_a, "en"))
        assert f"Page 1 of {len(english)}" in english[0]

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_every_character_drawn_is_in_the_embedded_font(self, client, mint, seeded, lang):
        drawn = "".join(_pages(_pdf(client, mint, seeded.code_a, lang)))
        assert "☒" not in drawn
        missing = {ch for ch in drawn if not ch.isspace() and ord(ch) not in fonts().characters}
        assert missing == set()
        # The separators the report uses are glyphs of the font, not boxes.
        assert fonts().covers("·：；（）、—")

    def test_the_identity_line_is_masked(self, client, mint, seeded):
        text = _squeezed("".join(_pages(_pdf(client, mint, seeded.code_a))))
        masked = policy.mask_code(seeded.code_a)
        assert f"司马*，证件号码{masked}" in text
        assert NAME_A not in text
        assert seeded.code_a[2:-2] not in text


class TestVerification:
    def test_the_pdfs_code_opens_a_verified_page_with_number_and_time(self, client, mint, seeded):
        content = _pdf(client, mint, seeded.code_a)
        code = _code_in(content)
        (number,) = set(NUMBER.findall(_squeezed("".join(_pages(content)))))
        page = client.get(f"/verify/report/{code}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert 'data-verified="yes"' in page.text
        assert "已核验" in page.text
        assert f'<dd id="check-number">{number}</dd>' in page.text
        assert ZH_TIME in page.text
        english = client.get(f"/verify/report/{code}?lang=en")
        assert english.status_code == 200
        assert "Verified" in english.text
        assert EN_TIME in english.text
        assert number in english.text

    def test_the_pdfs_qr_code_holds_the_verification_url(self, client, mint, seeded):
        content = _pdf(client, mint, seeded.code_a)
        url = qr.verify_url("http://testserver/", _code_in(content))
        assert _squeezed(url) in _squeezed("".join(_pages(content)))
        assert _qr_in_pdf(content) == qr.modules(url)

    def test_the_pages_qr_code_holds_the_link_beside_it(self, client, mint, seeded):
        page = client.get(
            "/me/report?lang=zh", headers=bearer(mint("citizen", credit_code=seeded.code_a))
        )
        (url,) = VERIFY_LINK.findall(page.text)
        (src,) = QR_SRC.findall(page.text)
        assert src.startswith("data:image/svg+xml")
        assert src.replace("&amp;", "&") == qr.svg_data_uri(url)
        opened = client.get(url)
        assert opened.status_code == 200
        assert 'data-verified="yes"' in opened.text

    def test_a_typed_code_is_read_case_blind_with_or_without_dashes(self, client, mint, seeded):
        code = _code_in(_pdf(client, mint, seeded.code_a))
        typed = f" {code.replace('-', '').lower()} "
        page = client.get("/verify/report", params={"code": typed, "lang": "zh"})
        assert page.status_code == 200
        assert 'data-verified="yes"' in page.text

    def test_the_form_without_a_code_asks_for_one(self, client):
        page = client.get("/verify/report?lang=zh")
        assert page.status_code == 200
        assert 'name="code"' in page.text
        assert "data-verified" not in page.text
        assert "content-security-policy" in page.headers

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda c: ("0" if c[0] != "0" else "1") + c[1:],
            lambda c: c[:-1] + ("Z" if c[-1] != "Z" else "Y"),
            lambda c: c[:-5],
            lambda c: "not-a-code",
            lambda c: "U" * 16,
            lambda c: "A" * 500,
            lambda c: "%00%0a",
        ],
    )
    def test_a_tampered_or_unknown_code_is_not_verified_in_the_page_language(
        self, client, mint, seeded, tamper
    ):
        code = _code_in(_pdf(client, mint, seeded.code_a))
        for lang, verdict in (("zh", "未通过核验"), ("en", "Not verified")):
            page = client.get(f"/verify/report/{tamper(code)}?lang={lang}")
            assert page.status_code == 404
            assert page.headers["content-type"].startswith("text/html")
            assert 'data-verified="no"' in page.text
            assert verdict in page.text
            assert not NUMBER.search(page.text)

    @pytest.mark.parametrize(
        ("column", "change"),
        [
            ("signature", lambda v: v[:-1] + bytes([v[-1] ^ 1])),
            ("signature", lambda v: v[:4]),
            ("digest", lambda v: bytes([v[0] ^ 1]) + v[1:]),
            ("number", lambda v: v[:-1] + ("1" if v[-1] != "1" else "2")),
        ],
    )
    def test_an_altered_stored_row_is_not_verified(
        self, client, mint, runtime, seeded, column, change
    ):
        code = _code_in(_pdf(client, mint, seeded.code_a))
        assert client.get(f"/verify/report/{code}").status_code == 200
        table = IssuedReport.__table__
        with runtime.engine.begin() as conn:
            (value,) = conn.execute(select(table.c[column])).one()
            conn.execute(update(table).values({column: change(value)}))
        page = client.get(f"/verify/report/{code}")
        assert page.status_code == 404
        assert 'data-verified="no"' in page.text

    def test_a_moved_generation_time_is_not_verified(self, client, mint, runtime, seeded):
        code = _code_in(_pdf(client, mint, seeded.code_a))
        with runtime.engine.begin() as conn:
            (value,) = conn.execute(text("SELECT generated_at FROM issued_report")).one()
            moved = str(value).replace("02:00", "03:00")
            assert moved != str(value)
            conn.execute(text("UPDATE issued_report SET generated_at = :v"), {"v": moved})
        assert client.get(f"/verify/report/{code}").status_code == 404

    def test_the_signed_digest_is_the_reports_content(self, client, mint, seeded):
        me = bearer(mint("citizen", credit_code=seeded.code_a))
        code = _code_in(_pdf(client, mint, seeded.code_a))
        page = client.get(f"/verify/report/{code}").text
        (digest,) = re.findall(r'id="check-digest">([^<]+)<', page)
        # The API's report, read at the same pinned instant, is the content the PDF holds.
        content = client.get("/api/v1/me/report", headers=me).json()
        assert content.pop("issue") is None
        assert base64.b64decode(digest) == policy.content_digest(content)


class TestPrivacy:
    def test_the_verification_page_shows_nothing_of_the_report_or_person(
        self, client, mint, seeded
    ):
        code = _code_in(_pdf(client, mint, seeded.code_a))
        for lang in ("zh", "en"):
            page = client.get(f"/verify/report/{code}?lang={lang}").text
            for value in (
                NAME_A,
                "司马*",
                seeded.code_a,
                policy.mask_code(seeded.code_a),
                BLACK_FACTS,
                WATCH_FACTS,
                STATEMENT,
                "深圳市税务局",
                "招商测试银行",
            ):
                assert value not in page, value

    def test_an_issued_report_keeps_only_what_verifies_it(self, client, mint, runtime, seeded):
        content = _pdf(client, mint, seeded.code_a)
        code = _code_in(content)
        columns = {c["name"] for c in inspect(runtime.engine).get_columns("issued_report")}
        assert columns == {"number", "code_hash", "generated_at", "digest", "signature"}
        with runtime.engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM issued_report")).all()
        assert len(rows) == 1
        stored = repr(tuple(rows[0]))
        for value in (code, code.replace("-", ""), NAME_A, seeded.code_a):
            assert value not in stored, value
        assert rows[0].code_hash == policy.code_hash(code.replace("-", ""))

    def test_the_database_file_holds_no_seeded_plaintext(self, client, mint, runtime, seeded):
        if runtime.engine.dialect.name != "sqlite":
            pytest.skip("the file scan reads the SQLite file (the rows are checked above)")
        content = _pdf(client, mint, seeded.code_a)
        code = _code_in(content)
        (number,) = set(NUMBER.findall(_squeezed("".join(_pages(content)))))
        client.get(f"/verify/report/{code}")
        # The database, its WAL and any journal: wherever a row may be on disk.
        files = _db_files(runtime.engine)
        # The scan reads where rows are: the report number (not personal) is found.
        assert any(number.encode() in f.read_bytes() for f in files)
        needles = [
            value.encode(encoding)
            for value in (
                NAME_A,
                "司马*",
                BLACK_FACTS,
                STATEMENT,
                seeded.code_a,
                policy.mask_code(seeded.code_a),
                code,
                code.replace("-", ""),
            )
            for encoding in ("utf-8", "utf-16-le")
        ]
        hits = [(f.name, n) for f in files for n in needles if n in f.read_bytes()]
        assert hits == []
