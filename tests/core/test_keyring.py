"""The keyring's cache of unwrapped data keys: forgetting a key drops every cached copy of
it at once, whatever the cache holds, and a shredded key is never served from it."""

from __future__ import annotations

import gc
import uuid
import weakref
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from core.clock import clock
from core.context import Context
from core.entries import store as entry_store
from core.entries.service import create_entry
from core.entries.sweeper import sweep
from core.keyring import Keyring
from core.models import DataKeyRow, Entry
from crypto import envelope
from crypto.blind_index import pseudonym, pseudonym_of
from crypto.envelope import DataKey
from crypto.suites import AES
from tests.conftest import make_keyring
from tests.factories import make_payload


def _wrapped(keyring: Keyring, n: int) -> list[tuple[DataKey, bytes]]:
    """`n` fresh data keys and their wrapped forms."""
    return [keyring.new_data_key()[:2] for _ in range(n)]


@pytest.fixture
def unwraps() -> mock.MagicMock:
    """Counts the real unwraps the keyring does (a cache hit does none)."""
    with mock.patch("core.keyring.unwrap", wraps=envelope.unwrap) as counted:
        yield counted


class TestCache:
    def test_a_second_read_is_served_from_the_cache(self, unwraps):
        keyring = make_keyring()
        ((key, blob),) = _wrapped(keyring, 1)
        assert keyring.data_key(key.id, blob).material == key.material
        assert keyring.data_key(key.id, blob).material == key.material
        assert unwraps.call_count == 1
        assert keyring.cached(key.id)

    def test_the_least_recently_used_key_leaves_a_full_cache(self, unwraps):
        base = make_keyring()
        keyring = Keyring(base.provider, base.suite, cache_size=2)
        (a, a_blob), (b, b_blob), (c, c_blob) = _wrapped(keyring, 3)
        keyring.data_key(a.id, a_blob)
        keyring.data_key(b.id, b_blob)
        keyring.data_key(a.id, a_blob)  # a is now the most recent
        keyring.data_key(c.id, c_blob)
        assert (keyring.cached(a.id), keyring.cached(b.id), keyring.cached(c.id)) == (
            True,
            False,
            True,
        )
        keyring.forget(b.id)  # already gone: nothing to do, and no error
        keyring.data_key(b.id, b_blob)
        assert unwraps.call_count == 4

    def test_a_cache_of_size_zero_keeps_nothing(self, unwraps):
        base = make_keyring()
        keyring = Keyring(base.provider, base.suite, cache_size=0)
        ((key, blob),) = _wrapped(keyring, 1)
        keyring.data_key(key.id, blob)
        keyring.data_key(key.id, blob)
        assert unwraps.call_count == 2
        assert not keyring.cached(key.id)


class TestForget:
    def test_a_forgotten_key_is_unwrapped_again(self, unwraps):
        keyring = make_keyring()
        ((key, blob),) = _wrapped(keyring, 1)
        keyring.data_key(key.id, blob)
        keyring.forget(key.id)
        assert not keyring.cached(key.id)
        keyring.data_key(key.id, blob)
        assert unwraps.call_count == 2

    def test_forgetting_one_key_keeps_the_others(self, unwraps):
        keyring = make_keyring()
        keys = _wrapped(keyring, 50)
        for key, blob in keys:
            keyring.data_key(key.id, blob)
        forgotten = keys[17][0].id
        keyring.forget(forgotten)
        assert [keyring.cached(key.id) for key, _ in keys] == [
            key.id != forgotten for key, _ in keys
        ]
        for key, blob in keys:
            keyring.data_key(key.id, blob)
        assert unwraps.call_count == 51

    def test_every_wrapped_form_of_a_key_is_forgotten(self, unwraps):
        # During a master-key rotation one data key is cached under its old and new wraps.
        keyring = make_keyring(versions=2)
        key = DataKey.generate(keyring.suite)
        old = envelope.wrap(key, keyring.provider, 1)
        new = envelope.wrap(key, keyring.provider, 2)
        keyring.data_key(key.id, old)
        keyring.data_key(key.id, new)
        keyring.forget(key.id)
        assert not keyring.cached(key.id)
        keyring.data_key(key.id, old)
        keyring.data_key(key.id, new)
        assert unwraps.call_count == 4

    def test_a_key_unwrapped_while_a_key_is_forgotten_is_not_cached(self):
        # A shred in another thread between this read's cache miss and its unwrap must not
        # leave the key behind it in the cache.
        keyring = make_keyring()
        ((key, blob),) = _wrapped(keyring, 1)

        def unwrap_racing_a_shred(*args: object) -> DataKey:
            unwrapped = envelope.unwrap(*args)  # type: ignore[arg-type]
            keyring.forget(key.id)
            return unwrapped

        with mock.patch("core.keyring.unwrap", side_effect=unwrap_racing_a_shred):
            assert keyring.data_key(key.id, blob).material == key.material
        assert not keyring.cached(key.id)

    def test_forget_does_not_scan_the_cache(self):
        # O(1): no cached key is looked at to forget another one.
        keyring = make_keyring()
        keys = _wrapped(keyring, 100)
        for key, blob in keys:
            keyring.data_key(key.id, blob)
        with mock.patch.object(uuid.UUID, "__eq__", side_effect=AssertionError("scanned")):
            keyring.forget(keys[0][0].id)
            keyring.forget(uuid.uuid4())
        assert not keyring.cached(keys[0][0].id)
        assert keyring.cached(keys[1][0].id)


class TestDerivationsGoWithTheKey:
    """What a cached key derives (its cipher, its pseudonym key) is held by the key alone, so
    forgetting the key leaves no reference to any of it in the process."""

    def _warm(self, keyring: Keyring, key: DataKey, blob: bytes) -> weakref.ref[DataKey]:
        cached = keyring.data_key(key.id, blob)
        cached.aead()
        pseudonym_of(cached, b"query-log")
        assert keyring.data_key(key.id, blob) is cached
        return weakref.ref(cached)

    def test_forget_leaves_the_key_and_its_derivations_unreferenced(self):
        keyring = make_keyring()
        (key, blob), (other, other_blob) = _wrapped(keyring, 2)
        gone = self._warm(keyring, key, blob)
        kept = self._warm(keyring, other, other_blob)
        keyring.forget(key.id)
        gc.collect()
        assert gone() is None
        assert kept() is not None
        again = keyring.data_key(key.id, blob)
        assert pseudonym_of(again, b"query-log") == pseudonym(key.suite, key.material, b"query-log")

    def test_forget_all_leaves_no_key_referenced(self):
        keyring = make_keyring()
        refs = [self._warm(keyring, key, blob) for key, blob in _wrapped(keyring, 3)]
        keyring.forget_all()
        gc.collect()
        assert [ref() for ref in refs] == [None, None, None]

    def test_eviction_leaves_the_key_unreferenced(self):
        keyring = Keyring(make_keyring().provider, AES, cache_size=1)
        (key, blob), (other, other_blob) = _wrapped(keyring, 2)
        gone = self._warm(keyring, key, blob)
        keyring.data_key(other.id, other_blob)
        gc.collect()
        assert gone() is None


class TestShreddedKeys:
    def test_a_key_shredded_by_the_sweeper_is_not_in_the_cache(self, fresh_engine, keyring):
        clock.freeze(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
        decided = clock.today() - timedelta(days=10)
        with Session(fresh_engine) as s:
            made = create_entry(
                Context(s, keyring),
                department="dept-a",
                actor="recorder-1",
                payload=make_payload(
                    list_kind="watch",
                    severity="general",
                    decided_on=decided,
                    display_until=decided + timedelta(days=90),
                    valid_until=decided + timedelta(days=90),
                    repairable=False,
                    repair_ways=[],
                ),
            )
            s.commit()
        with Session(fresh_engine) as s:
            entry = s.get(Entry, made.id)
            assert entry is not None
            key_id = entry.data_key_id
            entry_store.entry_key(s, keyring, entry)  # a read caches the entry's key
            blob = s.scalars(select(DataKeyRow.wrapped).where(col(DataKeyRow.id) == key_id)).one()
        assert keyring.cached(key_id)

        end = made.retain_until
        report = sweep(
            engine=fresh_engine,
            keyring=keyring,
            now=datetime(end.year, end.month, end.day, 2, 0, tzinfo=UTC),
        )
        assert report.events.get("shredded") == 1
        assert not keyring.cached(key_id)
        with Session(fresh_engine) as s:
            row = s.get(DataKeyRow, key_id)
            assert row is not None
            assert row.wrapped is None
        # Even with the old wrapped bytes in hand, the cache has nothing to give.
        with (
            mock.patch("core.keyring.unwrap", side_effect=AssertionError("unwrapped")),
            pytest.raises(AssertionError, match="unwrapped"),
        ):
            keyring.data_key(key_id, blob)
