"""No plaintext of a recorded, amended or refused entry reaches the database file, a log or a
URL: the code, name and facts are typed in forms, kept in answers' bodies only (issue 18)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import bearer, csrf_of, make_code, make_payload

NAME = "司马青云"
FACTS = "拖欠农民工工资三十八万元拒不支付"
NEW_FACTS = "拖欠农民工工资三十一万元拒不支付（更正）"
REFUSED_NAME = "诸葛明远"
REFUSED_FACTS = "虚开增值税发票一百零七份"


@pytest.fixture
def client(client):
    """The app's client over https, as browsers reach it: the session cookie is Secure there."""
    client.base_url = "https://testserver"
    return client


def _form(code: str, name: str, facts: str, **overrides) -> dict[str, object]:
    payload = make_payload(subject_code=code, subject_name=name, facts=facts)
    fields: dict[str, object] = {
        k: "" if v is None else str(v)
        for k, v in payload.model_dump(mode="json").items()
        if k != "repair_ways"
    }
    fields["display_until"] = (payload.display_until - timedelta(days=1)).isoformat()
    fields["valid_until"] = (payload.valid_until - timedelta(days=1)).isoformat()
    fields["repairable"] = "on"
    fields["repair_ways"] = list(payload.repair_ways)
    fields.update(overrides)
    return fields


def _stored_bytes(runtime) -> bytes:
    main = Path(str(runtime.engine.url.database))
    return b"".join(p.read_bytes() for p in (main, Path(f"{main}-wal")) if p.exists())


def test_codes_names_and_facts_stay_out_of_the_file_the_logs_and_every_url(
    client, mint, runtime, caplog
):
    if runtime.engine.url.get_backend_name() != "sqlite":
        pytest.skip("scans the SQLite file; PostgreSQL's files are not the test's to read")
    caplog.set_level(logging.DEBUG)
    code, refused_code = make_code(), make_code()
    headers = bearer(mint("recorder"))
    token = csrf_of(client.get("/recorder", headers=headers).text)
    urls: list[str] = []

    made = client.post(
        "/recorder/entries",
        headers=headers,
        data={"csrf_token": token, **_form(code, NAME, FACTS)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    urls.append(made.headers["location"])
    entry = urls[0].split("/")[-1].split("?")[0]

    amended = client.post(
        f"/recorder/entries/{entry}/amend",
        headers=headers,
        data={"csrf_token": token, "facts": NEW_FACTS, "version": "1"},
        follow_redirects=False,
    )
    assert amended.status_code == 303
    urls.append(amended.headers["location"])

    # Refused (a display of 30 days is below the serious minimum): kept in the answer only.
    decided = make_payload().decided_on
    refused = client.post(
        "/recorder/entries",
        headers=headers,
        data={
            "csrf_token": token,
            **_form(
                refused_code,
                REFUSED_NAME,
                REFUSED_FACTS,
                display_until=(decided + timedelta(days=30)).isoformat(),
            ),
        },
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert refused_code in refused.text
    assert REFUSED_NAME in refused.text
    assert refused.headers["cache-control"] == "no-store"

    found = client.post(
        "/recorder/entries/search",
        headers=headers,
        data={"csrf_token": token, "subject_code": code},
    )
    assert found.status_code == 200
    assert entry in found.text

    secrets = [code, NAME, FACTS, NEW_FACTS, refused_code, REFUSED_NAME, REFUSED_FACTS]
    raw = _stored_bytes(runtime)
    assert len(raw) > 0
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in secrets:
        assert secret.encode() not in raw, secret
        assert secret not in logged, secret
        assert all(secret not in url for url in urls), secret
    # The old facts are still there for the history, sealed: not as plaintext.
    history = client.get(f"/api/v1/records/{entry}/history", headers=headers).json()
    assert [line["event"] for line in history["items"]][-1] == "corrected"
    assert FACTS not in str(history)
