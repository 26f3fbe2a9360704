"""Every problem `type` the service answers with, what it means and what to do about it.

Invariants: each slug that `api/problems.py` or a domain error can put in a problem's
`type` is listed here once, with the statuses it comes with and its text in Chinese and
English; the OpenAPI document and the page at each type URI (`/problems/<slug>`) are both
built from this table (a test walks the code for slugs missing from it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class ProblemType:
    """One problem type: its slug, the statuses it comes with, its text (zh, en)."""

    slug: str
    statuses: tuple[int, ...]
    title: tuple[str, str]
    about: tuple[str, str]


_TYPES: Final = (
    ProblemType(
        "validation",
        (422,),
        ("请求格式错误", "Request body or parameters are invalid"),
        (
            "请求体或参数不符合其模式；errors 逐项列出位置（loc）、规则（type）和说明（msg），"
            "从不回显所提交的值。修正后重发；未作任何更改。",
            "The body or a parameter breaks its schema; `errors` lists each field's place "
            "(`loc`), rule (`type`) and message (`msg`), never the value sent. Fix it and "
            "send again; nothing was changed.",
        ),
    ),
    ProblemType(
        "invalid-input",
        (422,),
        ("输入不符合业务规则", "Invalid input"),
        (
            "输入格式正确，但违反业务规则；rule 给出规则名（如 reasons_required、"
            "repair_not_yet_eligible、bad_cursor），可能附带规则算出的值（如 eligible_from）。",
            "The input is well-formed but a domain rule refuses it; `rule` names the rule "
            "(e.g. `reasons_required`, `repair_not_yet_eligible`, `bad_cursor`), and values "
            "the rule computed may follow (e.g. `eligible_from`).",
        ),
    ),
    ProblemType(
        "duplicate-key",
        (422,),
        ("JSON 成员重复", "Duplicate member in JSON body"),
        (
            "JSON 对象中同一成员出现了两次；每个成员只发送一次。",
            "A JSON object names the same member twice; send each member once.",
        ),
    ),
    ProblemType(
        "unauthenticated",
        (401,),
        ("需要身份验证", "Authentication required"),
        (
            "缺少有效的访问令牌：未提供、已过期、被篡改或来自不受信任的签发方。响应附带 "
            "WWW-Authenticate 头；向令牌端点（/oauth/token）申请新令牌后重试。",
            "No valid access token: missing, expired, forged or from an issuer not trusted. "
            "The answer carries `WWW-Authenticate`; get a new token from the token endpoint "
            "(`/oauth/token`) and try again.",
        ),
    ),
    ProblemType(
        "forbidden",
        (403,),
        ("无权执行", "Forbidden"),
        (
            "令牌有效，但其角色不能使用此端点；角色之间互不包含。",
            "The token is valid but its role may not use this endpoint; roles never imply "
            "one another.",
        ),
    ),
    ProblemType(
        "query-refused",
        (403,),
        ("查询被拒绝", "Query refused"),
        (
            "机构查询已受理但不能执行：授权已撤销、未生效、已过期或次数用尽，用途不符，或记录已冻结；"
            "rule 说明原因。拒绝同样记入查询日志，响应附带 log_index 和回执。",
            "An agency query was understood but may not run: the authorization is revoked, "
            "not yet started, expired or used up, the purpose does not match, or the record "
            "is frozen; `rule` says which. The refusal is logged too, and the answer carries "
            "its `log_index` and receipt.",
        ),
    ),
    ProblemType(
        "not-found",
        (404,),
        ("未找到", "Not found"),
        (
            "调用方可见的范围内没有该标识的对象；其他部门的数据同样答复“未找到”，而非“无权”。",
            "Nothing the caller may see has that id; another department's data is "
            "\u201cnot found\u201d too, never \u201cforbidden\u201d.",
        ),
    ),
    ProblemType(
        "method-not-allowed",
        (405,),
        ("方法不允许", "Method not allowed"),
        (
            "该路径不接受此 HTTP 方法。",
            "This path does not accept that HTTP method.",
        ),
    ),
    ProblemType(
        "conflict",
        (409,),
        ("与现有数据冲突", "Conflict"),
        (
            "请求与已存储的数据冲突：重复（如 duplicate_external_id）、过期的 version，"
            "或不合顺序的状态转换（illegal_transition）。重新读取后再决定。",
            "The request clashes with what is stored: a duplicate (e.g. "
            "`duplicate_external_id`), a stale `version`, or an out-of-order transition "
            "(`illegal_transition`). Read the current state again before deciding.",
        ),
    ),
    ProblemType(
        "idempotency-key-reused",
        (409,),
        ("幂等键已用于其他请求", "Idempotency key reused"),
        (
            "同一客户端以同一 Idempotency-Key 发送了内容不同的请求。重试时须原样重发；"
            "新的请求请使用新的键。",
            "The same client sent a different request under an `Idempotency-Key` it used "
            "before. A retry must resend the request unchanged; a new request needs a new key.",
        ),
    ),
    ProblemType(
        "shredded",
        (410,),
        ("数据已销毁", "Erased"),
        (
            "数据已被加密销毁，永远无法再读取。",
            "The data was crypto-shredded and can never be read again.",
        ),
    ),
    ProblemType(
        "body-too-large",
        (413,),
        ("请求体过大", "Request body too large"),
        (
            "请求体超过此端点的上限（max_bytes），在读取之前即被拒绝；未作任何更改。",
            "The body is over this endpoint's cap (`max_bytes`), judged before it is read; "
            "nothing was changed.",
        ),
    ),
    ProblemType(
        "rate-limited",
        (429,),
        ("请求过于频繁", "Too many requests"),
        (
            "来自同一地址的请求过多；按 Retry-After 头所示的秒数等待后重试。",
            "Too many requests from one address; wait the seconds `Retry-After` gives, then "
            "try again.",
        ),
    ),
    ProblemType(
        "database-busy",
        (503,),
        ("服务繁忙", "The service is busy"),
        (
            "数据库未能在等待时限内获得；未作任何更改，按 Retry-After 稍后重试。",
            "The database could not be had in time; nothing was changed. Try again after "
            "`Retry-After`.",
        ),
    ),
    ProblemType(
        "keys-unavailable",
        (503,),
        ("加密密钥不可用", "Encryption keys unavailable"),
        (
            "密钥提供方缺失、错误，或缺少数据所需的密钥版本；需由运维处理。",
            "The key provider is missing, wrong, or lacks a key version the data needs; an "
            "operator has to act.",
        ),
    ),
    ProblemType(
        "log-integrity-failure",
        (503,),
        ("查询日志完整性校验失败", "The query log failed its integrity check"),
        (
            "存储的查询日志与已签名内容不符；在运维人员调查并解除之前，不答复机构查询，"
            "也不签发检查点。",
            "The stored query log does not reproduce what was signed; agency queries are not "
            "answered and no checkpoint is signed until an operator has investigated and "
            "cleared it.",
        ),
    ),
    ProblemType(
        "not-ready",
        (503,),
        ("服务未就绪", "Not ready"),
        (
            "就绪检查失败：数据库不可达、密钥检查失败或查询日志已暂停。",
            "The readiness check failed: the database is unreachable, the key check failed, "
            "or the query log is halted.",
        ),
    ),
    ProblemType(
        "issuer-unavailable",
        (503,),
        ("令牌签发方不可用", "Token issuer unavailable"),
        (
            "内置令牌签发方的密钥尚未加载；稍后重试。",
            "The embedded token issuer's keys are not loaded; try again later.",
        ),
    ),
    ProblemType(
        "internal",
        (500,),
        ("内部错误", "Internal error"),
        (
            "请求失败，未作任何更改；响应不含任何内部细节。",
            "The request failed and nothing was changed; the answer holds no internal detail.",
        ),
    ),
    ProblemType(
        "http-error",
        (400,),
        ("HTTP 错误", "HTTP error"),
        (
            "其他 HTTP 层面的错误，如请求体无法按其声明的类型解码（不是 UTF-8）；"
            "status 给出状态码。",
            "Another HTTP-level error, such as a body that cannot be decoded as the type it "
            "declares (not UTF-8); `status` gives its code.",
        ),
    ),
    ProblemType(
        "domain-error",
        (400,),
        ("请求被拒绝", "Request refused"),
        (
            "一条未归入以上类型的业务规则拒绝了请求；rule 给出规则名。",
            "A domain rule outside the types above refused the request; `rule` names it.",
        ),
    ),
)

PROBLEM_TYPES: Final[dict[str, ProblemType]] = {t.slug: t for t in _TYPES}
