"""Page messages (zh, en) for objections: the citizen's objections, the officer's work list.

Keys start with `objections.`, `worklist.` or `decision.`; a key defined twice in the
catalogue is refused when `api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "objections.title": ("我的异议", "My objections"),
    "objections.empty": ("尚无异议。", "No objections yet."),
    "objections.new": ("提出异议", "File an objection"),
    "objections.entry": ("异议条目", "Entry objected to"),
    "objections.reasons": ("异议理由（最多2000字）", "Reasons (up to 2,000 characters)"),
    "objections.files": (
        "证据文件（PDF、PNG或JPEG，可多选）",
        "Evidence files (PDF, PNG or JPEG; several allowed)",
    ),
    "objections.submit": ("提交异议", "File the objection"),
    "objections.filed": ("异议已提交，条目已标注异议。", "Objection filed; the entry is marked."),
    "worklist.title": ("异议工作列表", "Objection work list"),
    "worklist.help": ("逾期案件排在最前。", "Overdue cases first."),
    "worklist.empty": ("没有案件。", "No cases."),
    "decision.title": ("作出决定", "Decide"),
    "decision.decision": ("决定", "Decision"),
    "decision.accept": ("受理", "Accept"),
    "decision.decline": ("不予受理", "Decline"),
    "decision.uphold": ("异议成立", "Uphold"),
    "decision.partly_uphold": ("部分成立", "Partly uphold"),
    "decision.reject": ("驳回", "Reject"),
    "decision.reasons": ("理由", "Reasons"),
    "decision.erroneous": (
        "条目属错误认定，应予删除（仅限异议成立）",
        "The entry was recorded in error and is erased (uphold only)",
    ),
    "decision.correction": ("更正内容（更正时填写）", "Correction (when correcting)"),
    "decision.facts": ("更正后的事实", "Corrected facts"),
    "decision.summary": ("更正后的公开摘要", "Corrected public summary"),
    "decision.display_until": ("更正后的展示期限", "Corrected display end"),
    "decision.submit": ("提交决定", "Submit the decision"),
    "decision.closed": ("此案件已结案。", "This case is closed."),
}
