"""Tests for core.demo.people: the deterministic demo population."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from core.codes import validate_citizen_code
from core.demo.people import DemoPerson, demo_people
from core.surnames import COMPOUND_SURNAMES, surname_of


def test_same_seed_gives_same_list() -> None:
    assert demo_people() == demo_people()
    assert demo_people(20, seed=7) == demo_people(20, seed=7)


def test_different_seed_gives_different_list() -> None:
    assert demo_people(seed=1) != demo_people(seed=2)


def test_shorter_list_is_a_prefix() -> None:
    assert demo_people(10) == demo_people(50)[:10]


def test_fifty_unique_valid_codes() -> None:
    people = demo_people()
    assert len(people) == 50
    codes = [p.code for p in people]
    assert len(set(codes)) == 50
    for code in codes:
        assert validate_citizen_code(code) == code
        assert date(1950, 1, 1) <= date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
        assert int(code[6:10]) <= 2004


def test_both_sexes_and_several_regions() -> None:
    codes = [p.code for p in demo_people()]
    assert {int(code[16]) % 2 for code in codes} == {0, 1}
    assert len({code[:6] for code in codes}) >= 5


def test_unique_plausible_names() -> None:
    names = [p.name for p in demo_people()]
    assert len(set(names)) == 50
    assert all(2 <= len(name) <= 4 for name in names)
    assert all("\u4e00" <= ch <= "\u9fff" for name in names for ch in name)


def test_compound_surnames_and_four_character_name() -> None:
    names = [p.name for p in demo_people()]
    compound = [name for name in names if surname_of(name) in COMPOUND_SURNAMES]
    assert len(compound) >= 3
    assert any(len(name) == 4 for name in names)


def test_every_name_keeps_a_given_name() -> None:
    for person in demo_people(500, seed=3):
        surname = surname_of(person.name)
        assert len(person.name) > len(surname)


def test_repr_and_str_leak_nothing() -> None:
    for person in demo_people():
        for text in (repr(person), str(person), f"{person}", repr([person])):
            assert not set(text) & set(person.code + person.name)
        assert repr(person) == "DemoPerson(<redacted>)"


def test_demo_person_is_frozen() -> None:
    person = demo_people(1)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        person.name = "x"  # type: ignore[misc]
    assert DemoPerson(code=person.code, name=person.name) == person


@pytest.mark.parametrize("count", [-1, 10_001])
def test_count_out_of_range_fails(count: int) -> None:
    with pytest.raises(ValueError, match="count"):
        demo_people(count)


def test_zero_people() -> None:
    assert demo_people(0) == []
