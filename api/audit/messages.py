"""Page messages (zh, en) for the auditor's review of the query log.

Keys start with `audit.`; a key defined twice in the catalogue is refused when
`api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    # Auditor: the query log.
    "audit.title": ("查询日志审查", "Query log review"),
    "audit.help": (
        "查询日志为防篡改的默克尔树，按时间倒序显示（含封存查询）。筛选条件不含个人信息。",
        "The query log is a tamper-evident Merkle tree, newest first (sealed queries "
        "included). The filters hold no personal data.",
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
    "audit.by": ("标记者", "by"),
    "audit.invalid": ("筛选条件有误：", "The filters break a rule:"),
    "audit.query_title": ("查询日志条目", "Query log entry"),
    "audit.leaf": ("日志内容", "The log entry"),
    "audit.entries": ("返回条目数", "Entries returned"),
    "audit.legal_basis": ("法定依据代码", "Legal basis code"),
    "audit.authorization": ("授权编号", "Authorization id"),
    "audit.refusal_rule": ("拒绝规则", "Refusal rule"),
    "audit.proof_help": (
        "以下包含证明表明此条目在签名检查点所对应的默克尔树中；任何人都可用公开检查点验证。",
        "This inclusion proof shows the entry is in the Merkle tree of the signed checkpoint "
        "below; anyone can check it against the public checkpoint.",
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
}
