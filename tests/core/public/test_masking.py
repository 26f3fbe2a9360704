"""The public masking policy (§9): masked names, public exit reasons, what was ever public."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.public.masking import (
    ERRONEOUS,
    MASK,
    clip,
    is_erroneous,
    mask_name,
    public_reason,
    was_public,
)
from core.surnames import COMPOUND_SURNAMES, surname_of

_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_ASTRAL_HAN = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)
_NAMES = st.one_of(
    st.text(),
    st.text(alphabet=st.one_of(_HAN, _ASTRAL_HAN), max_size=8),
    st.builds(
        lambda surname, given: surname + given,
        st.sampled_from(sorted(COMPOUND_SURNAMES)),
        st.text(alphabet=_HAN, max_size=4),
    ),
    st.builds(
        lambda pad, name: pad + name + pad, st.sampled_from(["", " ", "\t", "　"]), st.text()
    ),
)


class TestMaskNameExamples:
    @pytest.mark.parametrize(
        ("name", "masked"),
        [
            ("王小明", "王*"),
            ("李白", "李*"),
            ("王一二三", "王*"),
            ("欧阳修", "欧阳*"),
            ("欧阳小明", "欧阳*"),
            ("司马相如", "司马*"),
            ("诸葛亮", "诸葛*"),
            ("上官婉儿", "上官*"),
            # A name that equals a compound surname reads as surname + given name.
            ("司马", "司*"),
            ("  王小明 ", "王*"),
            ("买买提·艾力", "买*"),
            ("John Smith", "J*"),
            ("Émile", "É*"),
            # A whole name is never shown, nor anything that is not a letter.
            ("王", "*"),
            ("", "*"),
            ("   ", "*"),
            ("*王", "*"),
            ("1王", "*"),
            ("·艾力", "*"),
        ],
    )
    def test_mask(self, name: str, masked: str) -> None:
        assert mask_name(name) == masked


class TestMaskNameProperties:
    @given(_NAMES)
    @example("欧阳")
    @example("诸葛亮亮亮亮亮亮")
    @example("a")
    def test_only_the_surname_then_one_star(self, name: str) -> None:
        masked = mask_name(name)
        shown = masked[:-1]
        assert masked.endswith(MASK)
        assert masked.count(MASK) == 1
        assert len(masked) <= 3
        stripped = name.strip()
        # What is shown is the surname prefix, or nothing at all.
        assert shown in ("", surname_of(stripped))
        assert stripped.startswith(shown)
        # Never the whole name, never a character of the given name.
        assert shown != stripped or shown == ""
        assert len(shown) < len(stripped) or shown == ""

    @given(_NAMES)
    def test_characters_beyond_the_surname_never_appear(self, name: str) -> None:
        stripped = name.strip()
        surname = surname_of(stripped)
        given_name = stripped[len(surname) :]
        masked = mask_name(name)
        assert masked in (MASK, surname + MASK)
        if not given_name:
            assert masked == MASK
        # No character of the given name appears unless the surname itself has it.
        assert [c for c in masked[:-1] if c in given_name and c not in surname] == []

    @given(st.sampled_from(sorted(COMPOUND_SURNAMES)), st.text(alphabet=_HAN, min_size=1))
    def test_compound_surnames_are_kept_whole(self, surname: str, given: str) -> None:
        assert mask_name(surname + given) == surname + MASK


class TestPublicReasons:
    @pytest.mark.parametrize(
        ("reason", "public"),
        [
            ("expired", "expired"),
            ("repaired", "repaired"),
            ("withdrawn", "withdrawn"),
            ("criteria_changed", "criteria_changed"),
            # A new black entry may still be in its prior notice: do not say why.
            ("removed_by_black", "removed"),
            ("objection_upheld", ERRONEOUS),
            ("something_new", "removed"),
        ],
    )
    def test_public_reason(self, reason: str, public: str) -> None:
        assert public_reason(reason) == public

    def test_only_an_upheld_objection_is_erroneous(self) -> None:
        assert is_erroneous("objection_upheld")
        assert not any(
            is_erroneous(r)
            for r in ("expired", "repaired", "withdrawn", "criteria_changed", "removed_by_black")
        )


D = date(2026, 3, 2)


class TestWasPublic:
    def test_shown_after_its_notice_and_exited_later(self) -> None:
        assert was_public(
            recorded_on=D, notice_until=D + timedelta(7), display_until=D + timedelta(400),
            exited_on=D + timedelta(30),
        )  # fmt: skip

    def test_withdrawn_during_its_notice_was_never_public(self) -> None:
        assert not was_public(
            recorded_on=D, notice_until=D + timedelta(7), display_until=D + timedelta(400),
            exited_on=D + timedelta(3),
        )  # fmt: skip

    def test_exit_on_the_day_the_notice_ended_was_public_that_morning(self) -> None:
        assert was_public(
            recorded_on=D, notice_until=D + timedelta(7), display_until=D + timedelta(400),
            exited_on=D + timedelta(7),
        )  # fmt: skip

    def test_recorded_with_its_display_already_over_was_never_public(self) -> None:
        # A minor penalty: display ends on the decision date, before it was recorded.
        assert not was_public(
            recorded_on=D, notice_until=None, display_until=D - timedelta(10), exited_on=D
        )
        assert not was_public(recorded_on=D, notice_until=None, display_until=D, exited_on=D)

    def test_displayed_from_recording_without_a_notice(self) -> None:
        assert was_public(
            recorded_on=D, notice_until=None, display_until=D + timedelta(90), exited_on=None
        )

    def test_notice_running_past_display_end_was_never_public(self) -> None:
        assert not was_public(
            recorded_on=D, notice_until=D + timedelta(9), display_until=D + timedelta(9),
            exited_on=D + timedelta(12),
        )  # fmt: skip


class TestClip:
    @given(st.text(), st.integers(min_value=0, max_value=600))
    def test_clip_bounds_length_and_keeps_a_prefix(self, text: str, limit: int) -> None:
        clipped = clip(text, limit)
        assert len(clipped) <= limit
        assert text.startswith(clipped)
