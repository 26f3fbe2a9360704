"""Page messages (zh, en) for the problem type pages of the API reference.

Keys start with `reference.` and `problem.`; each problem type's title and text come from
`api.problem_types`, so the page at a type URI and the OpenAPI say the same. A key
defined twice in the catalogue is refused when `api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

from api.problem_types import PROBLEM_TYPES

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "reference.problems": ("接口错误类型", "API problem types"),
    "reference.problems_help": (
        "接口的每个错误均为 application/problem+json（RFC 9457），其 type 指向以下页面之一。",
        "Every API error is application/problem+json (RFC 9457); its `type` names one of "
        "these pages.",
    ),
    "reference.type": ("类型 URI", "Type URI"),
    "reference.statuses": ("HTTP 状态码", "HTTP status"),
    "reference.meaning": ("含义", "Meaning"),
    "reference.all": ("全部错误类型", "All problem types"),
    "reference.docs": ("接口文档", "API reference"),
    **{f"problem.{k.slug}.title": k.title for k in PROBLEM_TYPES.values()},
    **{f"problem.{k.slug}.about": k.about for k in PROBLEM_TYPES.values()},
}
