"""The subject-code field type shared by every request that names a subject."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from core.clock import clock
from core.codes import InvalidCode, validate_code


def _valid_code(value: str) -> str:
    try:
        return validate_code(value, today=clock.today())[0]
    except InvalidCode as exc:
        # The message names the failed rule and never the code (§2).
        raise ValueError(exc.message) from None


SubjectCode = Annotated[str, Field(repr=False, max_length=64), AfterValidator(_valid_code)]
