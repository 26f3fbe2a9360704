"""Secret files: created once and never overwritten, read only when private and regular."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from crypto.keys import LocalFileKeyProvider
from crypto.secret_files import (
    SecretFileError,
    create_private,
    directory_lock,
    read_private,
    replace_private,
)


def _run_together(count: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _locked_elsewhere(directory: Path) -> bool:
    """Whether another open file description holds the directory's lock."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class TestCreate:
    def test_created_0600_and_never_replaced(self, tmp_path: Path) -> None:
        path = tmp_path / "sub" / "k"
        assert create_private(path, b"first") is True
        assert create_private(path, b"second") is False
        assert path.read_bytes() == b"first"
        assert path.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["k"]

    def test_created_0600_whatever_the_umask(self, tmp_path: Path) -> None:
        old = os.umask(0)
        try:
            create_private(tmp_path / "k", b"data")
        finally:
            os.umask(old)
        assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600

    def test_never_writes_through_a_symlink(self, tmp_path: Path) -> None:
        target = tmp_path / "target"
        link = tmp_path / "k"
        link.symlink_to(target)
        assert create_private(link, b"data") is False
        assert not target.exists()
        assert link.is_symlink()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["k"]

    def test_concurrent_creates_have_one_winner(self, tmp_path: Path) -> None:
        path = tmp_path / "k"
        won: list[int] = []

        def create(i: int) -> None:
            if create_private(path, f"writer-{i}".encode()):
                won.append(i)

        assert _run_together(8, create) == []
        assert len(won) == 1
        assert path.read_bytes() == f"writer-{won[0]}".encode()
        assert [p.name for p in tmp_path.iterdir()] == ["k"]

    def test_concurrent_first_starts_agree_on_one_master_key(self, tmp_path: Path) -> None:
        path = tmp_path / "master.key"
        blobs: dict[int, bytes] = {}

        def first_start(i: int) -> None:
            provider = LocalFileKeyProvider(path, create=True)
            blobs[i] = provider.wrap(1, b"s" * 32, b"%d" % i)

        assert _run_together(8, first_start) == []
        assert len(blobs) == 8
        # One key for all: every start's wrap opens under the key the file holds now.
        survivor = LocalFileKeyProvider(path)
        assert survivor.versions() == [1]
        for i, blob in blobs.items():
            assert survivor.unwrap(1, blob, b"%d" % i) == b"s" * 32
        assert [p.name for p in tmp_path.iterdir()] == ["master.key"]


class TestRead:
    def test_reads_a_private_file(self, tmp_path: Path) -> None:
        path = tmp_path / "k"
        create_private(path, b"data")
        assert read_private(path, max_bytes=10) == b"data"

    @pytest.mark.parametrize("mode", [0o400, 0o600, 0o700])
    def test_owner_only_modes_are_accepted(self, tmp_path: Path, mode: int) -> None:
        path = tmp_path / "k"
        create_private(path, b"data")
        path.chmod(mode)
        assert read_private(path, max_bytes=10) == b"data"

    @pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o601, 0o610, 0o602])
    def test_any_group_or_other_bit_is_refused(self, tmp_path: Path, mode: int) -> None:
        path = tmp_path / "k"
        create_private(path, b"data")
        path.chmod(mode)
        with pytest.raises(SecretFileError, match=f"mode {mode:04o}"):
            read_private(path, max_bytes=10)

    def test_symlink_is_refused(self, tmp_path: Path) -> None:
        target = tmp_path / "real"
        create_private(target, b"data")
        link = tmp_path / "link"
        link.symlink_to(target)
        with pytest.raises(SecretFileError, match="symlink"):
            read_private(link, max_bytes=10)

    def test_directory_and_missing_and_oversize_are_refused(self, tmp_path: Path) -> None:
        (tmp_path / "d").mkdir(mode=0o700)
        with pytest.raises(SecretFileError, match="not a regular file"):
            read_private(tmp_path / "d", max_bytes=10)
        with pytest.raises(SecretFileError, match="missing"):
            read_private(tmp_path / "nope", max_bytes=10)
        create_private(tmp_path / "big", b"x" * 11)
        with pytest.raises(SecretFileError, match="too large"):
            read_private(tmp_path / "big", max_bytes=10)

    def test_a_fifo_is_refused_without_waiting_for_a_writer(self, tmp_path: Path) -> None:
        fifo = tmp_path / "k"
        os.mkfifo(fifo, 0o600)
        outcome: list[BaseException] = []

        def read() -> None:
            try:
                read_private(fifo, max_bytes=10)
            except BaseException as exc:  # reported below
                outcome.append(exc)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        # A generous bound only so that a regression fails instead of hanging the suite.
        reader.join(timeout=60)
        if reader.is_alive():
            with open(fifo, "wb"):  # let the stuck reader go
                pass
            pytest.fail("read_private waited for a writer on a FIFO")
        assert len(outcome) == 1
        assert isinstance(outcome[0], SecretFileError)
        assert "not a regular file" in str(outcome[0])

    def test_exactly_max_bytes_is_accepted(self, tmp_path: Path) -> None:
        create_private(tmp_path / "k", b"x" * 10)
        assert read_private(tmp_path / "k", max_bytes=10) == b"x" * 10

    def test_error_never_holds_the_content(self, tmp_path: Path) -> None:
        path = tmp_path / "k"
        create_private(path, b"TOP-SECRET-BYTES")
        os.chmod(path, 0o644)
        with pytest.raises(SecretFileError) as info:
            read_private(path, max_bytes=100)
        assert "TOP-SECRET" not in str(info.value)
        os.chmod(path, 0o600)
        with pytest.raises(SecretFileError) as info:
            read_private(path, max_bytes=4)
        assert "TOP" not in str(info.value)


class TestReplace:
    def test_replace_is_whole_and_private(self, tmp_path: Path) -> None:
        path = tmp_path / "k"
        create_private(path, b"old")
        replace_private(path, b"new")
        assert path.read_bytes() == b"new"
        assert path.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in tmp_path.iterdir()] == ["k"]

    def test_replace_makes_a_too_open_file_private(self, tmp_path: Path) -> None:
        path = tmp_path / "k"
        path.write_bytes(b"old")
        path.chmod(0o644)
        replace_private(path, b"new")
        assert path.stat().st_mode & 0o777 == 0o600
        assert read_private(path, max_bytes=10) == b"new"

    def test_replace_creates_a_missing_file(self, tmp_path: Path) -> None:
        replace_private(tmp_path / "sub" / "k", b"new")
        assert read_private(tmp_path / "sub" / "k", max_bytes=10) == b"new"
        assert [p.name for p in (tmp_path / "sub").iterdir()] == ["k"]

    def test_a_reader_of_the_old_file_sees_it_whole(self, tmp_path: Path) -> None:
        path = tmp_path / "k"
        create_private(path, b"old content")
        with path.open("rb") as old:
            replace_private(path, b"new")
            assert old.read() == b"old content"
        assert path.read_bytes() == b"new"

    def test_replace_replaces_a_symlink_not_its_target(self, tmp_path: Path) -> None:
        target = tmp_path / "target"
        create_private(target, b"target content")
        link = tmp_path / "k"
        link.symlink_to(target)
        replace_private(link, b"new")
        assert not link.is_symlink()
        assert link.read_bytes() == b"new"
        assert target.read_bytes() == b"target content"


class TestDirectoryLock:
    def test_is_held_inside_and_released_after(self, tmp_path: Path) -> None:
        assert not _locked_elsewhere(tmp_path)
        with directory_lock(tmp_path):
            assert _locked_elsewhere(tmp_path)
        assert not _locked_elsewhere(tmp_path)

    def test_is_released_when_the_body_raises(self, tmp_path: Path) -> None:
        with pytest.raises(LookupError), directory_lock(tmp_path):
            raise LookupError("inside")
        assert not _locked_elsewhere(tmp_path)

    def test_locks_only_its_own_directory(self, tmp_path: Path) -> None:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        with directory_lock(tmp_path / "a"):
            assert not _locked_elsewhere(tmp_path / "b")

    def test_excludes_other_threads(self, tmp_path: Path) -> None:
        inside = 0
        overlaps: list[int] = []
        guard = threading.Lock()

        def work(_: int) -> None:
            nonlocal inside
            for _ in range(50):
                with directory_lock(tmp_path):
                    with guard:
                        inside += 1
                        if inside > 1:
                            overlaps.append(inside)
                    # Another thread gets the GIL here; only the lock keeps it out.
                    os.sched_yield()
                    with guard:
                        inside -= 1

        assert _run_together(8, work) == []
        assert overlaps == []
