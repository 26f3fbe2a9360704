"""Leaf bodies of the query log (SPEC §6): canonical JSON and the checks that a body is so.

Invariants:
- A leaf body is the RFC 8785 (JCS) encoding of a flat JSON object (str, int, bool, null
  or lists of them) holding no personal data, so it re-encodes to itself and anyone who
  is shown the object rebuilds the body and its leaf hash (`crypto/leaf_binding.py`).
- Every leaf carries its layout version `v` and a `kind`; times are UTC, RFC 3339.
- `check_body` is the definition appends enforce; `CanonicalBodies` gives the same verdict
  on every body, only faster on the usual ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from core.errors import InvalidInput
from crypto.leaf_binding import BindingError, canonical

# Version 2: `kind`, UTC times, private fields committed, each subject's leaves chained.
LEAF_VERSION = 2


def leaf_time(at: datetime) -> str:
    """An instant as a leaf writes it: UTC, RFC 3339, to the microsecond."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _is_scalar(value: object) -> bool:
    # bool is an int subclass and passes as itself; float is refused (no canonical form).
    return value is None or isinstance(value, str | bool | int)


def canonical_leaf(fields: Mapping[str, object]) -> bytes:
    """The canonical JSON body of a leaf: flat str/int/bool/None (or lists of them) values."""
    if not isinstance(fields, Mapping):
        raise InvalidInput("a log leaf must be a mapping of fields")
    for key, value in fields.items():
        if not isinstance(key, str):
            raise InvalidInput("log leaf field names must be text")
        if isinstance(value, list):
            if not all(_is_scalar(v) for v in value):
                raise InvalidInput(f"log leaf field {key!r} holds a list of non-scalars")
        elif not _is_scalar(value):
            raise InvalidInput(f"log leaf field {key!r} has type {type(value).__name__}")
    try:
        return canonical(fields)
    except BindingError:
        raise InvalidInput("log leaf text is not valid Unicode") from None


def check_body(body: bytes) -> None:
    """Raise InvalidInput unless `body` is canonical JSON, as `canonical_leaf` writes it."""
    if not isinstance(body, bytes):
        raise InvalidInput("a log leaf body must be bytes")
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: arrays nested thousands deep, never canonical (values are flat).
        raise InvalidInput("a log leaf body must be canonical JSON") from None
    if not isinstance(parsed, dict) or canonical_leaf(parsed) != body:
        raise InvalidInput("a log leaf body must be canonical JSON")


# Canonical bodies of the usual kind, as `canonical_leaf` writes them: a flat object whose
# strings need no escape and whose integers have at most 15 digits (RFC 8785 encodes them
# exactly up to 2**53 - 1; longer ones are judged in full). Such a body, with its field
# names strictly increasing, is canonical by construction; any other body is judged by
# `check_body` itself, so these patterns can make the audit faster, never looser.
# Possessive repeats: nothing here ever needs to give characters back, so none are tracked.
_STRING = r'"[^"\\\x00-\x1f]*+"'
_SCALAR = _STRING + r"|null|true|false|0|-?[1-9][0-9]{0,14}+"
_VALUE = rf"{_SCALAR}|\[(?:(?:{_SCALAR})(?:,(?:{_SCALAR}))*)?\]"
_FLAT_OBJECT = re.compile(rf"\{{(?:{_STRING}:(?:{_VALUE})(?:,{_STRING}:(?:{_VALUE}))*)?\}}")
# On a body `_FLAT_OBJECT` matched, field by field from the first: the names, in order.
_FIELD_NAMES = re.compile(rf'"([^"]*)":(?:{_VALUE})')
_MAX_SHAPES = 16


def _shape(names: Sequence[str]) -> re.Pattern[str]:
    """The flat objects with exactly these field names, in this order."""
    fields = ",".join(f'"{re.escape(n)}":(?:{_VALUE})' for n in names)
    return re.compile(rf"\{{{fields}\}}")


class CanonicalBodies:
    """Whether leaf bodies are canonical JSON: the same verdict as `append_leaves` gives, cheaper.

    A log holds few shapes (lists of field names), so each shape found is remembered (up to
    `_MAX_SHAPES`) as one pattern that checks a body's names, order and values in one pass.
    """

    __slots__ = ("_shapes",)

    def __init__(self) -> None:
        self._shapes: list[re.Pattern[str]] = []

    def __call__(self, body: bytes) -> bool:
        if isinstance(body, bytes):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return False
            for shape in self._shapes:
                if shape.fullmatch(text) is not None:
                    return True
            if _FLAT_OBJECT.fullmatch(text) is not None:
                names = _FIELD_NAMES.findall(text)
                if names == sorted(set(names)):
                    if len(self._shapes) < _MAX_SHAPES:
                        self._shapes.append(_shape(names))
                    return True
        try:
            check_body(body)
        except InvalidInput:
            return False
        return True
