"""In Debian's Chromium: the query-history page's receipt verifier (`/static/verify.js`).

- Its proof functions, run in the browser, give every vendored RFC 9162 vector (inclusion,
  consistency and their subtree forms, tampered ones included) the expected verdict.
- Its receipt and signed-note checks agree with `crypto/receipt.py` on receipts made here
  in Python, good and tampered, and its leaf hash with `crypto/merkle.py`.
- A demo citizen signs in, opens /me/queries, verifies: every receipt passes, in Chinese
  and in English, with no accessibility or Content-Security-Policy finding.
- Receipts altered in the page, and a log row altered in the live server's database,
  fail with their reason; a receipt against an older checkpoint is checked again
  against the latest one, and an older receipt for another leaf fails.
- Without JavaScript the page still shows every receipt and says JS is needed.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.headers import CSP
from api.queries.messages import script_messages
from core.querylog.leaves import canonical_leaf
from core.querylog.signing_key import KEY_FILE_NAME
from crypto.checkpoint import (
    Checkpoint,
    CheckpointError,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
)
from crypto.checkpoint import verifier_key as make_verifier_key
from crypto.merkle import MemoryTree, inclusion_proof, leaf_hash
from crypto.receipt import build_receipt, verify_receipt
from tests.browser.conftest import A11y, shoot
from tests.browser.steps import sign_in_citizen, watch_csp
from tests.factories import csrf_of

# Vendored with their licence and provenance (tests/data/rfc9162/README.md).
VECTOR_ROOT = Path(__file__).resolve().parents[1] / "data" / "rfc9162"
VECTOR_COUNTS = {
    "inclusion": 98,
    "consistency": 98,
    "subtreeinclusion": 204,
    "subtreeconsistency": 118,
}
HARNESS = Path(__file__).resolve().parent / "verify_harness.html"
HARNESS_PATH = "/__tests__/verify-harness.html"
# A demo person with a consent used all week, so with many receipts (core/demo/queries).
PERSON = 5
INTEGER_FIELDS = ("leafIdx", "treeSize", "size1", "size2", "start", "end", "size")
PUBLIC_FETCHES = {"/api/v1/public/log-key", "/api/v1/public/checkpoint"}

IMPORT = "const m = await import('/static/verify.js');"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# --- the harness: a static page of ours, served to the browser only by this test --------


@pytest.fixture
def harness(live: tuple[str, Path], browser: Any) -> Iterator[Any]:
    """A blank page on the live server's origin (under its CSP) that can import verify.js."""
    base, _data = live
    page = browser.new_page()
    page.route(
        base + HARNESS_PATH,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP},
            body=HARNESS.read_text("utf-8"),
        ),
    )
    page.goto(base + HARNESS_PATH)
    try:
        yield page
    finally:
        page.close()


def _vectors() -> list[dict[str, Any]]:
    vectors = []
    for path in sorted(VECTOR_ROOT.rglob("*.json")):
        v = json.loads(path.read_text("utf-8"))
        # u64 sizes and indices reach 2**64 - 1: hand them over as decimal text, read as BigInt.
        for key in INTEGER_FIELDS:
            if key in v:
                v[key] = str(v[key])
        v["id"] = path.relative_to(VECTOR_ROOT).as_posix()
        v["kind"] = path.relative_to(VECTOR_ROOT).parts[0]
        vectors.append(v)
    return vectors


RUN_VECTORS = (
    "async (vectors) => {"
    + IMPORT
    + """
  const b = (s) => s ? Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) : new Uint8Array(0);
  const out = {};
  for (const v of vectors) {
    const proof = (v.proof || []).map(b);
    try {
      if (v.kind === "inclusion") {
        await m.verifyInclusion(b(v.leafHash), v.leafIdx, v.treeSize, proof, b(v.root));
      } else if (v.kind === "consistency") {
        await m.verifyConsistency(v.size1, v.size2, proof, b(v.root1), b(v.root2));
      } else if (v.kind === "subtreeinclusion") {
        await m.verifySubtreeInclusion(
          b(v.leafHash), v.leafIdx, v.start, v.end, proof, b(v.root));
      } else if (v.kind === "subtreeconsistency") {
        await m.verifySubtreeConsistency(
          v.start, v.end, v.size, proof, b(v.root1), b(v.root2));
      } else {
        throw new Error("unknown vector kind " + v.kind);
      }
      out[v.id] = "ok";
    } catch (e) {
      out[v.id] = e instanceof m.VerifyError ? "error" : "crash: " + e;
    }
  }
  return out;
}"""
)


class TestProofVectorsInTheBrowser:
    def test_every_vendored_vector_gets_its_expected_verdict(self, harness):
        vectors = _vectors()
        counts = {kind: sum(v["kind"] == kind for v in vectors) for kind in VECTOR_COUNTS}
        assert counts == VECTOR_COUNTS
        verdicts = harness.evaluate(RUN_VECTORS, vectors)
        assert len(verdicts) == sum(VECTOR_COUNTS.values()) == 518
        wrong = {
            v["id"]: verdicts[v["id"]]
            for v in vectors
            if verdicts[v["id"]] != ("error" if v["wantErr"] else "ok")
        }
        assert wrong == {}
        # Both verdicts occur in every folder: the run proves passes and refusals alike.
        for kind in VECTOR_COUNTS:
            seen = {verdicts[v["id"]] for v in vectors if v["kind"] == kind}
            assert seen == {"ok", "error"}, kind


# --- receipts made in Python: the browser agrees with crypto/receipt.py ------------------


ORIGIN = "test.example/query-log"


@dataclass
class PyLog:
    """A small log made with the project's own crypto, its key and one signed checkpoint."""

    key: Ed25519PrivateKey
    bodies: list[bytes]
    tree: MemoryTree
    note: str
    vkey: str

    def receipt(self, index: int, note: str | None = None) -> dict[str, object]:
        size = self.tree.size
        proof = inclusion_proof(index, size, self.tree)
        return build_receipt(index, self.tree.leaf(index), size, proof, note or self.note)


def _py_log(size: int = 13) -> PyLog:
    key = Ed25519PrivateKey.generate()
    bodies = [
        canonical_leaf({"v": 1, "agency": f"机构-{i}", "entries": [f"e{i}"], "frozen": i % 2 == 0})
        for i in range(size)
    ]
    tree = MemoryTree(leaf_hash(b) for b in bodies)
    note = sign_checkpoint(Checkpoint(origin=ORIGIN, size=size, root=tree.root()), ORIGIN, key)
    return PyLog(key, bodies, tree, note, make_verifier_key(ORIGIN, key.public_key()))


def _flip(b64: str) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[7] ^= 0x10
    return _b64(bytes(raw))


def _receipt_variants(log: PyLog) -> dict[str, tuple[dict[str, object], str | None]]:
    """name → (receipt, the reason code verify.js must give, or None for a pass)."""
    good = log.receipt(5)
    head, sig_block = log.note.split("\n\n")
    body = head + "\n"
    our_line = sig_block.rstrip("\n")
    witness = sign_note(body, "witness.example", Ed25519PrivateKey.generate())
    witness_line = witness.split("\n\n")[1].rstrip("\n")
    other_key = sign_checkpoint(Checkpoint.parse(body), ORIGIN, Ed25519PrivateKey.generate())
    lines = body.split("\n")
    lines[2] = _b64(bytes(32))
    root_edited = "\n".join(lines) + "\n" + sig_block
    ext = Checkpoint(origin=ORIGIN, size=log.tree.size, root=log.tree.root(), extra=("ext 1",))
    # A body with a control character can only be signed by hand (sign_note refuses it).
    bell_body = body + "bell \x07\n"
    kid = base64.b64decode(our_line.split(" ")[2])[:4]
    bell_signature = _b64(kid + log.key.sign(bell_body.encode()))
    bell_note = f"{bell_body}\n\u2014 {ORIGIN} {bell_signature}\n"
    # 32 bytes are 44 base64 characters whose last letter holds two padding bits.
    raw_leaf = str(good["leaf_hash"])
    loose = raw_leaf[:42] + chr(ord(raw_leaf[42]) + 1) + "="
    proof = [str(h) for h in good["inclusion_proof"]]  # type: ignore[attr-defined]

    def with_(**changes: object) -> dict[str, object]:
        return {**good, **changes}

    without_checkpoint = {k: v for k, v in good.items() if k != "checkpoint"}
    return {
        "good": (good, None),
        "first": (log.receipt(0), None),
        "last": (log.receipt(log.tree.size - 1), None),
        "cosigned-by-a-witness": (
            with_(checkpoint=f"{body}\n{our_line}\n{witness_line}\n"),
            None,
        ),
        "with-extension-line": (
            with_(checkpoint=sign_checkpoint(ext, ORIGIN, log.key)),
            None,
        ),
        "unknown-field": (with_(comment="receipts may grow"), None),
        "signed-by-another-key": (with_(checkpoint=other_key), "signature"),
        "our-signature-twice": (
            with_(checkpoint=f"{body}\n{our_line}\n{our_line}\n"),
            "signature",
        ),
        "root-edited": (with_(checkpoint=root_edited), "signature"),
        "no-final-newline": (with_(checkpoint=log.note[:-1]), "note"),
        "control-character": (with_(checkpoint=bell_note), "note"),
        "tree-size-differs": (with_(tree_size=log.tree.size - 1), "receipt"),
        "index-shifted": (with_(index=6), "proof"),
        "leaf-flipped": (with_(leaf_hash=_flip(raw_leaf)), "proof"),
        "proof-hash-flipped": (with_(inclusion_proof=[_flip(proof[0]), *proof[1:]]), "proof"),
        "proof-short": (with_(inclusion_proof=proof[:-1]), "proof"),
        "proof-long": (with_(inclusion_proof=[*proof, proof[0]]), "proof"),
        "leaf-non-canonical-base64": (with_(leaf_hash=loose), "receipt"),
        "index-as-text": (with_(index="5"), "receipt"),
        "index-as-true": (with_(index=True), "receipt"),
        "no-checkpoint": (without_checkpoint, "receipt"),
    }


RUN_RECEIPTS = (
    "async ([vkey, receipts]) => {"
    + IMPORT
    + """
  const key = await m.parseVerifierKey(vkey);
  const out = {};
  for (const [name, receipt] of Object.entries(receipts)) {
    try {
      await m.verifyReceipt(receipt, key);
      out[name] = null;
    } catch (e) {
      out[name] = e instanceof m.VerifyError ? e.code : "crash: " + e;
    }
  }
  return out;
}"""
)

RUN_KEYS = (
    "async (vkeys) => {"
    + IMPORT
    + """
  const out = [];
  for (const vkey of vkeys) {
    try {
      await m.parseVerifierKey(vkey);
      out.push(null);
    } catch (e) {
      out.push(e instanceof m.VerifyError ? e.code : "crash: " + e);
    }
  }
  return out;
}"""
)

RUN_LEAVES = (
    "async (bodies) => {"
    + IMPORT
    + """
  const b = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  return Promise.all(bodies.map(async (s) => m.b64encode(await m.leafHash(b(s)))));
}"""
)


def _python_verdict(receipt: object, vkey: str) -> bool:
    try:
        verify_receipt(receipt, vkey)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True


class TestReceiptsAgreeWithPython:
    def test_every_receipt_variant_gets_the_python_verdict_and_its_reason(self, harness):
        log = _py_log()
        variants = _receipt_variants(log)
        for name, (receipt, reason) in variants.items():
            assert _python_verdict(receipt, log.vkey) is (reason is None), name
        receipts = {name: receipt for name, (receipt, _reason) in variants.items()}
        got = harness.evaluate(RUN_RECEIPTS, [log.vkey, receipts])
        assert got == {name: reason for name, (_receipt, reason) in variants.items()}

    def test_a_verifier_key_is_checked_like_crypto_checkpoint(self, harness):
        log = _py_log(1)
        name, hex_id, encoded = log.vkey.split("+", 2)
        not_ed25519 = _b64(b"\x02" + base64.b64decode(encoded)[1:])
        bad = [
            f"{name}+{hex_id[:-1]}{'0' if hex_id[-1] != '0' else '1'}+{encoded}",  # wrong id
            f"{name}+{hex_id}+{not_ed25519}",  # not an Ed25519 key
            f"{name}+{hex_id}",  # no key
            f"{name}+{hex_id.upper()}+{encoded}",  # id not lower-case hex
        ]
        for vkey in bad:
            with pytest.raises(CheckpointError):
                parse_verifier_key(vkey)
        assert harness.evaluate(RUN_KEYS, [log.vkey, *bad]) == [None] + ["key"] * len(bad)

    def test_the_leaf_hash_is_sha256_of_0x00_and_the_canonical_body(self, harness):
        log = _py_log(4)
        got = harness.evaluate(RUN_LEAVES, [_b64(b) for b in log.bodies])
        assert got == [_b64(leaf_hash(b)) for b in log.bodies]


# --- the page against the live demo server ------------------------------------------------


@dataclass
class Tab:
    """A browser tab signed in as the demo citizen, watching CSP reports and script errors."""

    page: Any
    base: str
    csp_errors: list[str]
    script_errors: list[str]
    fetched: list[str]

    def queries(self, lang: str = "zh") -> None:
        """Open the query history in a language and wait for the verify button."""
        self.page.goto(f"{self.base}/me/queries?lang={lang}")
        self.page.wait_for_selector("#verify-receipts:not([hidden])")

    def receipts(self) -> dict[int, dict[str, Any]]:
        """The receipts on the page by log index, as the page shows them."""
        texts = self.page.evaluate(
            """() => Object.fromEntries(
              Array.from(document.querySelectorAll("article[data-log-index]"))
                .filter((a) => a.querySelector(".receipt"))
                .map((a) => [a.dataset.logIndex, a.querySelector(".receipt").textContent]))"""
        )
        return {int(i): json.loads(text) for i, text in texts.items()}

    def replace(self, index: int, receipt: object) -> None:
        """Alter one receipt in the page, as a man in the middle or a lying server might."""
        self.page.evaluate(
            """([index, text]) => {
              document.querySelector(`article[data-log-index="${index}"] .receipt`)
                .textContent = text; }""",
            [index, json.dumps(receipt, indent=2)],
        )

    def verify(self) -> dict[int, tuple[str, str | None]]:
        """Click verify, wait for the summary; each row's (verdict, reason)."""
        self.fetched.clear()
        self.page.click("#verify-receipts")
        self.page.wait_for_selector("#verify-status[data-done]", timeout=30_000)
        rows = self.page.evaluate(
            """() => Array.from(document.querySelectorAll("article[data-log-index] .verdict"))
              .map((v) => [v.closest("article").dataset.logIndex, v.dataset.verdict || null,
                           v.dataset.reason || null, v.hidden])"""
        )
        assert all(not hidden for *_rest, hidden in rows)
        return {int(i): (verdict, reason) for i, verdict, reason, _hidden in rows}


@pytest.fixture
def tab(live: tuple[str, Path], browser: Any) -> Iterator[Tab]:
    """A new tab signed in (Chinese) as the demo citizen; the language is left Chinese."""
    base, _data = live
    page = browser.new_page()
    csp = watch_csp(page)
    errors: list[str] = []
    fetched: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url) if r.resource_type == "fetch" else None)
    sign_in_citizen(page, base, PERSON, lang="zh")
    try:
        yield Tab(page, base, csp, errors, fetched)
    finally:
        page.goto(base + "/?lang=zh")  # leave the shared browser profile in the default language
        page.close()


def _latest(base: str) -> Checkpoint:
    note = httpx.get(base + "/api/v1/public/checkpoint").text
    return Checkpoint.parse(note.split("\n\n")[0] + "\n")


def _status(tab: Tab) -> str:
    return str(tab.page.locator("#verify-status").inner_text())


class TestCitizenVerifiesTheirReceipts:
    def test_every_receipt_verifies_in_chinese(self, tab: Tab, a11y: A11y, live):
        base, _data = live
        for _attempt in range(3):
            # The shared server stores a checkpoint on its own cadence: a run during which
            # one was stored checks some rows against it afresh, so it is run again.
            before = _latest(base)
            tab.queries("zh")
            receipts = tab.receipts()
            verdicts = tab.verify()
            latest = _latest(base)
            if latest.size == before.size:
                break
        assert tab.page.locator("html").get_attribute("lang") == "zh-Hans"
        assert len(receipts) >= 5
        assert verdicts == {i: ("ok", None) for i in receipts}
        msgs = script_messages("zh")
        for index, text in zip(
            verdicts,
            tab.page.locator("article .verdict").all_inner_texts(),
            strict=True,
        ):
            assert text == msgs["ok"].format(index=index, size=latest.size)
        status = _status(tab)
        assert msgs["summary"].format(ok=len(receipts), failed=0, pending=0) in status
        assert _b64(latest.root) in status
        assert httpx.get(base + "/api/v1/public/log-key").text in status
        # The script fetched only the public key and checkpoint: no personal data in a URL.
        assert {urlsplit(u).path for u in tab.fetched} == PUBLIC_FETCHES
        assert all(urlsplit(u).query == "" for u in tab.fetched)
        assert tab.page.locator("#verify-status").get_attribute("role") == "status"
        assert a11y.serious(tab.page) == []
        assert tab.csp_errors == []
        assert tab.script_errors == []
        shoot(tab.page, "my-queries-verified")

    def test_every_receipt_verifies_in_english(self, tab: Tab, a11y: A11y, live):
        base, _data = live
        for _attempt in range(3):  # again if a checkpoint was stored meanwhile (see above)
            before = _latest(base)
            tab.queries("en")
            receipts = tab.receipts()
            verdicts = tab.verify()
            if _latest(base).size == before.size:
                break
        assert tab.page.locator("html").get_attribute("lang") == "en"
        assert verdicts == {i: ("ok", None) for i in receipts}
        texts = tab.page.locator("article .verdict").all_inner_texts()
        assert all(t.startswith("✓ Verified: this query is entry ") for t in texts)
        assert f"Done: {len(receipts)} verified, 0 failed" in _status(tab)
        assert a11y.serious(tab.page) == []
        assert tab.csp_errors == []
        assert tab.script_errors == []
        shoot(tab.page, "my-queries-verified-en")


class TestTamperedReceiptsFail:
    def test_receipts_altered_in_the_page_fail_with_their_reason(self, tab: Tab, a11y: A11y):
        tab.queries("zh")
        receipts = tab.receipts()
        first, second, third, fourth, fifth, *_rest = sorted(receipts)
        r = receipts
        note = str(r[second]["checkpoint"])
        body, signatures = note.split("\n\n")
        lines = body.split("\n")
        lines[2] = _flip(lines[2])  # another root, still canonical base64
        proof = list(r[third]["inclusion_proof"])
        tab.replace(first, {**r[first], "leaf_hash": _flip(str(r[first]["leaf_hash"]))})
        tab.replace(second, {**r[second], "checkpoint": "\n".join(lines) + "\n\n" + signatures})
        tab.replace(third, {**r[third], "inclusion_proof": [_flip(proof[0]), *proof[1:]]})
        tab.replace(fourth, r[fifth])  # a genuine receipt, but of another query
        verdicts = tab.verify()
        expected = {i: ("ok", None) for i in receipts}
        expected |= {
            # The row's leaf, rebuilt from what it shows, is not the leaf this receipt proves.
            first: ("failed", "shown"),
            second: ("failed", "signature"),
            third: ("failed", "proof"),
            fourth: ("failed", "index"),
        }
        assert verdicts == expected
        msgs = script_messages("zh")
        failed = tab.page.locator(f'article[data-log-index="{second}"] .verdict').inner_text()
        assert failed == msgs["failed"].format(reason=msgs["reason.signature"])
        status = _status(tab)
        rows = ", ".join(f"#{i}" for i in sorted((first, second, third, fourth), reverse=True))
        assert msgs["failed_rows"].format(rows=rows) in status
        assert tab.page.locator("#verify-status").get_attribute("data-done") == "failed"
        assert a11y.serious(tab.page) == []
        assert tab.csp_errors == []
        assert tab.script_errors == []
        shoot(tab.page, "my-queries-tampered")

    def test_a_log_row_altered_in_the_servers_database_fails(self, tab: Tab, live):
        _base, data = live
        tab.queries("zh")
        on_page = set(tab.receipts())
        target = min(on_page)
        db = data / "credence.db"
        assert db.exists(), "the live demo server keeps its log in credence.db"
        with _leaf_hash_altered(db, target):
            tab.queries("zh")  # the server now serves the altered leaf's receipt itself
            verdicts = tab.verify()
        # The altered leaf hash is in its own receipt (no longer the hash of the leaf the
        # row shows) and in its sibling's proof.
        hit = {target, target ^ 1} & on_page
        assert {i for i, v in verdicts.items() if v[0] == "failed"} == hit
        assert verdicts[target] == ("failed", "shown")
        assert all(verdicts[i] == ("failed", "proof") for i in hit - {target})
        # Put back, the same page verifies again.
        tab.queries("zh")
        assert all(v == ("ok", None) for v in tab.verify().values())

    def test_a_leaf_body_altered_in_the_servers_database_fails_on_its_row(self, tab: Tab, live):
        _base, data = live
        tab.queries("zh")
        target = max(tab.receipts())
        with _leaf_body_altered(data / "credence.db", target) as (before, after):
            tab.queries("zh")
            shown = tab.page.locator(f'article[data-log-index="{target}"] h2').inner_text()
            assert after in shown  # the page shows the altered row...
            assert before not in shown
            verdicts = tab.verify()
        # ...and only that row fails: rebuilt from what it shows, it is not the leaf proven.
        assert {i for i, v in verdicts.items() if v[0] == "failed"} == {target}
        assert verdicts[target] == ("failed", "shown")

    def test_a_query_left_out_of_the_page_breaks_the_chain(self, tab: Tab):
        tab.queries("zh")
        indexes = sorted(tab.receipts())
        left_out, after = indexes[1], indexes[2]
        tab.page.evaluate(
            '(i) => document.querySelector(`article[data-log-index="${i}"]`).remove()',
            left_out,
        )
        verdicts = tab.verify()
        assert left_out not in verdicts
        assert verdicts[after] == ("failed", "gap")
        assert {i for i, v in verdicts.items() if v[0] == "failed"} == {after}
        msgs = script_messages("zh")
        row = tab.page.locator(f'article[data-log-index="{after}"] .verdict').inner_text()
        assert row == msgs["failed"].format(reason=msgs["reason.gap"])


@contextmanager
def _leaf_body_altered(db: Path, index: int) -> Iterator[tuple[str, str]]:
    """Change the agency of one stored leaf body in the live database; restore on exit."""
    with sqlite3.connect(db, timeout=10) as conn:
        (body,) = conn.execute("SELECT body FROM query_log_leaf WHERE idx = ?", (index,)).fetchone()
    conn.close()
    original = bytes(body)
    agency = json.loads(original)["agency"]
    altered = original.replace(f'"agency":"{agency}"'.encode(), b'"agency":"bank-y"')
    assert altered != original

    def write(value: bytes) -> None:
        with sqlite3.connect(db, timeout=10) as conn:
            conn.execute("UPDATE query_log_leaf SET body = ? WHERE idx = ?", (value, index))
        conn.close()

    write(altered)
    try:
        yield agency, "bank-y"
    finally:
        write(original)


@contextmanager
def _leaf_hash_altered(db: Path, index: int) -> Iterator[None]:
    """Flip one bit of one stored leaf hash in the live SQLite database; restore on exit."""

    def write(value: bytes) -> None:
        with sqlite3.connect(db, timeout=10) as conn:
            conn.execute("UPDATE query_log_leaf SET leaf_hash = ? WHERE idx = ?", (value, index))
        conn.close()

    with sqlite3.connect(db, timeout=10) as conn:
        row = conn.execute(
            "SELECT leaf_hash FROM query_log_leaf WHERE idx = ?", (index,)
        ).fetchone()
    conn.close()
    original = bytes(row[0])
    write(bytes([original[0] ^ 1]) + original[1:])
    try:
        yield
    finally:
        write(original)


# --- receipts against an older checkpoint -------------------------------------------------


def _log_leaves(db: Path, size: int) -> list[bytes]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        rows = conn.execute(
            "SELECT idx, leaf_hash FROM query_log_leaf WHERE idx < ? ORDER BY idx", (size,)
        ).fetchall()
    conn.close()
    assert [i for i, _h in rows] == list(range(size))
    return [bytes(h) for _i, h in rows]


def _log_signer(data: Path) -> tuple[Ed25519PrivateKey, str, str]:
    """The live server's checkpoint key (the test reads the file; the page never could)."""
    stored = json.loads((data / KEY_FILE_NAME).read_text("utf-8"))
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored["ed25519_private"]))
    return key, stored["origin"], stored["name"]


def _older_receipt(
    leaves: list[bytes], index: int, key: Ed25519PrivateKey, origin: str, name: str
) -> dict[str, object]:
    tree = MemoryTree(leaves)
    note = sign_checkpoint(Checkpoint(origin=origin, size=tree.size, root=tree.root()), name, key)
    proof = inclusion_proof(index, tree.size, tree)
    return build_receipt(index, tree.leaf(index), tree.size, proof, note)


class TestOlderCheckpoints:
    def test_an_older_receipt_is_checked_again_against_the_latest_checkpoint(
        self, tab: Tab, live, a11y: A11y
    ):
        base, data = live
        tab.queries("zh")
        receipts = tab.receipts()
        latest = _latest(base)
        older, forged, foreign, *_rest = sorted(receipts)
        key, origin, name = _log_signer(data)
        # A genuine receipt against a checkpoint of the log just after the entry.
        leaves = _log_leaves(data / "credence.db", older + 1)
        assert older + 1 < latest.size
        tab.replace(older, _older_receipt(leaves, older, key, origin, name))
        # Signed with the log's key, but over a tree where this entry has another leaf:
        # consistent in itself, caught by the fresh receipt for the same index.
        fake = _log_leaves(data / "credence.db", forged + 2)
        fake[forged] = leaf_hash(b"not the query that was logged")
        tab.replace(forged, _older_receipt(fake, forged, key, origin, name))
        # Over the real leaves, but signed by another key under the log's name.
        real = _log_leaves(data / "credence.db", foreign + 1)
        tab.replace(
            foreign, _older_receipt(real, foreign, Ed25519PrivateKey.generate(), origin, name)
        )

        verdicts = tab.verify()
        expected = {i: ("ok", None) for i in receipts}
        # The forged tree's leaf is not the one the row shows: caught before any proof.
        expected |= {forged: ("failed", "shown"), foreign: ("failed", "signature")}
        assert verdicts == expected
        row = tab.page.locator(f'article[data-log-index="{older}"] .verdict')
        assert row.get_attribute("data-old-size") == str(older + 1)
        msgs = script_messages("zh")
        now = _latest(base)
        assert row.inner_text() == msgs["ok_refreshed"].format(
            index=older, size=now.size, old=older + 1
        )
        # The fresh receipts came from the same page again: no query string, no personal data.
        paths = [urlsplit(u) for u in tab.fetched]
        assert {p.path for p in paths} == PUBLIC_FETCHES | {"/me/queries"}
        assert all(p.query == "" for p in paths)
        assert a11y.serious(tab.page) == []
        assert tab.csp_errors == []
        assert tab.script_errors == []


# --- without JavaScript -------------------------------------------------------------------


class TestWithoutJavaScript:
    def test_the_page_shows_every_receipt_and_says_js_is_needed(self, live):
        base, _data = live
        with httpx.Client(base_url=base) as client:
            token = csrf_of(client.get("/signin").text)
            client.post(
                "/signin", data={"csrf_token": token, "role": "citizen", "person": str(PERSON)}
            )
            html = client.get("/me/queries?lang=en").text
            client.get("/?lang=zh")
        # The button is hidden until the script shows it; <noscript> says why.
        assert re.search(r'<button type="button" id="verify-receipts" hidden>', html)
        noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S)
        assert noscript is not None
        assert "needs JavaScript" in noscript.group(1)
        assert "leaf hash" in html  # the help text says what is verified from what
        # Each receipt is there as data for the script, and as a file to download.
        assert html.count('<script type="application/json" class="receipt">') >= 5
        assert len(re.findall(r'href="/me/queries/\d+/receipt" download=', html)) >= 5
        # No inline script: the one script block is data (application/json), not code.
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
        code = [(attrs, body) for attrs, body in scripts if "application/json" not in attrs]
        assert all(body == "" and 'src="/static/' in attrs for attrs, body in code)
        data = [body for attrs, body in scripts if "application/json" in attrs]
        (messages,) = [b for a, b in scripts if 'id="verify-messages"' in a]
        assert json.loads(messages) == script_messages("en")
        # The rest is each row's leaf and what opens it, also data.
        openings = [json.loads(b) for a, b in scripts if 'class="leaf-opening"' in a]
        receipts = [json.loads(b) for a, b in scripts if 'class="receipt"' in a]
        assert len(openings) + len(receipts) == len(data) - 1
        assert len(openings) >= 5
        assert all(set(o) == {"leaf", "private", "secret"} for o in openings)
