"""Page messages (zh, en) for queries of my record, my notifications and the receipt verifier.

Keys start with `queries.`, `notifications.` or `verify.`; a key defined twice in the
catalogue is refused when `api.pages.i18n` is imported. Keys under `verify.js.` are the
script's own strings: the page hands them to `/static/verify.js` in a JSON data block
(`script_messages`), where `{name}` placeholders are filled with sizes, indices and hashes
the script computed — never with anything the citizen typed.
"""

from __future__ import annotations

from typing import Final

_SCRIPT_PREFIX: Final = "verify.js."

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "queries.title": ("我的记录被查询情况", "Queries of my record"),
    "queries.empty": ("尚无查询。", "No queries yet."),
    "queries.number": ("（第 {n} 条查询日志）", " (query log entry {n})"),
    "queries.at": ("时间", "Time"),
    "queries.agency": ("查询机构", "Agency"),
    "queries.purpose": ("目的", "Purpose"),
    "queries.basis": ("依据", "Basis"),
    "queries.basis.authorization": ("凭您的授权", "under your authorization"),
    "queries.basis.legal": ("依法定依据", "on a legal basis"),
    "queries.outcome": ("结果", "Outcome"),
    "queries.entries": ("返回条目数", "Entries returned"),
    "queries.receipt": (
        "下载回执（含包含证明，JSON 文件）",
        "Download the receipt (with its inclusion proof, JSON)",
    ),
    "queries.receipt_pending": ("回执待下一个检查点生成。", "Receipt pending the next checkpoint."),
    "notifications.title": ("通知", "Notifications"),
    "notifications.empty": ("暂无通知。", "No notifications."),
    "notifications.query": ("查询：", "Query: "),
    "notifications.entry": ("条目事件：", "Entry event: "),
    # What happened to an entry, by the notice's kind.
    "notifications.event.expired": ("展示期满", "display period over"),
    "notifications.event.repaired": ("信用修复完成", "credit repaired"),
    "notifications.event.withdrawn": ("认定部门撤回", "withdrawn by the department"),
    "notifications.event.criteria_changed": ("认定标准变更", "listing criteria changed"),
    "notifications.event.objection_upheld": ("异议成立，已删除", "objection upheld, removed"),
    "notifications.event.shredded": ("已删除", "erased"),
    "notifications.event.corrected": ("已更正", "corrected"),
    "notifications.event.apology": ("认定部门已致歉", "the department apologised"),
    "notifications.event.objection_filed": ("他人对该条目提出异议", "someone objected to it"),
    "notifications.event.objection_rejected": ("异议被驳回", "objection rejected"),
    "notifications.event.repair_declined": ("修复申请不予受理", "repair application declined"),
    "notifications.event.repair_rejected": ("修复申请未通过", "repair application rejected"),
    "notifications.event.prior_notice": (
        "事前告知：拟将您列入名单",
        "prior notice: you are to be listed",
    ),
    "notifications.event.took_effect": ("列入名单已生效", "the listing took effect"),
    "notifications.event.watch_warning": ("重点关注警示", "watch-list warning"),
    "notifications.event.warning_list": ("已列入警示名单", "you are on the warning list"),
    "notifications.valid_until": ("有效期至：", "Valid until: "),
    # What a prior notice or a taking-effect notice states (1798号 §7).
    "notifications.facts": ("事实：", "Facts: "),
    "notifications.facts_erased": ("（已删除）", "(erased)"),
    "notifications.legal_basis": ("依据：", "Legal basis: "),
    "notifications.planned_list": ("拟列入：", "To be listed on: "),
    "notifications.listed_on": ("已列入：", "Listed on: "),
    "notifications.takes_effect": ("生效日期：", "Takes effect on: "),
    "notifications.display_until": ("公示至：", "Shown until: "),
    "notifications.object_until": ("提出异议截止：", "Object by: "),
    "notifications.object_how": (
        "如有异议，请在截止日前在“我的异议”中提出；异议期间该条目暂不生效。",
        "To object, file an objection under “My objections” by that day; "
        "while it is considered the entry does not take effect.",
    ),
    "notifications.object_after": (
        "如认为有误，可在展示期内在“我的异议”中提出异议。",
        "If it is wrong, you may object under “My objections” while it is shown.",
    ),
    "notifications.object_link": ("提出异议", "File an objection"),
    # --- the page ------------------------------------------------------------------------
    "verify.heading": ("在浏览器中核验回执", "Verify the receipts in your browser"),
    "verify.summary": (
        "每次查询在答复发出前都已记入防篡改的查询日志。点击下方按钮，您的浏览器会独立核验每条回执，"
        "确认这些查询确实记录在公开的日志中，且没有遗漏。",
        "Every query was written to the tamper-evident query log before its answer left. "
        "The button below makes your browser check each receipt itself: that these queries "
        "are in the public log, and that none is left out.",
    ),
    "verify.how": ("核验原理", "How this works"),
    "verify.help": (
        "每次查询在答复发出前都记入防篡改的查询日志。核验时，您的浏览器自行从公开接口获取"
        "最新的签名检查点和日志公钥，检查检查点的 Ed25519 签名，再按 RFC 9162 用每条回执的"
        "包含证明重新计算默克尔树根哈希，与已签名的根哈希比对；回执所依据的检查点若早于"
        "最新检查点，则按最新检查点重新取得并核验包含证明。核验不依赖本页面在服务器端的生成："
        "回执中的每个哈希都经过核验，而不是被直接采信。",
        "Every query is written to the tamper-evident query log before its answer leaves. To "
        "verify, your browser itself fetches the latest signed checkpoint and the log's public "
        "key from the public API, checks the checkpoint's Ed25519 signature, then recomputes "
        "the Merkle root from each receipt's inclusion proof (RFC 9162) and compares it with "
        "the signed root; a receipt made against an older checkpoint is fetched again and "
        "checked against the latest one. The check does not rely on how this page was "
        "rendered: every hash in a receipt is checked, not trusted.",
    ),
    "verify.help_leaf": (
        "核验时，浏览器先用每条记录上显示的机构、时间、目的、依据和结果，按 RFC 8785 重建其日志条目"
        "（叶），计算叶哈希，并要求它与回执所证明的叶哈希一致；再用仅向您本人显示的密钥核对该条目"
        "承诺的查询对象、授权和返回条目；最后检查各条记录前后相连（每条都指向您的上一条），"
        "中间缺少任何一条都会被发现。",
        "The browser first rebuilds each row's log entry (its leaf, RFC 8785) from the agency, "
        "time, purpose, basis and outcome the row shows, and requires its leaf hash to be the "
        "one the receipt proves; then, with a secret shown only to you, it checks the subject, "
        "authorization and entries the leaf commits to; last, it checks that the rows link up "
        "(each points back to your previous one), so a row left out between two shown ones is "
        "found.",
    ),
    "verify.help_key": (
        "核验以本服务公布的日志公钥为准。请将核验后显示的公钥与通过其他渠道独立公布的公钥比对；"
        "两者不一致时，核验结果不可信。",
        "Verification relies on the log key this service publishes. Compare the key shown "
        "after verifying with one published independently through another channel; if they "
        "differ, the result cannot be trusted.",
    ),
    "verify.nojs": (
        "在浏览器中核验需要启用 JavaScript。您也可以下载每条回执，用任何支持 C2SP 签名检查点和 "
        "RFC 9162 证明的工具离线核验。",
        "Verifying in the browser needs JavaScript. You can also download each receipt and "
        "check it offline with any tool that reads C2SP signed checkpoints and RFC 9162 proofs.",
    ),
    "verify.button": ("核验全部回执", "Verify all receipts"),
    # --- the script ----------------------------------------------------------------------
    "verify.js.running": ("正在核验…", "Verifying…"),
    "verify.js.again": ("重新核验", "Verify again"),
    "verify.js.unsupported": (
        "此浏览器不支持所需的 Web Crypto 功能（Ed25519、SHA-256），无法在浏览器中核验。",
        "This browser lacks the Web Crypto features needed (Ed25519, SHA-256), so it cannot "
        "verify here.",
    ),
    "verify.js.ok": (
        "✓ 已核验：本次查询是树大小为 {size} 的已签名检查点中的第 {index} 项。",
        "✓ Verified: this query is entry {index} of the signed checkpoint of tree size {size}.",
    ),
    "verify.js.ok_refreshed": (
        "✓ 已核验：回执依据的检查点（树大小 {old}）较旧，已按最新检查点（树大小 {size}）重新核验，"
        "本次查询是其中的第 {index} 项。",
        "✓ Verified: the receipt was made against an older checkpoint (tree size {old}); "
        "checked again against the latest one (tree size {size}), this query is entry {index}.",
    ),
    "verify.js.failed": ("✗ 核验失败：{reason}", "✗ Verification failed: {reason}"),
    "verify.js.summary": (
        "核验完成：{ok} 条通过，{failed} 条失败，{pending} 条尚无回执。",
        "Done: {ok} verified, {failed} failed, {pending} without a receipt yet.",
    ),
    "verify.js.failed_rows": ("未通过的查询：{rows}", "Queries that failed: {rows}"),
    "verify.js.anchor": (
        "最新公开检查点：树大小 {size}，根哈希 {root}。签名公钥：",
        "Latest public checkpoint: tree size {size}, root hash {root}. Signed with key:",
    ),
    "verify.js.error": ("无法核验：{reason}", "Could not verify: {reason}"),
    # Why a receipt (or the whole run) failed, by the script's reason code.
    "verify.js.reason.network": (
        "无法获取公开检查点或日志公钥",
        "the public checkpoint or the log key could not be fetched",
    ),
    "verify.js.reason.unsupported": (
        "浏览器不支持 Ed25519 签名核验",
        "this browser cannot check Ed25519 signatures",
    ),
    "verify.js.reason.key": ("公布的日志公钥格式不正确", "the published log key is malformed"),
    "verify.js.reason.note": ("检查点格式不正确", "the checkpoint is malformed"),
    "verify.js.reason.signature": (
        "检查点没有日志公钥的有效签名",
        "the checkpoint carries no valid signature by the log key",
    ),
    "verify.js.reason.receipt": ("回执格式不正确", "the receipt is malformed"),
    "verify.js.reason.index": ("回执属于另一条查询", "the receipt belongs to another query"),
    "verify.js.reason.proof": (
        "包含证明得出的根哈希与已签名的根哈希不符",
        "the inclusion proof does not lead to the signed root hash",
    ),
    "verify.js.reason.origin": (
        "回执的检查点来自另一个日志",
        "the receipt's checkpoint is from another log",
    ),
    "verify.js.reason.fork": (
        "同一树大小出现两个根哈希不同的已签名检查点（日志分叉）",
        "two signed checkpoints of the same tree size have different root hashes (a forked log)",
    ),
    "verify.js.reason.ahead": (
        "回执的检查点比公开的最新检查点还新",
        "the receipt's checkpoint is newer than the latest public one",
    ),
    "verify.js.reason.stale": (
        "无法按最新检查点重新核验这次查询",
        "this query could not be checked again against the latest checkpoint",
    ),
    "verify.js.reason.leaf": (
        "新旧回执中的叶哈希不同",
        "the old and the new receipt hold different leaf hashes",
    ),
    "verify.js.reason.shown": (
        "页面显示的这条查询与日志中记录的不一致",
        "the query as this page shows it is not the one the log holds",
    ),
    "verify.js.reason.commit": (
        "日志记录的不是页面显示的查询对象、授权或返回条目",
        "the log holds another subject, authorization or set of entries than shown",
    ),
    "verify.js.reason.gap": (
        "此条与前一条之间缺少一条查询记录",
        "a query is missing between this one and the one before it",
    ),
    "verify.js.reason.internal": ("核验程序出错", "the verifier itself failed"),
}


def script_messages(lang: str) -> dict[str, str]:
    """The script's strings in one language, keyed without the `verify.js.` prefix."""
    pick = 1 if lang == "en" else 0
    return {
        key.removeprefix(_SCRIPT_PREFIX): pair[pick] or pair[0]
        for key, pair in MESSAGES.items()
        if key.startswith(_SCRIPT_PREFIX)
    }
