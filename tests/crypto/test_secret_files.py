"""Secret files: created once and never overwritten, read only when private and regular."""

from __future__ import annotations

import os
import threading

import pytest

from crypto.keys import LocalFileKeyProvider
from crypto.secret_files import SecretFileError, create_private, read_private, replace_private


class TestCreate:
    def test_created_0600_and_never_replaced(self, tmp_path):
        path = tmp_path / "sub" / "k"
        assert create_private(path, b"first") is True
        assert create_private(path, b"second") is False
        assert path.read_bytes() == b"first"
        assert path.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["k"]

    def test_concurrent_first_starts_agree_on_one_master_key(self, tmp_path):
        path = tmp_path / "master.key"
        seen: list[bytes] = []
        start = threading.Barrier(8)

        def first_start() -> None:
            start.wait()
            seen.append(LocalFileKeyProvider(path, create=True).current().material)

        threads = [threading.Thread(target=first_start) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(seen) == 8
        assert len(set(seen)) == 1


class TestRead:
    def test_reads_a_private_file(self, tmp_path):
        path = tmp_path / "k"
        create_private(path, b"data")
        assert read_private(path, max_bytes=10) == b"data"

    @pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o601])
    def test_any_group_or_other_bit_is_refused(self, tmp_path, mode):
        path = tmp_path / "k"
        create_private(path, b"data")
        path.chmod(mode)
        with pytest.raises(SecretFileError, match=f"mode {mode:04o}"):
            read_private(path, max_bytes=10)

    def test_symlink_is_refused(self, tmp_path):
        target = tmp_path / "real"
        create_private(target, b"data")
        link = tmp_path / "link"
        link.symlink_to(target)
        with pytest.raises(SecretFileError, match="symlink"):
            read_private(link, max_bytes=10)

    def test_directory_and_missing_and_oversize_are_refused(self, tmp_path):
        (tmp_path / "d").mkdir(mode=0o700)
        with pytest.raises(SecretFileError):
            read_private(tmp_path / "d", max_bytes=10)
        with pytest.raises(SecretFileError, match="missing"):
            read_private(tmp_path / "nope", max_bytes=10)
        create_private(tmp_path / "big", b"x" * 11)
        with pytest.raises(SecretFileError, match="too large"):
            read_private(tmp_path / "big", max_bytes=10)

    def test_error_never_holds_the_content(self, tmp_path):
        path = tmp_path / "k"
        create_private(path, b"TOP-SECRET-BYTES")
        os.chmod(path, 0o644)
        with pytest.raises(SecretFileError) as info:
            read_private(path, max_bytes=100)
        assert "TOP-SECRET" not in str(info.value)


class TestReplace:
    def test_replace_is_whole_and_private(self, tmp_path):
        path = tmp_path / "k"
        create_private(path, b"old")
        replace_private(path, b"new")
        assert path.read_bytes() == b"new"
        assert path.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in tmp_path.iterdir()] == ["k"]
