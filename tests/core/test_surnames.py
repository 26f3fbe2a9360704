"""Tests for core.surnames: compound surnames and surname splitting."""

from __future__ import annotations

import pytest

from core.surnames import COMPOUND_SURNAMES, surname_of


@pytest.mark.parametrize(
    ("name", "surname"),
    [
        ("欧阳修", "欧阳"),
        ("司马相如", "司马"),
        ("诸葛亮", "诸葛"),
        ("王小明", "王"),
        ("李白", "李"),
        ("司马", "司"),
        ("欧阳", "欧"),
        ("王", "王"),
        ("欧", "欧"),
        ("", ""),
    ],
)
def test_surname_of(name: str, surname: str) -> None:
    assert surname_of(name) == surname


def test_compound_surnames_are_thorough_and_two_characters() -> None:
    assert isinstance(COMPOUND_SURNAMES, frozenset)
    assert len(COMPOUND_SURNAMES) >= 40
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)
    assert {"欧阳", "司马", "诸葛", "上官", "司徒", "东方", "慕容", "皇甫"} <= COMPOUND_SURNAMES


def test_surname_is_a_proper_prefix_of_longer_names() -> None:
    for compound in COMPOUND_SURNAMES:
        assert surname_of(compound + "明") == compound
        assert surname_of(compound) == compound[0]
