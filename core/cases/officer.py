"""The officer a case decision is taken by, as the case services need to know them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Officer:
    """An officer deciding a case: the department that scopes it, the actor its history names."""

    department: str
    actor: str
