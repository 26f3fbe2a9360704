"""Tests for core.codes: citizen and organisation code validation."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.codes import (
    ORG_ALPHABET,
    PROVINCE_PREFIXES,
    InvalidCode,
    citizen_check_char,
    holds_code,
    normalise_code,
    org_check_char,
    validate_citizen_code,
    validate_code,
    validate_org_code,
)

TODAY = date(2026, 11, 23)
CITIZEN_ALPHABET = "0123456789X"
DIGITS = "0123456789"

# Weights copied from the standards rather than imported, so a typo in the
# module's tables cannot cancel out in the tests.
REF_CITIZEN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REF_ORG_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def ref_citizen_check(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, REF_CITIZEN_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def ref_org_check(first17: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * w for c, w in zip(first17, REF_ORG_WEIGHTS, strict=True))
    return alphabet[(31 - total % 31) % 31]


@st.composite
def citizen_codes(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_PREFIXES)))
    district = draw(st.text(alphabet=DIGITS, min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{province}{district}{born:%Y%m%d}{sequence:03d}"
    return first17 + citizen_check_char(first17)


org_bodies = st.text(alphabet=ORG_ALPHABET, min_size=17, max_size=17)
org_codes = org_bodies.map(lambda body: body + org_check_char(body))


def runs(text: str, size: int = 4) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def assert_leaks_nothing(exc: InvalidCode, raw: str) -> None:
    """No rendering of the exception contains the input or a 4-character run of it."""
    rendered = [str(exc), repr(exc), exc.message, *map(str, exc.args)]
    forbidden = runs(raw) | runs(raw.strip().upper())
    if len(raw.strip()) >= 4:
        forbidden |= {raw, raw.strip()}
    for text in rendered:
        leaked = [run for run in forbidden if run in text]
        assert not leaked, "exception rendering contains part of the input"
    assert exc.__cause__ is None
    assert exc.__context__ is None


def citizen_with(born: str, region: str = "110101", sequence: str = "123") -> str:
    first17 = region + born + sequence
    return first17 + citizen_check_char(first17)


# --- property tests ---------------------------------------------------------


@given(citizen_codes())
def test_valid_citizen_codes_pass(code: str) -> None:
    assert validate_citizen_code(code, today=TODAY) == code
    assert validate_code(code, today=TODAY) == (code, "citizen")


@given(citizen_codes())
def test_every_single_substitution_of_a_citizen_code_fails(code: str) -> None:
    for position, original in enumerate(code):
        for replacement in CITIZEN_ALPHABET:
            if replacement == original:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            # A changed birth date may still be a real date, but then the
            # check character no longer matches: every mutation must fail.
            with pytest.raises(InvalidCode) as info:
                validate_citizen_code(mutated, today=TODAY)
            assert_leaks_nothing(info.value, mutated)


@given(org_codes)
def test_valid_org_codes_pass(code: str) -> None:
    assert validate_org_code(code) == code


@given(org_codes)
def test_every_single_substitution_of_an_org_code_fails(code: str) -> None:
    for position, original in enumerate(code):
        for replacement in ORG_ALPHABET:
            if replacement == original:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(InvalidCode) as info:
                validate_org_code(mutated)
            assert_leaks_nothing(info.value, mutated)


@given(org_bodies.filter(lambda body: any(c.isalpha() and c != "X" for c in body)))
def test_org_codes_with_letters_are_classified_as_org(body: str) -> None:
    code = body + org_check_char(body)
    assert validate_code(code) == (code, "org")


@given(st.text(alphabet=DIGITS, min_size=17, max_size=17))
def test_citizen_check_char_matches_reference(first17: str) -> None:
    assert citizen_check_char(first17) == ref_citizen_check(first17)


@given(org_bodies)
def test_org_check_char_matches_reference(first17: str) -> None:
    assert org_check_char(first17) == ref_org_check(first17)


@given(
    st.text(alphabet=ORG_ALPHABET + "x \t", min_size=4, max_size=24),
)
def test_errors_never_contain_the_input(raw: str) -> None:
    for validate in (
        lambda r: validate_citizen_code(r, today=TODAY),
        validate_org_code,
        lambda r: validate_code(r, today=TODAY)[0],
    ):
        try:
            validate(raw)
        except InvalidCode as exc:
            assert_leaks_nothing(exc, raw)


# --- known examples ---------------------------------------------------------


def test_known_citizen_example_with_x_check_character() -> None:
    assert validate_citizen_code("11010519491231002X", today=TODAY) == "11010519491231002X"


def test_known_citizen_example_derived_by_hand() -> None:
    # 1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 1*4 + 1*2 + 9*1 + 9*6 + 0*3 + 0*7 + 3*9
    # + 0*10 + 7*5 + 4*8 + 5*4 + 1*2 = 206; 206 mod 11 = 8; (12 - 8) mod 11 = 4,
    # which is the last character, so the code is valid.
    assert citizen_check_char("11010119900307451") == "4"
    assert validate_citizen_code("110101199003074514", today=TODAY) == "110101199003074514"


def test_known_org_example() -> None:
    # 9*1 + 1*3 + 3*9 + 5*27 + 0*19 + 1*26 + 0*16 + 0*17 + M(21)*20 + 0*29 + 0*25
    # + 0*13 + 1*8 + 0*24 + 0*10 + Y(30)*30 + 4*28 = 1640; 1640 mod 31 = 28;
    # (31 - 28) mod 31 = 3, the last character.
    assert org_check_char("91350100M000100Y4") == "3"
    assert validate_org_code("91350100M000100Y43") == "91350100M000100Y43"
    assert validate_code("91350100M000100Y43") == ("91350100M000100Y43", "org")


def test_province_prefixes() -> None:
    expected = {
        *map(str, range(11, 16)),
        *map(str, range(21, 24)),
        *map(str, range(31, 38)),
        *map(str, range(41, 47)),
        *map(str, range(50, 55)),
        *map(str, range(61, 66)),
        *("71", "81", "82", "83"),
    }
    assert expected == PROVINCE_PREFIXES
    assert isinstance(PROVINCE_PREFIXES, frozenset)


# --- normalisation ----------------------------------------------------------


def test_lower_case_x_normalises() -> None:
    assert validate_citizen_code("11010519491231002x", today=TODAY) == "11010519491231002X"


def test_whitespace_is_trimmed() -> None:
    assert validate_citizen_code(" \t11010519491231002X\n ", today=TODAY) == "11010519491231002X"
    assert validate_org_code("  91350100m000100y43\n") == "91350100M000100Y43"


def test_normalise_code_upper_cases_ascii_only() -> None:
    assert normalise_code("  ab\u00df\ufb00x ") == "AB\u00df\ufb00X"


def test_ligature_is_not_expanded_into_valid_letters() -> None:
    body = "91350100MA0000FF0"
    code = body + org_check_char(body)
    assert validate_org_code(code) == code
    with pytest.raises(InvalidCode):
        validate_org_code(code.replace("FF", "\ufb00"))


def test_full_width_characters_fail_charset() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "11010519491231002X")
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(full_width, today=TODAY)
    assert info.value.rule == "charset"
    with pytest.raises(InvalidCode) as org_info:
        validate_org_code(full_width)
    assert org_info.value.rule == "charset"


# --- individual rules -------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "1101051949123100",
        "11010519491231002",
        "11010519491231002X0",
        "110105 19491231002X",
    ],
)
def test_wrong_length_fails(raw: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(raw, today=TODAY)
    assert info.value.rule == "length"
    with pytest.raises(InvalidCode) as org_info:
        validate_org_code(raw)
    assert org_info.value.rule == "length"


@pytest.mark.parametrize(
    "raw", ["11010519491231002Y", "1101051949123100X2", "A1010519491231002X", "110105-9491231002X"]
)
def test_bad_citizen_charset_fails(raw: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(raw, today=TODAY)
    assert info.value.rule == "charset"


@pytest.mark.parametrize(
    "raw", ["91350100I000100Y43", "91350100O000100Y43", "91350100Z000100Y43", "9135010-M000100Y43"]
)
def test_bad_org_charset_fails(raw: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_org_code(raw)
    assert info.value.rule == "charset"


@pytest.mark.parametrize("born", ["19900230", "19910229", "19901301", "19900001", "18991231"])
def test_impossible_birth_date_fails(born: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(citizen_with(born), today=TODAY)
    assert info.value.rule == "birth_date"


def test_leap_day_and_earliest_date_pass() -> None:
    for born in ("20000229", "19000101"):
        code = citizen_with(born)
        assert validate_citizen_code(code, today=TODAY) == code


def test_future_birth_date_fails() -> None:
    assert validate_citizen_code(citizen_with("20261123"), today=TODAY)
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(citizen_with("20261124"), today=TODAY)
    assert info.value.rule == "birth_date"


def test_today_defaults_to_the_current_date() -> None:
    far_future = citizen_with("20991231")
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(far_future)
    assert info.value.rule == "birth_date"
    assert validate_citizen_code("11010519491231002X") == "11010519491231002X"


@pytest.mark.parametrize("region", ["000000", "100000", "160101", "240101", "900101", "990101"])
def test_unknown_province_fails(region: str) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(citizen_with("19900307", region=region), today=TODAY)
    assert info.value.rule == "region"


def test_wrong_check_character_fails() -> None:
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code("110101199003074515", today=TODAY)
    assert info.value.rule == "check_character"
    with pytest.raises(InvalidCode) as org_info:
        validate_org_code("91350100M000100Y44")
    assert org_info.value.rule == "check_character"


@pytest.mark.parametrize("raw", [None, b"11010519491231002X", 110101199003074514])
def test_non_string_input_fails_type_rule(raw: object) -> None:
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code(raw, today=TODAY)  # type: ignore[arg-type]
    assert info.value.rule == "type"
    with pytest.raises(InvalidCode) as code_info:
        validate_code(raw)  # type: ignore[arg-type]
    assert code_info.value.rule == "type"


@pytest.mark.parametrize("first17", ["1101011990030745", "1101011990030745X", "110101199003074５1"])
def test_check_char_helpers_reject_bad_input(first17: str) -> None:
    with pytest.raises(InvalidCode):
        citizen_check_char(first17)
    with pytest.raises(InvalidCode):
        org_check_char(first17.replace("X", "I"))


# --- validate_code ----------------------------------------------------------


def test_all_digit_org_code_falls_back_from_region_failure() -> None:
    # "91" is no province, so the citizen rules fail on region.
    assert validate_org_code("914403000000000061")
    assert validate_code("914403000000000061") == ("914403000000000061", "org")


def test_all_digit_org_code_falls_back_from_birth_date_failure() -> None:
    # "12" is a province (Tianjin) but 0000-00-00 is no birth date.
    assert validate_org_code("121000000000000062")
    assert validate_code("121000000000000062") == ("121000000000000062", "org")


def test_citizen_shaped_code_with_wrong_check_is_not_reinterpreted() -> None:
    code = "110101199001020011"
    assert validate_org_code(code) == code  # happens to satisfy MOD 31
    with pytest.raises(InvalidCode) as info:
        validate_code(code, today=TODAY)
    assert (info.value.kind, info.value.rule) == ("citizen", "check_character")


def test_code_valid_as_both_kinds_is_citizen() -> None:
    code = "110101199001140696"
    assert validate_org_code(code) == code
    assert validate_code(code, today=TODAY) == (code, "citizen")


def test_validate_code_reports_org_errors_for_other_shapes() -> None:
    with pytest.raises(InvalidCode) as info:
        validate_code("91350100M000100Y44")
    assert (info.value.kind, info.value.rule) == ("org", "check_character")
    with pytest.raises(InvalidCode) as short:
        validate_code("1101")
    assert (short.value.kind, short.value.rule) == ("org", "length")


def test_validate_code_normalises() -> None:
    assert validate_code(" 11010519491231002x ") == ("11010519491231002X", "citizen")
    assert validate_code("91350100m000100y43") == ("91350100M000100Y43", "org")


# --- the exception ----------------------------------------------------------


def test_exception_shape() -> None:
    with pytest.raises(InvalidCode) as info:
        validate_citizen_code("110101199003074515", today=TODAY)
    exc = info.value
    assert isinstance(exc, ValueError)
    assert exc.rule == "check_character"
    assert exc.kind == "citizen"
    assert "check_character" in exc.message
    assert str(exc) == exc.message
    assert repr(exc) == "InvalidCode(kind='citizen', rule='check_character')"
    assert_leaks_nothing(exc, "110101199003074515")


def test_exception_pickles() -> None:
    exc = InvalidCode("org", "charset")
    # Unpickling our own freshly pickled object, not untrusted data.
    clone = pickle.loads(pickle.dumps(exc))  # noqa: S301
    assert (clone.kind, clone.rule, clone.message) == (exc.kind, exc.rule, exc.message)


def test_every_message_names_its_rule() -> None:
    cases: list[tuple[str, str, str]] = [
        ("citizen", "1", "length"),
        ("citizen", "11010519491231002Y", "charset"),
        ("citizen", citizen_with("19900307", region="990101"), "region"),
        ("citizen", citizen_with("19900230"), "birth_date"),
        ("citizen", "110101199003074515", "check_character"),
        ("org", "1", "length"),
        ("org", "91350100I000100Y43", "charset"),
        ("org", "91350100M000100Y44", "check_character"),
    ]
    for kind, raw, rule in cases:
        validate = validate_citizen_code if kind == "citizen" else validate_org_code
        with pytest.raises(InvalidCode) as info:
            validate(raw)
        assert info.value.kind == kind
        assert info.value.rule == rule
        assert rule in info.value.message
        assert_leaks_nothing(info.value, raw)


class TestHoldsCode:
    @given(citizen_codes())
    def test_a_citizen_code_alone_or_inside_other_text_is_found(self, code: str) -> None:
        assert holds_code(code, today=TODAY)
        assert holds_code(code.lower(), today=TODAY)
        assert holds_code(f"TAX-{code}-2026", today=TODAY)

    @given(org_codes)
    def test_an_organisation_code_alone_is_found(self, code: str) -> None:
        assert holds_code(code)

    @pytest.mark.parametrize(
        "text", ["TAX-2026-000123", "T-000001", "2026/03/02-0001", "A" * 128, "1" * 40]
    )
    def test_ordinary_references_hold_no_code(self, text: str) -> None:
        assert not holds_code(text)

    def test_a_code_with_a_wrong_check_character_is_not_a_code(self) -> None:
        code = citizen_with("19900307")
        assert holds_code(code)
        wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
        assert not holds_code(wrong)
