"""The objection and repair pages through HTTP (issue 18): every word in the page's language
(statuses, events, who did what, departments by name, refusals), one clock (CST, labelled, to
the minute), a confirmation before a decision that cannot be undone, forms that keep what
was typed, the officer seeing the entry decided on, work lists with filters and search, and
a repair offered only for an entry repairable now."""

from __future__ import annotations

import html as html_lib
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from core.clock import CST, clock
from core.context import Context
from core.models import Entry
from tests.factories import (
    Issuer,
    at,
    bearer,
    csrf_of,
    decide_objection,
    decide_repair,
    evidence_pdf,
    file_objection,
    file_repair,
    make_code,
    ok_json,
    post_entry,
    post_serious,
    register_issuer,
)
from tests.factories.directory import make_department

DEPARTMENT = ("dept-a", "甲市税务局", "City A Tax Bureau")
REASONS = "该笔税款已于2026年3月1日缴清，完税证明编号QX-7781"
FACTS = "逾期未缴税款三十万元"
APOLOGY = "经复核，该条目属错误认定，已永久删除。对此给您带来的困扰，我们深表歉意。"
# Vocabulary values and identifiers a page must never show as they are stored.
RAW = re.compile(
    r"\b(filed|accepted|declined|upheld|partly_upheld|rejected|approved|apology_issued|"
    r"entry_erased|entry_corrected|reconsideration_notice|escalated\w*|objector|citizen|"
    r"system|officer|pending_notice|displayed|expired|exited|shredded|repaired|accept|"
    r"resolve|decide|black|red|watch|warning|tax|volunteering|commitment|performance|"
    r"dept-a|test:\w+|dev-web\S*)\b"
)
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?(?P<zone> 北京时间| CST)?")


@pytest.fixture
def pages(client: TestClient, runtime) -> TestClient:
    """The app's client over https (the Secure session cookie comes back), the department named."""
    client.base_url = "https://testserver"  # type: ignore[assignment]
    slug, zh, en = DEPARTMENT
    with Session(runtime.engine) as session:
        make_department(Context(session, runtime.keyring), slug, name_zh=zh, name_en=en)
        session.commit()
    return client


class Browser:
    """One signed-in caller of the pages: a Bearer token, the session cookie, its CSRF token."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = bearer(token)
        self.token = ""

    def get(self, path: str, lang: str = "zh", **kw: object):
        sep = "&" if "?" in path else "?"
        res = self.client.get(
            f"{path}{sep}lang={lang}", headers=self.headers, follow_redirects=False, **kw
        )
        if res.status_code == 200 and "csrf_token" in res.text:
            self.token = csrf_of(res.text)
        return res

    def post(self, path: str, data: dict[str, object], **kw: object):
        assert self.token, "read a page first"
        body = {**data, "csrf_token": self.token}
        return self.client.post(path, data=body, headers=self.headers, follow_redirects=False, **kw)


def citizen(pages: TestClient, mint, code: str) -> Browser:
    return Browser(pages, mint("citizen", credit_code=code))


def objection_officer(pages: TestClient, mint, department: str = "dept-a") -> Browser:
    return Browser(pages, mint("objection_officer", department=department))


def repair_officer(pages: TestClient, mint, department: str = "dept-a") -> Browser:
    return Browser(pages, mint("repair_officer", department=department))


def visible(page: str) -> str:
    """A page's text as read: no tags, no attributes, no public references in <code>."""
    main = page[page.find("<main") if "<main" in page else 0 : page.find("</main>")]
    main = re.sub(r"<code>.*?</code>", " ", main, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", main))


def alert(page: str) -> str:
    """The text of the page's alert (empty when there is none)."""
    found = re.search(r'role="alert"[^>]*>(.*?)</(div|p)>', page, re.S)
    return "" if found is None else html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def assert_in_language(page: str, lang: str) -> None:
    """No stored word, no slug, no unlabelled time; in Chinese no ASCII punctuation in text."""
    text = visible(page)
    if lang == "zh":
        assert RAW.findall(text) == [], RAW.findall(text)
        assert re.findall(r"[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]", text) == []
        assert "(#" not in text
    else:
        assert re.findall(r"\b[a-z]+_[a-z_]+\b", text) == []
    assert "dept-a" not in text
    assert "UTC" not in text
    for stamp in STAMP.finditer(text):
        assert stamp.group("zone"), stamp.group(0)
        assert stamp.group(0).count(":") == 1, stamp.group(0)  # to the minute


def record_black(pages: TestClient, mint, code: str, **overrides: object) -> str:
    """A black entry of `code` recorded on 2026-06-01, its prior notice over 20 days later."""
    clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
    entry_id = post_entry(pages, mint, subject_code=code, facts=FACTS, **overrides)
    clock.advance(timedelta(days=20))
    return entry_id


def filed_objection(pages: TestClient, mint, code: str, entry_id: str) -> str:
    """The citizen objects through the API, with one PDF; the case id."""
    case = ok_json(file_objection(pages, mint, code, entry_id, reasons=REASONS), 201)
    clock.advance(timedelta(hours=1))
    return str(case["id"])


def accepted_objection(pages: TestClient, mint) -> tuple[str, str, str]:
    """(code, entry id, case id) of an objection its department accepted."""
    code = make_code()
    entry_id = record_black(pages, mint, code)
    case_id = filed_objection(pages, mint, code, entry_id)
    ok_json(decide_objection(pages, mint, case_id, {"decision": "accept"}))
    clock.advance(timedelta(hours=1))
    return code, entry_id, case_id


def entry_row(runtime, entry_id: str) -> Entry:
    with Session(runtime.engine) as session:
        found = session.get(Entry, uuid.UUID(entry_id))
        assert found is not None
        return found


def api_objection(pages: TestClient, mint, case_id: str) -> dict:
    res = pages.get(
        f"/api/v1/objections/{case_id}",
        headers=bearer(mint("objection_officer", department="dept-a")),
    )
    return dict(ok_json(res))


def last_day(day: date, lang: str = "zh") -> str:
    """How a page shows the last day of a period."""
    return f"{day.isoformat()}（含当日）" if lang == "zh" else f"{day.isoformat()} (inclusive)"


class TestWordsAndTheClock:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_a_decided_case_in_the_pages_language_with_its_times_in_cst(self, pages, mint, lang):
        code, _entry_id, case_id = accepted_objection(pages, mint)
        ok_json(
            decide_objection(
                pages, mint, case_id, {"decision": "reject", "reasons": "未提供新的证据"}
            )
        )
        me, officer = citizen(pages, mint, code), objection_officer(pages, mint)
        shown = {
            "mine": me.get(f"/me/objections/{case_id}", lang).text,
            "my list": me.get("/me/objections", lang).text,
            "case": officer.get(f"/officer/objections/{case_id}", lang).text,
            "work list": officer.get("/officer/objections", lang).text,
        }
        for page in shown.values():
            assert_in_language(page, lang)
        zh = lang == "zh"
        mine, case = shown["mine"], shown["case"]
        assert ("甲市税务局" if zh else "City A Tax Bureau") in mine
        history = visible(mine[mine.index('class="history"') :])
        for words in (
            ("您本人 · 提出异议", "You · Objection filed"),
            ("异议处理专员 · 受理", "Objection officer · Accepted"),
            ("异议处理专员 · 驳回异议", "Objection officer · Rejected"),
            ("系统 · 已告知行政复议和行政诉讼途径", "System · Told of administrative"),
        ):
            assert words[0 if zh else 1] in history
        assert "test:objection_officer" not in mine + case
        assert ("异议人 · 提出异议" if zh else "Objector · Objection filed") in visible(case)
        assert ("北京时间" if zh else "CST") in history
        assert "未提供新的证据" in history
        apply_by = date(2026, 6, 21) + timedelta(days=60)
        assert last_day(apply_by, lang) in visible(mine)

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_a_repair_case_in_the_pages_language_with_its_times_in_cst(self, pages, mint, lang):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        case = ok_json(file_repair(pages, mint, code, entry_id), 201)
        ok_json(decide_repair(pages, mint, case["id"], "accept"))
        me, officer = citizen(pages, mint, code), repair_officer(pages, mint)
        for page in (
            me.get(f"/me/repairs/{case['id']}", lang).text,
            me.get("/me/repairs", lang).text,
            officer.get(f"/officer/repairs/{case['id']}", lang).text,
            officer.get("/officer/repairs", lang).text,
        ):
            assert_in_language(page, lang)
        mine = me.get(f"/me/repairs/{case['id']}", lang).text
        assert ("您本人 · 提交申请" if lang == "zh" else "You · Application filed") in visible(mine)
        staff = officer.get(f"/officer/repairs/{case['id']}", lang).text
        assert ("信用修复专员 · 受理" if lang == "zh" else "Repair officer · Accepted") in visible(
            staff
        )
        assert "UTC" not in staff

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_a_donation_case_shows_its_verified_receipt(self, pages, mint, lang):
        charity = Issuer("BJ-CHARITY", "charity", "北京市慈善基金会")
        code = make_code()
        entry_id = post_serious(pages, mint, code, repair_ways=["donation"])
        assert register_issuer(pages, mint, charity).status_code == 201
        at(date(2026, 4, 1))
        receipt = charity.credential(code, "donation", "R-77", amount_cents=123456)
        case = ok_json(
            file_repair(pages, mint, code, entry_id, "donation", credential=receipt), 201
        )
        me, officer = citizen(pages, mint, code), repair_officer(pages, mint)
        for page in (
            me.get(f"/me/repairs/{case['id']}", lang).text,
            officer.get(f"/officer/repairs/{case['id']}", lang).text,
        ):
            assert_in_language(page, lang)
            shown = visible(page)
            assert ("捐赠收据" if lang == "zh" else "Donation receipt") in shown
            assert "1234.56" in shown
            assert "2026-04-01" in shown
            assert code not in page


def decision_form(page: str) -> dict[str, str]:
    """The hidden fields a confirmation page posts again."""
    found = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    return {k: html_lib.unescape(v) for k, v in found.items() if k != "csrf_token"}


class TestConfirmation:
    def test_upholding_as_erroneous_asks_first_then_erases_and_the_citizen_reads_the_apology(
        self, pages, mint, runtime
    ):
        code, entry_id, case_id = accepted_objection(pages, mint)
        officer = objection_officer(pages, mint)
        officer.get(f"/officer/objections/{case_id}")
        url = f"/officer/objections/{case_id}/decision"
        typed = {
            "decision": "uphold",
            "erroneous": "on",
            "reasons": "认定对象有误",
            "apology": APOLOGY,
            "version": str(api_objection(pages, mint, case_id)["version"]),
        }
        asked = officer.post(url, typed)
        assert asked.status_code == 200
        assert "确认：认定错误并永久删除条目" in asked.text
        assert "永久删除，无法恢复" in visible(asked.text)
        assert APOLOGY in visible(asked.text)
        assert_in_language(asked.text, "zh")
        again = decision_form(asked.text)
        assert again["confirm"] == "yes"
        assert {k: again[k] for k in typed} == typed
        assert f'href="/officer/objections/{case_id}"' in asked.text  # a way back
        # Nothing has happened yet.
        assert api_objection(pages, mint, case_id)["status"] == "accepted"
        assert entry_row(runtime, entry_id).status != "shredded"

        done = officer.post(url, again)
        assert done.status_code == 303
        assert api_objection(pages, mint, case_id)["status"] == "upheld"
        assert entry_row(runtime, entry_id).status == "shredded"
        me = citizen(pages, mint, code)
        for lang in ("zh", "en"):
            mine = me.get(f"/me/objections/{case_id}", lang).text
            assert 'id="apology"' in mine
            assert APOLOGY in visible(mine[mine.index('id="apology-text"') :])
            assert_in_language(mine, lang)
        staff = officer.get(f"/officer/objections/{case_id}").text
        assert 'id="entry-erased"' in staff
        assert FACTS not in staff

    def test_without_a_written_apology_the_citizen_reads_the_standard_one(self, pages, mint):
        code, _entry_id, case_id = accepted_objection(pages, mint)
        ok_json(decide_objection(pages, mint, case_id, {"decision": "uphold", "erroneous": True}))
        me = citizen(pages, mint, code)
        assert "经复核，您所异议的信用记录属错误认定" in me.get(f"/me/objections/{case_id}").text
        english = me.get(f"/me/objections/{case_id}", "en").text
        assert "We apologise sincerely" in english

    def test_a_correction_asks_first_and_a_refused_one_asks_nothing(self, pages, mint, runtime):
        _code, entry_id, case_id = accepted_objection(pages, mint)
        officer = objection_officer(pages, mint)
        officer.get(f"/officer/objections/{case_id}")
        url = f"/officer/objections/{case_id}/decision"
        # Correcting nothing is refused at once, in the page's language, with the form kept.
        bare = officer.post(url, {"decision": "partly_uphold", "reasons": "部分属实"})
        assert bare.status_code == 422
        assert "此决定须更正条目" in alert(bare.text)
        assert "部分属实</textarea>" in bare.text
        assert 'value="partly_uphold" selected' in bare.text
        typed = {"decision": "partly_uphold", "reasons": "部分属实", "facts": "逾期未缴税款十万元"}
        asked = officer.post(url, typed)
        assert asked.status_code == 200
        assert "确认：更正条目" in asked.text
        assert "逾期未缴税款十万元" in visible(asked.text)
        assert api_objection(pages, mint, case_id)["status"] == "accepted"
        assert officer.post(url, decision_form(asked.text)).status_code == 303
        assert api_objection(pages, mint, case_id)["status"] == "partly_upheld"
        assert entry_row(runtime, entry_id).version > 1

    def test_a_stale_confirmation_decides_nothing(self, pages, mint):
        _code, _entry_id, case_id = accepted_objection(pages, mint)
        officer = objection_officer(pages, mint)
        officer.get(f"/officer/objections/{case_id}")
        version = str(api_objection(pages, mint, case_id)["version"])
        url = f"/officer/objections/{case_id}/decision"
        asked = officer.post(url, {"decision": "uphold", "erroneous": "on", "version": version})
        assert asked.status_code == 200
        # Another officer decides meanwhile.
        ok_json(decide_objection(pages, mint, case_id, {"decision": "reject", "reasons": "无"}))
        late = officer.post(url, decision_form(asked.text))
        assert late.status_code == 409
        assert "此案件在您阅读后已被更改" in alert(late.text)
        assert api_objection(pages, mint, case_id)["status"] == "rejected"

    def test_approving_a_repair_asks_first(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        case = ok_json(file_repair(pages, mint, code, entry_id), 201)
        ok_json(decide_repair(pages, mint, case["id"], "accept"))
        officer = repair_officer(pages, mint)
        officer.get(f"/officer/repairs/{case['id']}", "en")
        url = f"/officer/repairs/{case['id']}/decision"
        asked = officer.post(url, {"decision": "approve", "read_status": "accepted"})
        assert asked.status_code == 200
        assert "Confirm: approve the repair" in asked.text  # the language chosen stays
        assert "the decision cannot be withdrawn" in asked.text
        assert_in_language(asked.text, "en")
        assert decision_form(asked.text) == {
            "decision": "approve",
            "reasons": "",
            "read_status": "accepted",
            "confirm": "yes",
        }
        status = pages.get(
            f"/api/v1/repairs/{case['id']}", headers=bearer(mint("repair_officer"))
        ).json()["status"]
        assert status == "accepted"
        assert officer.post(url, decision_form(asked.text)).status_code == 303
        status = pages.get(
            f"/api/v1/repairs/{case['id']}", headers=bearer(mint("repair_officer"))
        ).json()["status"]
        assert status == "approved"


class TestFormsKeepWhatWasTyped:
    @pytest.mark.parametrize(
        ("files", "zh", "en"),
        [
            (
                [("files", ("说明.txt", b"plain text", "text/plain"))],
                "证明文件",
                "evidence",
            ),
            (
                [("files", ("伪装.pdf", b"not a pdf", "application/pdf"))],
                "证明文件",
                "evidence",
            ),
        ],
    )
    def test_a_refused_objection_keeps_the_reasons_in_the_pages_language(
        self, pages, mint, runtime, files, zh, en, caplog
    ):
        code = make_code()
        entry_id = record_black(pages, mint, code)
        me = citizen(pages, mint, code)
        for lang, word in (("zh", zh), ("en", en)):
            me.get(f"/me/objections/new?entry={entry_id}", lang)
            res = me.post("/me/objections", {"entry_id": entry_id, "reasons": REASONS}, files=files)
            assert res.status_code == 422
            assert word in alert(res.text).lower() if lang == "en" else word in alert(res.text)
            assert f">{REASONS}</textarea>" in res.text
            assert 'id="files-again"' in res.text
            assert "location" not in res.headers
            assert_in_language(res.text, lang)
        assert REASONS not in caplog.text
        assert code not in caplog.text
        assert entry_row(runtime, entry_id).under_objection is False

    def test_too_large_evidence_is_refused_with_the_limit(self, pages, mint, runtime):
        code = make_code()
        entry_id = record_black(pages, mint, code)
        me = citizen(pages, mint, code)
        me.get(f"/me/objections/new?entry={entry_id}")
        big = b"%PDF-1.4\n" + b"0" * (runtime.settings.evidence_max_bytes + 1)
        res = me.post(
            "/me/objections", {"entry_id": entry_id, "reasons": REASONS}, files=evidence_pdf(big)
        )
        assert res.status_code == 422
        assert f"{runtime.settings.evidence_max_bytes // (1024 * 1024)} MB" in alert(res.text)
        assert f">{REASONS}</textarea>" in res.text

    def test_a_declined_objection_needs_reasons_and_keeps_the_choice(self, pages, mint):
        code = make_code()
        case_id = filed_objection(pages, mint, code, record_black(pages, mint, code))
        officer = objection_officer(pages, mint)
        for lang, words in (("zh", "作出此决定须写明理由"), ("en", "This decision needs reasons")):
            officer.get(f"/officer/objections/{case_id}", lang)
            res = officer.post(f"/officer/objections/{case_id}/decision", {"decision": "decline"})
            assert res.status_code == 422
            assert words in alert(res.text)
            assert 'value="decline" selected' in res.text
        assert api_objection(pages, mint, case_id)["status"] == "filed"

    def test_a_bad_correction_keeps_every_field(self, pages, mint):
        _code, _entry_id, case_id = accepted_objection(pages, mint)
        officer = objection_officer(pages, mint)
        officer.get(f"/officer/objections/{case_id}")
        typed = {
            "decision": "uphold",
            "reasons": "展示期限有误",
            "facts": "逾期未缴税款十万元",
            "public_summary": "逾期未缴税款",
            "display_until": "2020-01-01",
        }
        res = officer.post(f"/officer/objections/{case_id}/decision", typed)
        assert res.status_code == 422
        assert "更正后的展示期限超出" in alert(res.text) or "展示期限须晚于" in alert(res.text)
        for value in ("展示期限有误</textarea>", "逾期未缴税款十万元</textarea>"):
            assert value in res.text
        assert 'value="逾期未缴税款"' in res.text
        assert 'value="2020-01-01"' in res.text

    def test_a_refused_repair_decision_keeps_the_reasons(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        case = ok_json(file_repair(pages, mint, code, entry_id), 201)
        officer = repair_officer(pages, mint)
        officer.get(f"/officer/repairs/{case['id']}")
        res = officer.post(
            f"/officer/repairs/{case['id']}/decision",
            {"decision": "approve", "reasons": "材料齐全", "read_status": "filed"},
        )
        assert res.status_code == 409
        assert "案件在当前状态下不能作出此决定" in alert(res.text)
        assert "材料齐全</textarea>" in res.text


class TestTheOfficerSeesTheEntry:
    def test_facts_domain_references_and_dates(self, pages, mint, runtime):
        code = make_code()
        case_id = filed_objection(pages, mint, code, record_black(pages, mint, code))
        entry = entry_row(runtime, api_objection(pages, mint, case_id)["entry_id"])
        for lang in ("zh", "en"):
            page = objection_officer(pages, mint).get(f"/officer/objections/{case_id}", lang).text
            section = visible(page[page.index('id="entry"') : page.index('class="history"')])
            assert FACTS in section
            assert entry.external_id in section
            assert ("税务" if lang == "zh" else "tax") in section
            assert entry.decided_on.isoformat() in section
            for end in (entry.display_until, entry.valid_until):
                assert last_day(end - timedelta(days=1), lang) in section
            assert entry.public_ref in page
            assert_in_language(page, lang)
        other = objection_officer(pages, mint, "dept-b").get(f"/officer/objections/{case_id}")
        assert other.status_code == 404
        assert FACTS not in other.text


class TestWorkLists:
    def test_objections_by_status_deadline_list_and_reference(self, pages, mint, runtime):
        codes = [make_code() for _ in range(2)]
        black = record_black(pages, mint, codes[0])
        early = filed_objection(pages, mint, codes[0], black)
        clock.freeze(datetime(2026, 6, 1, 10, 0, tzinfo=CST))
        watch = post_entry(
            pages,
            mint,
            subject_code=codes[1],
            list_kind="watch",
            severity="general",
            display_until=date(2026, 12, 1),
        )
        clock.freeze(datetime(2026, 6, 25, 10, 0, tzinfo=CST))
        late = filed_objection(pages, mint, codes[1], watch)
        clock.freeze(datetime(2026, 6, 26, 10, 0, tzinfo=CST))  # the first one is overdue
        officer = objection_officer(pages, mint)

        def listed(query: str) -> list[str]:
            res = officer.get(f"/officer/objections?{query}")
            assert res.status_code == 200, res.text
            return re.findall(r'data-objection="([0-9a-f-]{36})"', res.text)

        assert listed("") == [early, late]
        assert listed("deadline=overdue") == [early]
        assert listed("deadline=on_time") == [late]
        assert listed("kind=watch") == [late]
        assert listed("status=accepted") == []
        assert listed(f"q={entry_row(runtime, black).public_ref}") == [early]
        assert listed(f"q={entry_row(runtime, watch).external_id}") == [late]
        assert listed("status=filed&kind=black&deadline=overdue") == [early]
        page = officer.get("/officer/objections?kind=watch").text
        assert 'value="watch" selected' in page
        assert "共1件" in page
        assert "清除筛选" in page
        assert_in_language(page, "zh")
        for bad in ("status=closed", "deadline=soonish", "kind=gold", "q=%25%27"):
            res = officer.get(f"/officer/objections?{bad}")
            assert res.status_code == 422
            assert "筛选条件无效" in alert(res.text)
            assert "data-objection" not in res.text

    def test_repairs_by_deadline_list_and_reference(self, pages, mint):
        code = make_code()
        entry_id = post_serious(pages, mint, code)
        at(date(2026, 4, 1))
        first = ok_json(file_repair(pages, mint, code, entry_id), 201)["id"]

        def listed(query: str) -> list[str]:
            res = repair_officer(pages, mint).get(f"/officer/repairs?{query}")
            assert res.status_code == 200, res.text
            return re.findall(r'data-repair="([0-9a-f-]{36})"', res.text)

        assert listed("") == [first]
        assert listed("kind=black&deadline=soon") == []  # due 7 April, three working days on
        at(date(2026, 4, 3))
        assert listed("kind=black&deadline=soon") == [first]
        assert listed("kind=red") == []
        assert listed(f"q={first}") == [first]
        assert listed("status=approved") == []
        assert repair_officer(pages, mint).get("/officer/repairs?deadline=late").status_code == 422


class TestRepairOffers:
    def test_offered_now_or_shown_with_the_day_it_can_be(self, pages, mint):
        code = make_code()
        now = post_serious(pages, mint, code)
        later = post_serious(pages, mint, code, decided_on=date(2025, 6, 1))
        at(date(2026, 4, 1))
        me = citizen(pages, mint, code)
        for lang, words in (
            ("zh", "可于2026-06-01起申请"),
            ("en", "You can apply from 2026-06-01"),
        ):
            listed = me.get("/me/repairs", lang).text
            assert f"/me/repairs/new?entry={now}" in listed
            assert f"/me/repairs/new?entry={later}" not in listed
            row = listed[listed.index(f'data-entry="{later}"') :]
            assert words in visible(row[: row.index("</li>")])
            assert_in_language(listed, lang)
        form = me.get(f"/me/repairs/new?entry={later}").text
        assert 'id="not-yet"' in form
        assert "可于2026-06-01起申请" in visible(form)
        assert 'id="repair-form"' not in form
        assert 'id="repair-form"' in me.get(f"/me/repairs/new?entry={now}").text
        # On the day, it is offered; once filed, it is a case, not an offer.
        at(date(2026, 6, 1))
        me = citizen(pages, mint, code)
        assert f"/me/repairs/new?entry={later}" in me.get("/me/repairs").text
        ok_json(file_repair(pages, mint, code, later), 201)
        listed = me.get("/me/repairs").text
        assert f"/me/repairs/new?entry={later}" not in listed
        assert f'data-entry="{later}"' not in listed
        assert me.get(f"/me/repairs/new?entry={later}").status_code == 409

    def test_an_entry_in_its_prior_notice_shows_the_day_the_notice_ends(self, pages, mint, runtime):
        code = make_code()
        at(date(2026, 3, 2))
        entry_id = post_entry(
            pages,
            mint,
            subject_code=code,
            decided_on=date(2025, 3, 1),
            display_until=date(2027, 3, 1),
            valid_until=date(2028, 3, 1),
            repair_ways=["commitment"],
        )
        notice_end = entry_row(runtime, entry_id).notice_until
        assert notice_end is not None
        listed = citizen(pages, mint, code).get("/me/repairs").text
        row = listed[listed.index(f'data-entry="{entry_id}"') :]
        assert f"可于{notice_end.isoformat()}起申请" in visible(row[: row.index("</li>")])
