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
    "objections.files_again": (
        "浏览器不会保留已选择的文件：如需附上证据，请重新选择。",
        "Browsers do not keep chosen files: choose your evidence again to attach it.",
    ),
    "objections.filed": ("异议已提交，条目已标注异议。", "Objection filed; the entry is marked."),
    "worklist.title": ("异议工作列表", "Objection work list"),
    "worklist.help": ("逾期案件排在最前。", "Overdue cases first."),
    "worklist.empty": ("没有案件。", "No cases."),
    "worklist.back": ("返回异议工作列表", "Back to the objection work list"),
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
    "decision.apology": (
        "书面致歉（仅在认定错误并删除条目时发给异议人）",
        "Written apology (sent to the objector only when the entry is erased as erroneous)",
    ),
    "decision.submit": ("提交决定", "Submit the decision"),
    "decision.confirm_hint": (
        "认定错误（删除条目）和更正条目的决定提交后，会先请您确认。",
        "A decision that erases or corrects the entry asks you to confirm before it is taken.",
    ),
    # The confirmation of an uphold that erases the entry.
    "decision.confirm.erase.title": (
        "确认：认定错误并永久删除条目",
        "Confirm: erase the entry as erroneous",
    ),
    "decision.confirm.erase.what": (
        "您将认定该条目属错误认定。条目及其全部内容将被永久删除，无法恢复；公众和查询机构"
        "立即无法查看；异议人将收到以下书面致歉。",
        "You are finding the entry recorded in error. The entry and all its contents are "
        "erased for good and cannot be restored; the public and agencies stop seeing it at "
        "once; the objector is given the written apology below.",
    ),
    "decision.confirm.erase.button": ("确认删除条目", "Erase the entry"),
    # The confirmation of a decision that corrects the entry.
    "decision.confirm.correct.title": ("确认：更正条目", "Confirm: correct the entry"),
    "decision.confirm.correct.what": (
        "您将按以下内容更正该条目。更正立即生效，并通知条目当事人和相关查询机构；"
        "原内容仅作为历史保存。",
        "You are correcting the entry as below. The correction takes effect at once and the "
        "entry's subject and the agencies concerned are told; the old values are kept only "
        "as history.",
    ),
    "decision.confirm.correct.button": ("确认更正", "Correct the entry"),
    "decision.closed": ("此案件已结案。", "This case is closed."),
}
