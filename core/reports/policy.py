"""Pure rules of an issued report: its number, verification code, digest, statement and masks.

Invariants:
- pure: values in, values out; randomness only from `secrets`, no clock, no I/O;
- a report number is `CR`, the CST day it was made and ten random digits; a verification
  code is sixteen random Crockford base-32 characters (80 bits), shown in groups of four;
  a code is read back case-blind, with or without its dashes, Crockford's look-alikes
  (O, I, L) taken for the digits they stand for; anything else is no code at all;
- the code is stored only as its SHA-256 (domain-separated), never as itself;
- the digest covers the report's content as RFC 8785 canonical JSON, without its issue;
- the signed statement names only the number, the generation instant (UTC, microseconds)
  and the digest: nothing of the person, nothing of the content;
- a masked code shows its first two and last two characters; a masked name only its
  surname (`core.public.masking`): neither ever shows a whole code or name.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any, Final

import rfc8785

from core.public.masking import mask_name

NUMBER_PREFIX: Final = "CR"
NUMBER_RANDOM_DIGITS: Final = 10
NUMBER_RE: Final = re.compile(r"CR\d{8}\d{10}")
CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH: Final = 16
CODE_GROUP: Final = 4
STATEMENT_FORMAT: Final = "credence-issued-report/1"
_CONTENT_DOMAIN: Final = b"credence-report-content/1\n"
_CODE_DOMAIN: Final = b"credence-report-code/1\n"
_LOOK_ALIKES: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
_MASK: Final = "*"
_CODE_SHOWN: Final = 2


def new_number(day: date) -> str:
    """A fresh report number for a report made on `day` (China Standard Time)."""
    digits = secrets.randbelow(10**NUMBER_RANDOM_DIGITS)
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{digits:0{NUMBER_RANDOM_DIGITS}d}"


def new_code() -> str:
    """A fresh verification code, in its canonical form (no dashes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """A canonical code as printed: groups of four joined by dashes."""
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def read_code(text: str) -> str | None:
    """The canonical code a person or a QR code gave, or None when it cannot be one."""
    if len(text) > 2 * CODE_LENGTH:
        return None
    squeezed = re.sub(r"[\s-]", "", text).upper().translate(_LOOK_ALIKES)
    if len(squeezed) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in squeezed):
        return None
    return squeezed


def code_hash(code: str) -> bytes:
    """What is stored of a canonical code: its domain-separated SHA-256."""
    return hashlib.sha256(_CODE_DOMAIN + code.encode("ascii")).digest()


def content_digest(content: dict[str, Any]) -> bytes:
    """SHA-256 of a report's content (its JSON form) as RFC 8785 canonical JSON."""
    return hashlib.sha256(_CONTENT_DOMAIN + rfc8785.dumps(content)).digest()


def utc_instant(instant: datetime) -> str:
    """An instant as the statement spells it: UTC, to the microsecond, with a Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def statement(number: str, generated_at: datetime, digest: bytes) -> str:
    """The signed statement's body: format, number, generation instant, content digest."""
    lines = [STATEMENT_FORMAT, number, utc_instant(generated_at), b64(digest)]
    return "".join(line + "\n" for line in lines)


def b64(data: bytes) -> str:
    """Standard base64 with padding, as text."""
    return base64.b64encode(data).decode("ascii")


def mask_code(code: str) -> str:
    """A code with all but its first two and last two characters starred."""
    if len(code) <= 2 * _CODE_SHOWN + 2:
        return _MASK * len(code)
    hidden = len(code) - 2 * _CODE_SHOWN
    return code[:_CODE_SHOWN] + _MASK * hidden + code[-_CODE_SHOWN:]


def masked_name(name: str | None) -> str | None:
    """A name as the report's identity line shows it (surname and one star)."""
    return None if name is None else mask_name(name)
