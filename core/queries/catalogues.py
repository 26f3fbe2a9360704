"""Closed catalogues of query purposes and of legal bases for queries without consent (§6).

Invariants: pure (no I/O); codes are the only thing stored or logged, labels and
citations are looked up here; an unknown code raises `InvalidInput` and free text is
never accepted; only a basis flagged `investigating_body` may seal a query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, get_args

from core.errors import InvalidInput

PurposeCode = Literal[
    "credit_loan", "employment_screening", "licensing", "public_procurement", "tenancy"
]
LegalBasisCode = Literal[
    "court_enforcement",
    "criminal_investigation",
    "administrative_licensing_review",
    "tax_inspection",
]


@dataclass(frozen=True)
class Purpose:
    """Why an agency asks, as a citizen sees it on a grant and in their query history."""

    code: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class LegalBasis:
    """A statute that lets an agency query without consent; only investigating bodies may seal."""

    code: str
    label_zh: str
    label_en: str
    citation: str
    investigating_body: bool


_PURPOSES = (
    Purpose("credit_loan", "信贷审批", "Credit and loan assessment"),
    Purpose("employment_screening", "招聘背景审查", "Employment screening"),
    Purpose("licensing", "行政许可审查", "Licence application review"),
    Purpose("public_procurement", "政府采购与招投标", "Public procurement and tendering"),
    Purpose("tenancy", "房屋租赁", "Residential tenancy"),
)

_LEGAL_BASES = (
    LegalBasis(
        "court_enforcement",
        "法院强制执行",
        "Court enforcement of a judgment",
        "《中华人民共和国民事诉讼法》第三编 执行程序",
        investigating_body=False,
    ),
    LegalBasis(
        "criminal_investigation",
        "刑事侦查取证",
        "Criminal investigation",
        "《中华人民共和国刑事诉讼法》第五十四条",
        investigating_body=True,
    ),
    LegalBasis(
        "administrative_licensing_review",
        "行政许可审查",
        "Administrative licensing review",
        "《中华人民共和国行政许可法》第三十四条",
        investigating_body=False,
    ),
    LegalBasis(
        "tax_inspection",
        "税务检查",
        "Tax inspection",
        "《中华人民共和国税收征收管理法》第五十四条",
        investigating_body=False,
    ),
)

PURPOSE_CODES: tuple[str, ...] = get_args(PurposeCode)
LEGAL_BASIS_CODES: tuple[str, ...] = get_args(LegalBasisCode)
PURPOSES: Mapping[str, Purpose] = MappingProxyType({p.code: p for p in _PURPOSES})
LEGAL_BASES: Mapping[str, LegalBasis] = MappingProxyType({b.code: b for b in _LEGAL_BASES})


def purpose(code: str) -> Purpose:
    """The catalogued purpose with this code; anything else is refused."""
    found = PURPOSES.get(code)
    if found is None:
        raise InvalidInput("the purpose is not in the catalogue", rule="unknown_purpose")
    return found


def legal_basis(code: str) -> LegalBasis:
    """The catalogued legal basis with this code; anything else is refused."""
    found = LEGAL_BASES.get(code)
    if found is None:
        raise InvalidInput("the legal basis is not in the catalogue", rule="unknown_legal_basis")
    return found
