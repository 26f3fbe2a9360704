"""Browser sessions in the database: shared by every worker, sealed at rest, refused once
expired, and pending sign-ins taken at most once (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlmodel import Session

from core.clock import clock
from core.db import make_engine, reader
from core.identity import web_sessions as service
from core.identity.issuer_keys import IssuerKeys
from core.identity.tokens import mint_access_token
from core.identity.web_sessions import PendingLogin, csrf_key, id_hash
from core.keyring import Keyring
from core.models import WebSessionRow
from core.ops.keys import open_keyring, rotate_master_key
from crypto.blind_index import BlindIndexer
from crypto.envelope import wrapped_version
from crypto.keys import EnvKeyProvider, LocalFileKeyProvider, encode_env_keys
from crypto.suites import AES
from tests.conftest import PG_URL
from tests.factories import make_code


def twin_keyrings() -> tuple[Keyring, Keyring]:
    """Two workers' keyrings over the same master key and stored index key (own providers)."""
    value = encode_env_keys({1: secrets.token_bytes(32)})
    indexer = BlindIndexer.generate(AES)
    return (
        Keyring(EnvKeyProvider(value), AES, indexer=indexer),
        Keyring(EnvKeyProvider(value), AES, indexer=indexer),
    )


def citizen_token(tmp_path: Path, code: str, ttl: timedelta = timedelta(minutes=15)) -> str:
    """A real signed access token carrying a citizen's code claim."""
    keys = IssuerKeys.load_or_create(tmp_path / f"issuer-{secrets.token_hex(4)}.json")
    return mint_access_token(
        keys=keys,
        issuer="urn:test",
        audience="credence-api",
        subject="citizen-1",
        claims={"role": "citizen", "credit_code": code},
        ttl=ttl,
        now=clock.now(),
        client_id="web",
    )


def service_sid() -> str:
    """A fresh random session (or sign-in) id, as the pages make them."""
    return secrets.token_urlsafe(32)


def save(engine: Engine, keyring: Keyring, sid: str, token: str, ttl: timedelta) -> None:
    with Session(engine) as db:
        service.save_session(
            session=db,
            keyring=keyring,
            sid=sid,
            token=token,
            role="citizen",
            label="王*",
            expires_at=clock.now() + ttl,
            now=clock.now(),
        )
        db.commit()


def load(engine: Engine, keyring: Keyring, sid: str) -> service.SessionLookup:
    with Session(engine) as db:
        return service.load_session(session=db, keyring=keyring, sid=sid, now=clock.now())


def rows(engine: Engine) -> list[WebSessionRow]:
    with Session(engine) as db:
        return list(db.execute(select(WebSessionRow)).scalars())


class TestSharedByWorkers:
    def test_a_session_one_worker_stores_is_read_and_dropped_by_another(
        self, fresh_engine, fresh_url, tmp_path
    ):
        mine, theirs = twin_keyrings()
        other_engine = make_engine(fresh_url)
        try:
            token = citizen_token(tmp_path, make_code())
            sid = service_sid()
            save(fresh_engine, mine, sid, token, timedelta(minutes=15))
            found = load(other_engine, theirs, sid).session
            assert found is not None
            assert (found.token, found.role, found.label) == (token, "citizen", "王*")
            with Session(other_engine) as db:
                assert service.drop_session(session=db, sid=sid)
                db.commit()
            assert load(fresh_engine, mine, sid) == service.SessionLookup(None)
        finally:
            other_engine.dispose()

    def test_the_csrf_key_is_the_same_in_every_worker_and_only_there(self):
        mine, theirs = twin_keyrings()
        stranger, _ = twin_keyrings()
        assert csrf_key(mine) == csrf_key(theirs)
        assert len(csrf_key(mine)) == 32
        assert csrf_key(stranger) != csrf_key(mine)

    def test_the_csrf_key_does_not_move_when_the_master_key_rotates(self, fresh_engine, tmp_path):
        path = tmp_path / "master.key"
        keyring = open_keyring(fresh_engine, LocalFileKeyProvider(path, create=True), AES)
        before = csrf_key(keyring)
        with Session(fresh_engine) as db:
            rotate_master_key(session=db, keyring=keyring)
        assert keyring.current_version() == 2
        assert csrf_key(keyring) == before
        reopened = open_keyring(fresh_engine, LocalFileKeyProvider(path), AES)
        assert csrf_key(reopened) == before


class TestAtRest:
    def test_no_token_code_or_id_reaches_the_database(self, fresh_engine, fresh_url, tmp_path):
        keyring, _ = twin_keyrings()
        code = make_code()
        token = citizen_token(tmp_path, code)
        payload_segment = token.split(".")[1]
        sid, login_id = service_sid(), service_sid()
        pending = PendingLogin(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(48),
            return_to="/me/queries",
        )
        save(fresh_engine, keyring, sid, token, timedelta(minutes=15))
        with Session(fresh_engine) as db:
            service.save_login(
                session=db,
                keyring=keyring,
                login_id=login_id,
                login=pending,
                expires_at=clock.now() + timedelta(minutes=10),
                now=clock.now(),
            )
            db.commit()
        secrets_ = [
            token,
            code,
            payload_segment,
            sid,
            login_id,
            pending.state,
            pending.nonce,
            pending.code_verifier,
            "/me/queries",
        ]
        needles = [s.encode() for s in secrets_] + [
            base64.b64encode(s.encode()) for s in (token, code)
        ]
        stored = rows(fresh_engine)
        assert {r.id_hash for r in stored} == {id_hash(sid), id_hash(login_id)}
        assert id_hash(sid) == hashlib.sha256(sid.encode()).digest()
        for row in stored:
            blob = b"".join(
                v if isinstance(v, bytes) else str(v).encode() for v in row.model_dump().values()
            )
            assert not [n for n in needles if n in blob]
        if PG_URL is None:
            # The bytes of the SQLite file itself, with its write-ahead log.
            # Outside a write transaction: SQLite refuses to checkpoint under its own lock.
            with reader(fresh_engine).connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
            path = Path(fresh_url.removeprefix("sqlite:///"))
            files = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
            assert path in files
            raw = b"".join(p.read_bytes() for p in files)
            assert id_hash(sid) in raw  # the scan does see what the table holds
            assert not [n for n in needles if n in raw]

    def test_a_ciphertext_moved_to_another_row_does_not_open(self, fresh_engine, tmp_path):
        keyring, _ = twin_keyrings()
        victim, attacker = service_sid(), service_sid()
        save(
            fresh_engine, keyring, victim, citizen_token(tmp_path, make_code()), timedelta(hours=1)
        )
        save(
            fresh_engine,
            keyring,
            attacker,
            citizen_token(tmp_path, make_code()),
            timedelta(hours=1),
        )
        source = next(r for r in rows(fresh_engine) if r.id_hash == id_hash(victim))
        with Session(fresh_engine) as db:
            db.execute(
                update(WebSessionRow)
                .where(WebSessionRow.id_hash == id_hash(attacker))  # type: ignore[arg-type]
                .values(
                    sealed=source.sealed,
                    wrapped_key=source.wrapped_key,
                    data_key_id=source.data_key_id,
                )
            )
            db.commit()
        assert load(fresh_engine, keyring, attacker) == service.SessionLookup(None, stale=True)
        assert load(fresh_engine, keyring, victim).session is not None

    def test_another_master_key_opens_nothing(self, fresh_engine, tmp_path):
        keyring, _ = twin_keyrings()
        stranger, _ = twin_keyrings()
        sid = service_sid()
        save(fresh_engine, keyring, sid, citizen_token(tmp_path, make_code()), timedelta(hours=1))
        assert load(fresh_engine, stranger, sid) == service.SessionLookup(None, stale=True)

    def test_sessions_sealed_before_a_rotation_still_open_after_it(self, fresh_engine, tmp_path):
        provider = LocalFileKeyProvider(tmp_path / "master.key", create=True)
        keyring = open_keyring(fresh_engine, provider, AES)
        old_sid, new_sid = service_sid(), service_sid()
        token = citizen_token(tmp_path, make_code())
        save(fresh_engine, keyring, old_sid, token, timedelta(hours=1))
        with Session(fresh_engine) as db:
            rotate_master_key(session=db, keyring=keyring)
        save(fresh_engine, keyring, new_sid, token, timedelta(hours=1))
        versions = {r.id_hash: wrapped_version(r.wrapped_key) for r in rows(fresh_engine)}
        assert versions == {id_hash(old_sid): 1, id_hash(new_sid): 2}
        for sid in (old_sid, new_sid):
            found = load(fresh_engine, keyring, sid).session
            assert found is not None
            assert found.token == token


class TestExpiry:
    def test_an_expired_session_is_refused_and_marked_for_deletion(self, fresh_engine, tmp_path):
        keyring, _ = twin_keyrings()
        sid = service_sid()
        save(fresh_engine, keyring, sid, citizen_token(tmp_path, make_code()), timedelta(minutes=5))
        assert load(fresh_engine, keyring, sid).session is not None
        clock.advance(timedelta(minutes=5))
        assert load(fresh_engine, keyring, sid) == service.SessionLookup(None, stale=True)

    def test_purge_removes_expired_rows_of_both_kinds_and_keeps_live_ones(
        self, fresh_engine, tmp_path
    ):
        keyring, _ = twin_keyrings()
        token = citizen_token(tmp_path, make_code())
        short, long_ = service_sid(), service_sid()
        save(fresh_engine, keyring, short, token, timedelta(minutes=1))
        save(fresh_engine, keyring, long_, token, timedelta(hours=1))
        with Session(fresh_engine) as db:
            service.save_login(
                session=db,
                keyring=keyring,
                login_id=service_sid(),
                login=PendingLogin(state="s", nonce="n", code_verifier="v"),
                expires_at=clock.now() + timedelta(minutes=10),
                now=clock.now(),
            )
            db.commit()
        clock.advance(timedelta(minutes=11))
        with Session(fresh_engine) as db:
            assert service.purge_expired(session=db, now=clock.now()) == 2
            db.commit()
        assert [r.id_hash for r in rows(fresh_engine)] == [id_hash(long_)]

    def test_storing_a_session_clears_expired_ones(self, fresh_engine, tmp_path):
        keyring, _ = twin_keyrings()
        token = citizen_token(tmp_path, make_code())
        old = service_sid()
        save(fresh_engine, keyring, old, token, timedelta(minutes=1))
        clock.advance(timedelta(minutes=2))
        fresh = service_sid()
        save(fresh_engine, keyring, fresh, token, timedelta(minutes=10))
        assert [r.id_hash for r in rows(fresh_engine)] == [id_hash(fresh)]


class TestPendingLogin:
    def _begin(self, engine: Engine, keyring: Keyring, login_id: str, ttl: timedelta) -> None:
        with Session(engine) as db:
            service.save_login(
                session=db,
                keyring=keyring,
                login_id=login_id,
                login=PendingLogin(
                    state="state-1", nonce="nonce-1", code_verifier="v" * 64, return_to="/me"
                ),
                expires_at=clock.now() + ttl,
                now=clock.now(),
            )
            db.commit()

    def _take(self, engine: Engine, keyring: Keyring, login_id: str) -> PendingLogin | None:
        with Session(engine) as db:
            found = service.take_login(
                session=db, keyring=keyring, login_id=login_id, now=clock.now()
            )
            db.commit()
        return found

    def test_taken_once_then_gone(self, fresh_engine):
        keyring, _ = twin_keyrings()
        login_id = service_sid()
        self._begin(fresh_engine, keyring, login_id, timedelta(minutes=10))
        found = self._take(fresh_engine, keyring, login_id)
        assert found == PendingLogin(
            state="state-1", nonce="nonce-1", code_verifier="v" * 64, return_to="/me"
        )
        assert "state-1" not in repr(found)
        assert "v" * 64 not in repr(found)
        assert self._take(fresh_engine, keyring, login_id) is None
        assert rows(fresh_engine) == []

    def test_a_session_id_is_not_a_sign_in_id_nor_the_reverse(self, fresh_engine, tmp_path):
        keyring, _ = twin_keyrings()
        same = service_sid()
        self._begin(fresh_engine, keyring, same, timedelta(minutes=10))
        assert load(fresh_engine, keyring, same) == service.SessionLookup(None)
        assert self._take(fresh_engine, keyring, service_sid()) is None
        assert len(rows(fresh_engine)) == 1

    def test_an_expired_sign_in_is_refused_and_removed(self, fresh_engine):
        keyring, _ = twin_keyrings()
        login_id = service_sid()
        self._begin(fresh_engine, keyring, login_id, timedelta(minutes=10))
        clock.advance(timedelta(minutes=10, seconds=1))
        assert self._take(fresh_engine, keyring, login_id) is None
        assert rows(fresh_engine) == []

    @pytest.mark.parametrize("contenders", [8])
    def test_racing_callbacks_exactly_one_takes_it(self, fresh_engine, fresh_url, contenders):
        keyring, _ = twin_keyrings()
        login_id = service_sid()
        self._begin(fresh_engine, keyring, login_id, timedelta(minutes=10))
        engines = [make_engine(fresh_url) for _ in range(contenders)]
        results: list[PendingLogin | None] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(contenders)

        def contend(engine: Engine) -> None:
            try:
                barrier.wait()
                results.append(self._take(engine, keyring, login_id))
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=contend, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for e in engines:
            e.dispose()
        assert errors == []
        assert len(results) == contenders
        assert sum(r is not None for r in results) == 1
