"""Pure rules of authorizations: the short code a citizen hands an agency, the masked subject
an agency sees, and the opaque cursors of the authorization listings.

Invariants: pure (no I/O, no keys, no clock); a code is 8 characters from an alphabet
without look-alikes (no 0/O, 1/I/L), drawn with `secrets`, shown grouped 4-4 and read
back whatever its case, spaces or hyphen; a masked subject shows at most the first two
and the last two characters of a code; a cursor carries only a creation instant and a
grant id, written in letters only (as the public lists' cursors are), and one that does
not parse exactly is `InvalidInput`, never a traceback.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime
from typing import Final

from core.errors import InvalidInput

CODE_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH: Final = 8
_CODE: Final = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_SEPARATORS: Final = str.maketrans("", "", " -")


def new_code() -> str:
    """A fresh authorization code, normalised (8 characters, no separator)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """A normalised code as the citizen reads it: two groups of four, "K7QX-M2PD"."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalised_code(text: str) -> str | None:
    """A code as typed (any case, spaces or a hyphen) in its normal form; None if it is none."""
    code = text.translate(_SEPARATORS).upper()
    return code if _CODE.fullmatch(code) else None


def masked_subject(code: str | None) -> str:
    """A subject's code as an agency's listing shows it: first two and last two kept."""
    if not code:
        return ""
    if len(code) <= 4:
        return "*" * len(code)
    return code[:2] + "*" * (len(code) - 4) + code[-2:]


# ---------------------------------------------------------------------------- cursors

_CURSOR_VERSION: Final = "v1"
CURSOR_MAX: Final = 256
_TO_LETTERS: Final = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_FROM_LETTERS: Final = str.maketrans("abcdefghijklmnop", "0123456789abcdef")
_CURSOR_TEXT: Final = re.compile(rf"(?:[a-p]{{2}}){{1,{CURSOR_MAX // 2}}}")


def bad_cursor() -> InvalidInput:
    """The refusal of a cursor this listing did not give out."""
    return InvalidInput("the cursor is not one this listing gave out", rule="bad_cursor")


def write_cursor(scope: str, created_at: datetime, grant_id: uuid.UUID) -> str:
    """The cursor after a grant of a listing (`scope` names the listing)."""
    text = "|".join((_CURSOR_VERSION, scope, created_at.isoformat(), grant_id.hex))
    return text.encode("ascii").hex().translate(_TO_LETTERS)


def read_cursor(cursor: str, *, scope: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) position a cursor of this listing names; else `InvalidInput`."""
    if len(cursor) > CURSOR_MAX or not _CURSOR_TEXT.fullmatch(cursor):
        raise bad_cursor()
    try:
        text = bytes.fromhex(cursor.translate(_FROM_LETTERS)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise bad_cursor() from None
    parts = text.split("|")
    if len(parts) != 4 or parts[0] != _CURSOR_VERSION or parts[1] != scope:
        raise bad_cursor()
    try:
        at = datetime.fromisoformat(parts[2])
        grant_id = uuid.UUID(hex=parts[3])
    except ValueError:
        raise bad_cursor() from None
    if at.tzinfo is None or grant_id.hex != parts[3]:
        raise bad_cursor()
    return at, grant_id
