"""Page messages (zh, en) for the auditor's review of the query log.

Keys start with `audit.`; a key defined twice in the catalogue is refused when
`api.pages.i18n` is imported. Chinese text uses full-width punctuation.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    # Auditor: the query log.
    "audit.title": ("查询日志审查", "Query log review"),
    "audit.help": (
        "查询日志记录每一次查询，一经写入不能更改，按时间倒序显示（含封存查询）。"
        "筛选条件不含个人信息。",
        "The query log records every query and cannot be changed once written; newest "
        "first (sealed queries included). The filters hold no personal data.",
    ),
    "audit.how": (
        "日志是一棵默克尔树（RFC 9162），其树根由 Ed25519 签名的检查点公开；"
        "删改任何一条都会使树根与已签名的检查点不符。",
        "The log is a Merkle tree (RFC 9162) whose root is published in checkpoints signed "
        "with Ed25519; removing or altering any entry makes the root disagree with a signed "
        "checkpoint.",
    ),
    "audit.agency": ("查询机构", "Agency"),
    "audit.since": ("起始时间（北京时间）", "From (China Standard Time)"),
    "audit.until": ("截止时间（北京时间）", "Until (China Standard Time)"),
    "audit.outcome": ("结果", "Outcome"),
    "audit.flag": ("标记", "Flag"),
    "audit.empty": ("没有符合条件的查询。", "No queries match."),
    "audit.col.index": ("序号", "Index"),
    "audit.col.at": ("时间", "Time"),
    "audit.col.agency": ("查询机构", "Agency"),
    "audit.col.purpose": ("目的", "Purpose"),
    "audit.col.basis": ("依据", "Basis"),
    "audit.col.outcome": ("结果", "Outcome"),
    "audit.col.flags": ("标记", "Flags"),
    "audit.col.actions": ("操作", "Actions"),
    "audit.sealed": ("封存至", "Sealed until"),
    "audit.frozen": ("记录已冻结", "Record frozen"),
    "audit.flag_reason": ("标记原因", "Reason to flag"),
    "audit.flag_submit": ("标记", "Flag"),
    "audit.proof": ("包含证明", "Inclusion proof"),
    "audit.by.rule": ("审查规则自动标记", "raised by an audit rule"),
    "audit.by.auditor": ("审查人员标记", "raised by an auditor"),
    "audit.by.other": ("其他来源标记", "raised by"),
    "audit.invalid": (
        "筛选条件无效：请检查时间（结束须晚于开始）和序号。",
        "These filters are not valid: check the times (the end after the start) and the index.",
    ),
    "audit.query_title": ("查询日志条目", "Query log entry"),
    "audit.leaf": ("日志内容", "The log entry"),
    "audit.entries": ("返回条目数", "Entries returned"),
    "audit.legal_basis": ("法定依据", "Legal basis"),
    "audit.authorization": ("授权编号", "Authorization id"),
    "audit.refusal_rule": ("拒绝规则", "Refusal rule"),
    "audit.proof_help": (
        "以下包含证明表明此条目已写入签名检查点所覆盖的日志；任何人都可用公开检查点验证。",
        "This inclusion proof shows the entry is in the log the signed checkpoint below "
        "covers; anyone can check it against the public checkpoint.",
    ),
    "audit.proof_how": (
        "证明路径是从叶哈希到默克尔树根（RFC 9162）所需的兄弟节点哈希；"
        "算出的树根须与 Ed25519 签名的检查点一致。",
        "The proof path holds the sibling hashes from the leaf hash up to the Merkle tree root "
        "(RFC 9162); the root computed must match the checkpoint signed with Ed25519.",
    ),
    "audit.leaf_hash": ("叶哈希", "Leaf hash"),
    "audit.tree_size": ("树大小", "Tree size"),
    "audit.path": ("证明路径", "Proof path"),
    "audit.checkpoint": ("签名检查点", "Signed checkpoint"),
    "audit.receipt_json": ("下载回执（JSON）", "Download the receipt (JSON)"),
    "audit.flags_title": ("标记", "Flags"),
    "audit.no_flags": ("无标记。", "No flags."),
    "audit.flagged": ("已标记。", "Flagged."),
    "audit.not_found": ("日志中没有此序号的条目。", "The log has no entry at this index."),
    # Flagging: nothing preselected, and a confirmation step before the flag is stored.
    "audit.choose_reason": ("请选择标记原因", "Choose a reason"),
    "audit.reason_missing": (
        "请从列表中选择标记原因。",
        "Choose a reason to flag from the list.",
    ),
    "audit.confirm_title": ("确认标记此查询", "Confirm the flag"),
    "audit.confirm_what": (
        "此查询将以所选原因被标记，标记记入审查登记，不能删除。",
        "The query will be flagged with this reason; the flag goes into the review registry "
        "and cannot be removed.",
    ),
    "audit.confirm_button": ("确认标记", "Flag the query"),
    "audit.refused.already_flagged": (
        "此查询已带有该原因的标记。",
        "This query already carries a flag with this reason.",
    ),
    "audit.refused.other": ("请求被拒绝。", "The request was refused."),
    # Why a query is flagged (rules raise the first four; auditors may raise any).
    "audit.reason.bulk": ("批量查询", "Bulk querying"),
    "audit.reason.night": ("非工作时间查询", "Outside office hours"),
    "audit.reason.refused_then_retried": ("被拒后重试", "Refused, then retried"),
    "audit.reason.frozen": ("冻结记录的法定依据查询", "Legal-basis query of a frozen record"),
    "audit.reason.purpose_mismatch": ("目的不符", "Purpose mismatch"),
    "audit.reason.no_business_need": ("无业务需要", "No business need"),
    "audit.reason.other": ("其他", "Other"),
    # Why a query was refused (the rule in its log entry).
    "audit.rule.authorization_revoked": ("授权已撤销", "authorization revoked"),
    "audit.rule.authorization_not_started": ("授权尚未生效", "authorization not started"),
    "audit.rule.authorization_expired": ("授权已过期", "authorization expired"),
    "audit.rule.authorization_used_up": ("授权次数已用完", "authorization used up"),
    "audit.rule.authorization_unknown": ("授权不存在", "no such authorization"),
    "audit.rule.purpose_mismatch": ("目的与授权不符", "purpose differs from the authorization"),
    "audit.rule.record_frozen": ("记录已被本人冻结", "record frozen by its owner"),
    "audit.rule.unknown_purpose": ("未知的查询目的", "unknown purpose"),
    "audit.rule.unknown_legal_basis": ("未知的法定依据", "unknown legal basis"),
    "audit.rule.seal_not_allowed": ("无权封存查询", "sealing not allowed"),
    "audit.rule.invalid_subject_code": ("身份号码无效", "invalid ID number"),
    "audit.rule.invalid_request": ("请求格式无效", "malformed request"),
    "audit.rule.no_record": ("无此记录", "no record"),
    "audit.rule.agency_unknown": ("查询机构未登记", "agency not registered"),
    "audit.rule.retry": ("需重试", "to be retried"),
}
