"""Validation of subject codes: the citizen code and the organisation code.

The citizen code is the GB 11643-1999 resident identity number (six-digit
division code, birth date YYYYMMDD, three-digit sequence, ISO 7064 MOD 11-2
check character). The organisation code is the GB 32100-2015 unified social
credit code (31-character alphabet, MOD 31 check character).

Invariants:

- Pure: only the standard library is imported; nothing is logged or stored.
- Subject codes are personal data. No exception, message, ``str`` or ``repr``
  produced here contains any character of the input code: every message comes
  from the fixed ``_MESSAGES`` table, and exceptions are raised outside any
  ``except`` block so no inner exception is chained onto them.
- Validators return the normalised code (trimmed, ASCII upper-case) or raise
  ``InvalidCode``; they never return a partially valid value.
- Only ASCII characters are accepted; full-width or other look-alike characters
  are never converted, they fail the ``charset`` rule.
"""

from __future__ import annotations

import string
from datetime import date
from typing import Final, Literal

from core.clock import clock

__all__ = [
    "CITIZEN_WEIGHTS",
    "ORG_ALPHABET",
    "ORG_WEIGHTS",
    "PROVINCE_PREFIXES",
    "CodeKind",
    "InvalidCode",
    "Rule",
    "citizen_check_char",
    "holds_code",
    "normalise_code",
    "org_check_char",
    "validate_citizen_code",
    "validate_code",
    "validate_org_code",
]

CodeKind = Literal["citizen", "org"]
Rule = Literal["type", "length", "charset", "region", "birth_date", "check_character"]

CODE_LENGTH: Final = 18

CITIZEN_WEIGHTS: Final[tuple[int, ...]] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CITIZEN_CHECK_CHARS: Final = "10X98765432"  # indexed by (weighted sum mod 11)
_DIGITS: Final = frozenset(string.digits)
_CITIZEN_LAST: Final = frozenset(string.digits + "X")

# Province-level prefixes in use: the mainland provinces, Taiwan (71), Hong Kong
# (81), Macao (82) and 83, which is used on Taiwan residents' residence permits.
PROVINCE_PREFIXES: Final[frozenset[str]] = frozenset(
    {
        *(str(n) for n in range(11, 16)),
        *(str(n) for n in range(21, 24)),
        *(str(n) for n in range(31, 38)),
        *(str(n) for n in range(41, 47)),
        *(str(n) for n in range(50, 55)),
        *(str(n) for n in range(61, 66)),
        "71",
        "81",
        "82",
        "83",
    }
)
_EARLIEST_BIRTH_DATE: Final = date(1900, 1, 1)

ORG_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_WEIGHTS: Final[tuple[int, ...]] = (
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
)  # fmt: skip
_ORG_VALUE: Final[dict[str, int]] = {ch: i for i, ch in enumerate(ORG_ALPHABET)}

# Only ASCII letters are upper-cased: str.upper() would turn e.g. the ligature
# U+FB00 into "FF" and so smuggle a non-ASCII character past the charset rule.
_ASCII_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)

# Messages name the kind and the failed rule and are deliberately free of
# digits and upper-case letters, so they can never echo a run of a code.
_MESSAGES: Final[dict[tuple[CodeKind, Rule], str]] = {
    ("citizen", "type"): "citizen code failed rule 'type': it must be a string",
    ("citizen", "length"): (
        "citizen code failed rule 'length': it must be eighteen characters long"
        " after trimming whitespace"
    ),
    ("citizen", "charset"): (
        "citizen code failed rule 'charset': the first seventeen characters must be"
        " decimal digits and the last a decimal digit or the letter x"
    ),
    ("citizen", "region"): (
        "citizen code failed rule 'region': the first two digits are not a known"
        " province-level division"
    ),
    ("citizen", "birth_date"): (
        "citizen code failed rule 'birth_date': the birth date is not a real calendar"
        " date between the earliest accepted year and today"
    ),
    ("citizen", "check_character"): (
        "citizen code failed rule 'check_character': the check character does not"
        " match the rest of the code"
    ),
    ("org", "type"): "organisation code failed rule 'type': it must be a string",
    ("org", "length"): (
        "organisation code failed rule 'length': it must be eighteen characters long"
        " after trimming whitespace"
    ),
    ("org", "charset"): (
        "organisation code failed rule 'charset': only decimal digits and the letters"
        " of the unified social credit code alphabet (no i, o, s, v or z) are allowed"
    ),
    ("org", "check_character"): (
        "organisation code failed rule 'check_character': the check character does not"
        " match the rest of the code"
    ),
}


# The name is part of the agreed API contract, hence no "Error" suffix.
class InvalidCode(ValueError):
    """A subject code failed a validation rule; carries no part of the code."""

    def __init__(self, kind: CodeKind, rule: Rule) -> None:
        """Build the error for ``rule`` of ``kind`` from the fixed message table."""
        message = _MESSAGES[(kind, rule)]
        super().__init__(message)
        self.kind: CodeKind = kind
        self.rule: Rule = rule
        self.message: str = message

    def __str__(self) -> str:
        """Return the fixed human message."""
        return self.message

    def __repr__(self) -> str:
        """Return a repr built only from the kind and the rule."""
        return f"InvalidCode(kind={self.kind!r}, rule={self.rule!r})"

    def __reduce__(self) -> tuple[type[InvalidCode], tuple[CodeKind, Rule]]:
        """Pickle by kind and rule, since ``args`` does not match ``__init__``."""
        return (type(self), (self.kind, self.rule))


def normalise_code(raw: str) -> str:
    """Strip surrounding whitespace and upper-case ASCII letters only."""
    return raw.strip().translate(_ASCII_UPPER)


def citizen_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for 17 citizen-code digits."""
    if len(first17) != CODE_LENGTH - 1:
        raise InvalidCode("citizen", "length")
    if not all(ch in _DIGITS for ch in first17):
        raise InvalidCode("citizen", "charset")
    total = sum(int(ch) * w for ch, w in zip(first17, CITIZEN_WEIGHTS, strict=True))
    return _CITIZEN_CHECK_CHARS[total % 11]


def org_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for 17 organisation-code characters."""
    if len(first17) != CODE_LENGTH - 1:
        raise InvalidCode("org", "length")
    if not all(ch in _ORG_VALUE for ch in first17):
        raise InvalidCode("org", "charset")
    total = sum(_ORG_VALUE[ch] * w for ch, w in zip(first17, ORG_WEIGHTS, strict=True))
    return ORG_ALPHABET[(31 - total % 31) % 31]


def _calendar_date(year: int, month: int, day: int) -> date | None:
    # Returns None instead of raising so the caller raises InvalidCode outside
    # the except block and no ValueError gets chained as __context__.
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _normalised_or_raise(raw: object, kind: CodeKind) -> str:
    # API layers may hand over None or bytes; bytes would otherwise survive
    # strip() and comparisons in confusing ways.
    if not isinstance(raw, str):
        raise InvalidCode(kind, "type")
    code = normalise_code(raw)
    if len(code) != CODE_LENGTH:
        raise InvalidCode(kind, "length")
    return code


def _is_citizen_shape(code: str) -> bool:
    return all(ch in _DIGITS for ch in code[:-1]) and code[-1:] in _CITIZEN_LAST


def validate_citizen_code(raw: str, *, today: date | None = None) -> str:
    """Return the normalised citizen code or raise ``InvalidCode``."""
    code = _normalised_or_raise(raw, "citizen")
    if not _is_citizen_shape(code):
        raise InvalidCode("citizen", "charset")
    if code[:2] not in PROVINCE_PREFIXES:
        raise InvalidCode("citizen", "region")
    born = _calendar_date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    latest = clock.today() if today is None else today
    if born is None or not _EARLIEST_BIRTH_DATE <= born <= latest:
        raise InvalidCode("citizen", "birth_date")
    if citizen_check_char(code[:17]) != code[17]:
        raise InvalidCode("citizen", "check_character")
    return code


def validate_org_code(raw: str) -> str:
    """Return the normalised organisation code or raise ``InvalidCode``."""
    code = _normalised_or_raise(raw, "org")
    if not all(ch in _ORG_VALUE for ch in code):
        raise InvalidCode("org", "charset")
    # Positions 1-2 (authority, type) and 3-8 (division) are deliberately not
    # checked against the standard's tables: those tables grow over time.
    if org_check_char(code[:17]) != code[17]:
        raise InvalidCode("org", "check_character")
    return code


def validate_code(raw: str, *, today: date | None = None) -> tuple[str, CodeKind]:
    """Return the normalised code and its kind, trying the citizen rules first.

    A code with the citizen shape (seventeen digits, then a digit or ``X``) is
    validated as a citizen code. Unified social credit codes can have that shape
    too, so if the citizen code fails only a structural rule (``region`` or
    ``birth_date``) the organisation rules are tried next. A citizen-shaped code
    that fails only its check character is reported as a citizen error and not
    retried: a mistyped identity number would otherwise be accepted as an
    organisation code one time in 31. The cost is that the rare all-digit
    organisation code whose digits also form a plausible division and birth
    date is rejected here; callers that know the kind should call
    ``validate_org_code`` directly. Any other shape is validated as an
    organisation code only.
    """
    if isinstance(raw, str):
        code = normalise_code(raw)
        if len(code) == CODE_LENGTH and _is_citizen_shape(code):
            citizen_error = _citizen_error(code, today)
            if citizen_error is None:
                return code, "citizen"
            if citizen_error.rule == "check_character" or not _is_valid_org(code):
                raise citizen_error
            return code, "org"
    return validate_org_code(raw), "org"


def _citizen_error(code: str, today: date | None) -> InvalidCode | None:
    # The error is returned, not raised, so it is re-raised by the caller with
    # no other exception attached as context.
    try:
        validate_citizen_code(code, today=today)
    except InvalidCode as exc:
        return exc
    return None


def _is_valid_org(code: str) -> bool:
    try:
        validate_org_code(code)
    except InvalidCode:
        return False
    return True


def holds_code(text: str, *, today: date | None = None) -> bool:
    """Whether `text` is a valid subject code, or has a valid citizen code inside it.

    Only citizen codes are looked for inside: their region, birth date and check
    character make a chance match rare, where one 18-character run in 31 of the
    organisation alphabet would pass the organisation check by accident.
    """
    try:
        validate_code(text, today=today)
    except InvalidCode:
        pass
    else:
        return True
    upper = text.upper()
    for start in range(len(upper) - CODE_LENGTH + 1):
        run = upper[start : start + CODE_LENGTH]
        if _is_citizen_shape(run) and _citizen_error(run, today) is None:
            return True
    return False
