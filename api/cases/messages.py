"""Page messages (zh, en) that both case kinds' pages (objections, repairs) and the report show.

Keys start with `case.` or `case_err.` (a case refusal's text by its stable rule, looked up
by `api.cases.words` before the shared `me_err.` texts); a key defined twice in the
catalogue is refused when `api.pages.i18n` is imported. `{…}` slots are filled only with
values a rule computed or the service's limits, never with anything typed.
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
    "case.reconsideration_text": (
        "如不服本决定，您可以在收到决定之日起60日内申请行政复议，或在6个月内提起行政诉讼。"
        "申请行政复议的最后一日：",
        "If you disagree with this decision you may apply for administrative reconsideration "
        "within 60 days of receiving it, or bring an administrative lawsuit within six months. "
        "Last day to apply for reconsideration: ",
    ),
    # The written apology of an entry upheld as recorded in error (§5.4, §7).
    "case.apology": ("书面致歉", "Written apology"),
    "case.apology_standard": (
        "经复核，您所异议的信用记录属错误认定，已予永久删除，公众和查询机构均已无法查看。"
        "由此给您带来的困扰，我们深表歉意。",
        "On review, the credit entry you objected to was recorded in error and has been "
        "erased for good; neither the public nor any agency can see it any more. We "
        "apologise sincerely for the trouble this caused you.",
    ),
    # The entry a case is about, as the officer deciding it reads it.
    "case.entry": ("异议所涉条目", "The entry objected to"),
    "case.entry.ref": ("公开编号", "Public reference"),
    "case.entry.external_id": ("部门编号", "Department reference"),
    "case.entry.kind": ("名单 · 领域 · 严重程度", "List · domain · severity"),
    "case.entry.subject_name": ("姓名", "Name"),
    "case.entry.facts": ("事实", "Facts"),
    "case.entry.summary": ("公开摘要", "Public summary"),
    "case.entry.basis": ("依据", "Legal basis"),
    "case.entry.decided_on": ("认定日期", "Decided on"),
    "case.entry.notice_until": ("告知期至", "Prior notice until"),
    "case.entry.display_until": ("展示至", "Displayed until"),
    "case.entry.valid_until": ("有效期至", "Valid until"),
    "case.entry.erased": (
        "该条目已被永久删除，其内容无法再读取。",
        "This entry was erased for good; its contents can no longer be read.",
    ),
    # The list an entry is on, as a case page names it.
    "case.kind.red": ("红名单", "Red list"),
    "case.kind.black": ("黑名单", "Black list"),
    "case.kind.watch": ("重点关注名单", "Watch list"),
    "case.kind.warning": ("警示名单", "Warning list"),
    # An officer's work list: its filters and search.
    "case.filter.title": ("筛选与查找", "Filter and search"),
    "case.filter.status": ("状态", "Status"),
    "case.filter.deadline": ("期限", "Deadline"),
    "case.filter.kind": ("名单", "List"),
    "case.filter.q": (
        "查找（公开编号、部门编号或案件编号）",
        "Find (public, department or case reference)",
    ),
    "case.filter.any": ("全部", "All"),
    "case.filter.deadline.overdue": ("已逾期", "Overdue"),
    "case.filter.deadline.soon": ("2个工作日内到期", "Due within 2 working days"),
    "case.filter.deadline.on_time": ("未逾期", "Not overdue"),
    "case.filter.submit": ("筛选", "Filter"),
    "case.filter.reset": ("清除筛选", "Clear the filters"),
    "case.filter.count": ("共{n}件", "{n} cases"),
    "case.filter.none": ("没有符合条件的案件。", "No case matches."),
    "case.filter.invalid": (
        "筛选条件无效：查找内容只能包含字母、数字、点、下划线、冒号和连字符（最多64个字符）。",
        "The filters are not valid: a search holds letters, digits, dots, underscores, "
        "colons and hyphens only (up to 64 characters).",
    ),
    # Confirmations before a decision that cannot be undone.
    "case.confirm.decision": ("决定", "Decision"),
    "case.confirm.reasons": ("理由", "Reasons"),
    "case.confirm.entry": ("条目", "Entry"),
    "case.entry_state": ("条目状态", "Entry state"),
    "case.download": ("下载", "Download"),
    "case.department": ("认定部门", "Department"),
    "case.closed": ("已结案", "Closed"),
    "case.clock_line": ("{step}：{due}，剩余{n}个工作日", "{step}: {due}, {n} working days left"),
    # The legal clocks' steps.
    "case.step.accept": ("受理", "Acceptance"),
    "case.step.resolve": ("办结", "Resolution"),
    "case.step.decide": ("作出决定", "Decision"),
    # Who a history line is by: a role, never an officer's token subject.
    "case.role.objection.filer": ("异议人", "Objector"),
    "case.role.objection.officer": ("异议处理专员", "Objection officer"),
    "case.role.objection.system": ("系统", "System"),
    "case.role.repair.filer": ("申请人", "Applicant"),
    "case.role.repair.officer": ("信用修复专员", "Repair officer"),
    "case.role.repair.system": ("系统", "System"),
    # The filer, on their own pages.
    "case.role.you": ("您本人", "You"),
    # What happened, by the history line's event.
    "case.event.objection.filed": ("提出异议", "Objection filed"),
    "case.event.objection.accepted": ("受理", "Accepted"),
    "case.event.objection.declined": ("不予受理", "Declined"),
    "case.event.objection.upheld": ("异议成立", "Upheld"),
    "case.event.objection.partly_upheld": ("异议部分成立", "Partly upheld"),
    "case.event.objection.rejected": ("驳回异议", "Rejected"),
    "case.event.objection.entry_erased": ("条目已永久删除", "Entry erased for good"),
    "case.event.objection.entry_corrected": ("条目已更正", "Entry corrected"),
    "case.event.objection.apology_issued": ("已发出书面致歉", "Written apology issued"),
    "case.event.objection.reconsideration_notice": (
        "已告知行政复议和行政诉讼途径",
        "Told of administrative reconsideration and litigation",
    ),
    "case.event.objection.escalated": ("逾期，已上报主管", "Overdue; escalated to the supervisor"),
    "case.event.repair.filed": ("提交申请", "Application filed"),
    "case.event.repair.accepted": ("受理", "Accepted"),
    "case.event.repair.declined": ("不予受理", "Declined"),
    "case.event.repair.approved": ("修复通过", "Approved"),
    "case.event.repair.rejected": ("不予修复", "Rejected"),
    "case.event.repair.escalated_accept_overdue": (
        "受理逾期，已上报主管",
        "Acceptance overdue; escalated to the supervisor",
    ),
    "case.event.repair.escalated_decide_overdue": (
        "决定逾期，已上报主管",
        "Decision overdue; escalated to the supervisor",
    ),
    # --- refusals of a case action, by rule ------------------------------------------------
    "case_err.objection_open": (
        "该条目已有一件正在处理的异议。",
        "An objection to this entry is already being processed.",
    ),
    "case_err.not_objectable": (
        "该条目在当前状态下已不能提出异议。",
        "This entry can no longer be objected to in its current state.",
    ),
    "case_err.reasons": (
        "请填写异议理由（1至2000字，不含控制字符）。",
        "Please give your reasons (1 to 2,000 characters, no control characters).",
    ),
    "case_err.reasons_required": (
        "作出此决定须写明理由。",
        "This decision needs reasons.",
    ),
    "case_err.erroneous_uphold_only": (
        "只有“异议成立”的决定才能认定条目属错误认定。",
        "Only an upheld objection can find the entry recorded in error.",
    ),
    "case_err.correction_required": (
        "此决定须更正条目：请至少填写一项更正内容。",
        "This decision corrects the entry: give at least one corrected value.",
    ),
    "case_err.correction_not_applicable": (
        "此决定不更正条目，请清空更正内容。",
        "This decision corrects nothing; clear the correction fields.",
    ),
    "case_err.apology_erroneous_only": (
        "致歉说明仅用于认定条目属错误认定并予删除的决定。",
        "An apology belongs only to a decision that the entry was recorded in error.",
    ),
    "case_err.stale_version": (
        "此案件在您阅读后已被更改，未作任何决定。请重新阅读后再决定。",
        "This case changed after you read it; nothing was decided. Read it again first.",
    ),
    "case_err.concurrent_decision": (
        "另一位工作人员刚刚对此案件作出了决定，未作任何更改。请重新阅读。",
        "Another officer decided this case meanwhile; nothing was changed. Read it again.",
    ),
    "case_err.illegal_decision": (
        "案件在当前状态下不能作出此决定。",
        "This decision cannot be taken in the case's current state.",
    ),
    "case_err.case_erased": ("此案件的内容已被删除。", "This case's contents were erased."),
    "case_err.officer.entry_not_displayed": (
        "该条目已不在展示中，不能以修复结束展示；如不予修复，请写明理由。",
        "The entry is no longer displayed, so a repair cannot end its display; reject it "
        "with reasons instead.",
    ),
    "case_err.display_period_minor": (
        "轻微行政处罚条目不予展示，请不要填写展示期限。",
        "A minor administrative-penalty entry is not displayed; leave the display end empty.",
    ),
    "case_err.display_period_required": (
        "此类名单须填写展示期限。",
        "This list needs a display end.",
    ),
    "case_err.display_after_decision": (
        "展示期限须晚于认定日期。",
        "The display end must be after the decision date.",
    ),
    "case_err.display_period_bounds": (
        "更正后的展示期限超出该条目允许的范围。",
        "The corrected display end is outside the range this entry allows.",
    ),
    "case_err.display_beyond_validity": (
        "展示期限不得晚于该条目的有效期。",
        "The display end must not be after the entry's validity.",
    ),
    "case_err.concurrent_change": (
        "该条目在此期间已被更改，请重新阅读后再决定。",
        "The entry changed meanwhile; read it again before deciding.",
    ),
    "case_err.fields": ("请检查以下各项：", "Please check:"),
    "case_err.unknown": (
        "此操作未能完成，未作任何更改。",
        "This could not be done; nothing was changed.",
    ),
    # The fields a refused decision form names.
    "case.field.decision": ("决定", "decision"),
    "case.field.reasons": ("理由", "reasons"),
    "case.field.erroneous": ("错误认定", "recorded in error"),
    "case.field.facts": ("更正后的事实", "corrected facts"),
    "case.field.public_summary": ("更正后的公开摘要", "corrected public summary"),
    "case.field.display_until": ("更正后的展示期限", "corrected display end"),
    "case.field.apology": ("致歉说明", "apology"),
    "case.field.version": ("案件版本", "case version"),
    "case.field.read_status": ("案件状态", "case status"),
    "case.field.correction": ("更正内容", "correction"),
}
