"""Page messages (zh, en) that both case kinds' pages (objections, repairs) and the report show.

Keys start with `case.`; a key defined twice in the catalogue is refused when
`api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "case.title": ("异议案件", "Objection case"),
    "case.status": ("状态", "Status"),
    "case.filed_on": ("提出日期", "Filed on"),
    "case.clocks": ("法定时限", "Legal clocks"),
    "case.step": ("环节", "Step"),
    "case.due": ("截止日期", "Due"),
    "case.days_left": ("剩余工作日", "Working days left"),
    "case.overdue": ("已逾期", "Overdue"),
    "case.escalated": ("已上报", "Escalated"),
    "case.history": ("处理经过", "History"),
    "case.evidence": ("证据", "Evidence"),
    "case.no_evidence": ("无证据文件。", "No evidence files."),
    "case.reasons": ("异议理由", "Reasons"),
    "case.decision_reasons": ("决定理由", "Reasons for the decision"),
    "case.reconsideration": ("行政复议", "Administrative reconsideration"),
    "case.entry_state": ("条目状态", "Entry state"),
    "case.download": ("下载", "Download"),
}
