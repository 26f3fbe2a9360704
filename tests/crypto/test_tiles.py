"""Tile names (C2SP tlog-tiles): one canonical path per tile, and what a tile covers."""

from __future__ import annotations

import pytest

from crypto.tiles import (
    TILE_WIDTH,
    TilePathError,
    TileRef,
    encode_index,
    parse_tile_path,
    tile_bytes,
    tile_path,
)


class TestIndexEncoding:
    @pytest.mark.parametrize(
        ("index", "text"),
        [
            (0, "000"),
            (7, "007"),
            (999, "999"),
            (1000, "x001/000"),
            (1234067, "x001/x234/067"),
            (2**63 - 1, "x009/x223/x372/x036/x854/x775/807"),
        ],
    )
    def test_groups_of_three_led_by_x(self, index, text):
        assert encode_index(index) == text
        assert parse_tile_path(f"0/{text}") == TileRef(level=0, index=index)


class TestCanonicalPaths:
    @pytest.mark.parametrize(
        "ref",
        [
            TileRef(0, 0),
            TileRef(0, 0, 1),
            TileRef(0, 1234067, 255),
            TileRef(1, 5, 17),
            TileRef(63, 0, 1),
        ],
    )
    def test_round_trip(self, ref):
        path = tile_path(ref)
        assert path.startswith("tile/")
        assert parse_tile_path(path.removeprefix("tile/")) == ref

    def test_partial_path_shape(self):
        assert tile_path(TileRef(0, 1234067, 112)) == "tile/0/x001/x234/067.p/112"

    @pytest.mark.parametrize(
        "path",
        [
            "",
            "0",
            "0/",
            "00/000",  # level with a leading zero
            "64/000",  # level past 63
            "-1/000",
            "a/000",
            "0/1",  # index not 3 digits
            "0/0001",
            "0/x1/2",
            "0/x1/002",
            "0/x001/2",
            "0/x000/001",  # a leading group of zeros
            "0/001/002",  # a group not led by x
            "0/x001",  # nothing but x groups
            "0/-01",
            "0/+01",
            "0/ 01",
            "0/000.p",
            "0/000.p/",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/300",
            "0/000.p/01",
            "0/000.p/1/2",
            "0/000/",
            "0/000/extra",
            "0/x001.p/000",
            "0/000.q/5",
            "0/x001/x002/x003/x004/x005/x006/x007/008",  # past a 64-bit index
            "entries/000",
        ],
    )
    def test_non_canonical_is_refused(self, path):
        with pytest.raises(TilePathError):
            parse_tile_path(path)


class TestCoverage:
    def test_end_leaf(self):
        assert TileRef(0, 0).end_leaf == 256
        assert TileRef(0, 2, 5).end_leaf == 517
        assert TileRef(1, 0, 1).end_leaf == 256
        assert TileRef(1, 1, 3).end_leaf == (256 + 3) * 256
        assert TileRef(2, 0, 1).end_leaf == 256**2

    def test_within(self):
        assert TileRef(0, 0, 5).within(5)
        assert not TileRef(0, 0, 6).within(5)
        assert not TileRef(0, 0).within(255)
        assert TileRef(0, 0).within(256)
        assert TileRef(1, 0, 1).within(256)

    def test_tile_bytes_checks_hashes(self):
        assert tile_bytes([b"\x01" * 32, b"\x02" * 32]) == b"\x01" * 32 + b"\x02" * 32
        with pytest.raises(ValueError, match="a tile holds"):
            tile_bytes([])
        with pytest.raises(ValueError, match="a tile holds"):
            tile_bytes([b"\x01" * 31])
        with pytest.raises(ValueError, match="a tile holds"):
            tile_bytes([b"\x00" * 32] * (TILE_WIDTH + 1))
