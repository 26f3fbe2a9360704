"""Page messages (zh, en) for entries: the citizen's record and statements, the recorder.

Keys start with `record.`, `me_stmt.`, `recorder.`, `rec_`, `event.`, `role.` or `batch.`;
a key defined twice in the catalogue is refused when `api.pages.i18n` is imported. Chinese
text uses full-width punctuation; end dates are the last day of a period (含当日).
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "record.title": ("我的信用记录", "My credit record"),
    "record.empty": ("您的记录中没有条目。", "Your record holds no entries."),
    "record.warning": (
        "您目前在大数据警示名单上（三个及以上领域的重点关注）。",
        "You are on the derived warning list (watched in three or more domains).",
    ),
    "record.facts": ("事实", "Facts"),
    "record.severity": ("严重程度", "Severity"),
    "record.valid_until": ("有效期至", "Valid until"),
    "record.retain_until": ("后台保存至", "Kept until"),
    "record.notice_until": ("告知期至", "Prior notice until"),
    "record.display_until": ("展示至", "Displayed until"),
    "record.department": ("认定部门", "Recording department"),
    "record.statement": ("本人声明", "My statement"),
    "record.visible_to": ("谁还能看到、到何时", "Who can still see it, and until when"),
    "record.nobody": ("目前无人可见。", "Nobody can see it now."),
    "record.exit_reason": ("退出原因", "Exit reason"),
    "record.object": ("对此条目提出异议", "Object to this entry"),
    "record.repair_ways": ("可修复方式", "Repair ways"),
    # --- statements ---------------------------------------------------------------------
    "me_stmt.edit": ("撰写或修改本人声明", "Write or change my statement"),
    "me_stmt.title": ("本人声明", "My statement"),
    "me_stmt.label": ("声明（最多200字）", "Statement (up to 200 characters)"),
    "me_stmt.help": (
        "声明会随该条目一同显示给所有能看到它的人。",
        "The statement is shown with the entry wherever the entry is shown.",
    ),
    "me_stmt.save": ("保存声明", "Save the statement"),
    "me_stmt.delete": ("删除声明", "Delete the statement"),
    "me_stmt.invalid": (
        "声明须为1至200字，且不含控制字符。",
        "A statement holds 1 to 200 characters and no control characters.",
    ),
    "me_stmt.entry": ("条目", "Entry"),
    # Recorder: add one entry.
    "recorder.title": ("录入名单条目", "Record a list entry"),
    "recorder.help": (
        "条目记入您所在的认定部门。身份号码只通过表单提交，不会出现在网址或日志中；"
        "提交被拒时，所填内容保留在表单中以便更正。",
        "The entry is recorded for your department. The ID number is only posted in the form; "
        "it never appears in an address or a log. If the entry is refused, what you typed "
        "stays in the form for you to correct.",
    ),
    "recorder.batch_link": ("批量上传（CSV或JSON）", "Upload a batch (CSV or JSON)"),
    "recorder.list_link": ("本部门条目", "The department's entries"),
    "recorder.department": ("认定部门", "Recording department"),
    "recorder.external_id": ("部门编号", "Department reference"),
    "recorder.external_id_help": (
        "可用字母、数字及“. _ : / -”，最多128个字符；同一编号只记录一次。",
        "Letters, digits and . _ : / -, up to 128 characters; one reference is recorded once.",
    ),
    "recorder.subject_code": ("公民身份号码（18位）", "Citizen ID number (18 characters)"),
    "recorder.subject_name": ("姓名", "Full name"),
    "recorder.list_kind": ("名单", "List"),
    "recorder.domain": ("领域", "Domain"),
    "recorder.severity": ("严重程度", "Severity"),
    "recorder.facts": ("事实（加密保存）", "Facts (stored encrypted)"),
    "recorder.public_summary": (
        "公开摘要（公开名单中显示，可不填）",
        "Public summary (shown on the public lists; optional)",
    ),
    "recorder.legal_basis": ("认定依据", "Legal basis"),
    "recorder.decided_on": ("认定日期", "Decided on"),
    "recorder.display_until": (
        "最后展示日（含当日；可不填，按严重程度取最长期限）",
        "Last day displayed (inclusive; optional: the severity's longest period applies)",
    ),
    "recorder.valid_until": ("有效期最后一日（含当日）", "Last day valid (inclusive)"),
    "recorder.display_last": ("展示至", "Displayed until"),
    "recorder.valid_last": ("有效期至", "Valid until"),
    "recorder.repairable": ("可信用修复", "Can be repaired"),
    "recorder.repair_ways": ("修复方式", "Repair ways"),
    "recorder.watch_months": (
        "退出黑名单后列入重点关注的月数",
        "Months on the watch list after a black-list exit",
    ),
    "recorder.submit": ("提交条目", "Record the entry"),
    "recorder.kept": (
        "您填写的内容已保留在下方表单中，请修改后重新提交。",
        "What you typed is kept in the form below: correct it and submit again.",
    ),
    "recorder.invalid": (
        "以下字段有误，未作任何更改：",
        "These fields break a rule; nothing was changed:",
    ),
    "recorder.refused": ("未能记录，未作任何更改：", "This was refused; nothing was changed:"),
    "recorder.created_title": ("条目已记录", "Entry recorded"),
    "recorder.entry_title": ("名单条目", "List entry"),
    "recorder.entry_id": ("条目编号", "Entry id"),
    "recorder.public_ref": ("公开编号", "Public reference"),
    "recorder.masked_name": ("姓名（脱敏）", "Name (masked)"),
    "recorder.state": ("状态", "State"),
    "recorder.notice_until": ("告知（公示）期至", "Prior notice until"),
    "recorder.facts_label": ("事实", "Facts"),
    "recorder.content": ("条目内容", "What the entry says"),
    "recorder.summary_label": ("公开摘要", "Public summary"),
    "recorder.basis_label": ("认定依据", "Legal basis"),
    "recorder.retain_last": ("后台保存至", "Kept until"),
    "recorder.version": ("版本", "Version"),
    "recorder.objection": ("异议处理中", "Under objection"),
    "recorder.exit_reason": ("退出原因", "Exit reason"),
    "recorder.amended": ("条目已更正。", "The entry was amended."),
    "recorder.withdrawn": ("条目已撤销。", "The entry was withdrawn."),
    "recorder.history": ("变更记录", "History"),
    "recorder.history_at": ("时间", "Time"),
    "recorder.history_event": ("事项", "Event"),
    "recorder.history_by": ("操作方", "By"),
    "recorder.history_detail": ("说明", "Details"),
    "recorder.changed": ("更正了：", "Changed: "),
    "recorder.actions": ("操作", "Actions"),
    "recorder.amend_link": ("更正此条目", "Amend this entry"),
    "recorder.withdraw_link": ("撤销此条目", "Withdraw this entry"),
    "recorder.back_to_list": ("返回本部门条目", "Back to the department's entries"),
    "recorder.another": ("再录入一条", "Record another entry"),
    # Recorder: batches.
    "batch.title": ("批量上传名单条目", "Upload a batch of entries"),
    "batch.help": (
        "上传CSV文件（第一行为字段名）或JSON文件（条目数组，或带items字段的对象），最多1000条；"
        "按部门编号去重，可安全地重复上传。",
        "Upload a CSV file (first row: the field names) or a JSON file (an array of entries, "
        'or {"items": [...]}), up to 1,000 entries; duplicates by department reference are '
        "skipped, so a batch may safely be sent again.",
    ),
    "batch.dates_help": (
        "文件中的display_until和valid_until与接口一致，为期限届满后的第一天（不含当日）。",
        "In a file, display_until and valid_until mean what they mean in the API: the first "
        "day the period no longer runs (exclusive).",
    ),
    "batch.columns": ("字段", "Fields"),
    "batch.ways_help": (
        "CSV中多个修复方式用分号分隔；repairable填true或false。",
        "In CSV, separate several repair ways with semicolons; repairable is true or false.",
    ),
    "batch.file": ("文件（CSV或JSON，最大1 MiB）", "File (CSV or JSON, at most 1 MiB)"),
    "batch.submit": ("上传", "Upload"),
    "batch.results": ("逐行结果", "Results row by row"),
    "batch.summary": ("汇总", "Summary"),
    "batch.col.row": ("行号", "Row"),
    "batch.col.external_id": ("部门编号", "Department reference"),
    "batch.col.result": ("结果", "Result"),
    "batch.col.reason": ("原因", "Reason"),
    "batch.col.entry": ("条目", "Entry"),
    "batch.row_help": (
        "行号从第一条数据计起（CSV 表头不计）。结果中不含身份号码或姓名。",
        "Rows count from the first entry (a CSV header row is not counted). The results hold "
        "no ID numbers or names.",
    ),
    "batch.already": ("此部门编号已记录", "This reference is already recorded"),
    "batch.error.missing": ("请选择要上传的文件。", "Choose a file to upload."),
    "batch.error.type": (
        "文件类型不受支持：只接受.csv（text/csv）或.json（application/json）文件。",
        "This file type is not accepted: only .csv (text/csv) or .json (application/json).",
    ),
    "batch.error.size": ("文件超过1 MiB上限。", "The file is larger than the 1 MiB limit."),
    "batch.error.encoding": ("文件不是UTF-8文本。", "The file is not UTF-8 text."),
    "batch.error.csv": ("无法读取CSV文件。", "The CSV file could not be read."),
    "batch.error.columns": (
        "CSV表头含有未知字段或缺少external_id；可用字段见下。",
        "The CSV header has unknown fields or lacks external_id; the fields are listed below.",
    ),
    "batch.error.json": (
        "JSON文件应为条目对象的数组，或带items字段的对象。",
        'The JSON file must be an array of entry objects, or {"items": [...]}.',
    ),
    "batch.error.count": (
        "文件中应有1至1000条条目。",
        "The file must hold between 1 and 1,000 entries.",
    ),
    # --- the citizen's record: the summary before the entries -----------------------------
    "record.summary": ("概览", "Summary"),
    "record.summary_counts": ("各名单条目数", "Entries by list"),
    "record.summary_none": ("无", "none"),
    "record.next_dates": ("接下来的日期", "Coming dates"),
    "record.next_notice_end": ("最近的告知期届满", "Next end of a prior notice"),
    "record.next_display_end": ("最近的展示期届满", "Next end of display"),
    "record.next_repairable": ("最早可申请信用修复", "Earliest date a repair can be applied for"),
    "record.repairable_now": ("现在即可申请", "now"),
    "record.next_retention_end": ("最近的后台保存期届满", "Next end of retention"),
    "record.no_dates": ("没有即将到来的日期。", "No dates coming up."),
    "record.erased": ("已删除的条目", "Erased entries"),
    "record.erased_at": ("删除时间", "Erased at"),
    "record.erased_why": ("原因", "Why"),
    "record.erased.erroneous_listing": ("错误列入，已删除", "Listed in error; erased"),
    "record.erased.retention_ended": ("保存期届满，已删除", "Retention ended; erased"),
    "record.repair_from": ("可申请修复的日期", "Repair can be applied for from"),
    # Why an entry left its list.
    "record.exit.expired": ("展示期届满", "display period ended"),
    "record.exit.repaired": ("信用修复", "credit repaired"),
    "record.exit.withdrawn": ("认定部门撤销", "withdrawn by the department"),
    "record.exit.criteria_changed": ("列入标准变更", "listing criteria changed"),
    "record.exit.removed_by_black": ("因列入黑名单而移出", "removed by a black-list entry"),
    "record.exit.objection_upheld": ("异议成立（错误列入）", "objection upheld (listed in error)"),
    # --- history: events and who ----------------------------------------------------------
    "event.recorded": ("录入", "recorded"),
    "event.recorded_escalated_from_watch": (
        "录入（由重点关注转入黑名单）",
        "recorded (moved from watch to black)",
    ),
    "event.notice_ended": ("告知期届满", "prior notice ended"),
    "event.display_ended": ("展示期届满", "display ended"),
    "event.repaired": ("信用修复后退出", "exited after repair"),
    "event.withdrawn": ("撤销", "withdrawn"),
    "event.criteria_changed": ("因标准变更退出", "exited: criteria changed"),
    "event.removed_by_black": ("因列入黑名单而移出", "removed by a black-list entry"),
    "event.objection_upheld": ("异议成立", "objection upheld"),
    "event.retained": ("转入后台保存", "kept in the back end"),
    "event.shredded": ("删除（密钥销毁）", "erased (key destroyed)"),
    "event.corrected": ("更正", "corrected"),
    "event.objection_opened": ("提出异议", "objection filed"),
    "event.objection_closed": ("异议办结", "objection closed"),
    "event.statement_set": ("本人声明", "statement added"),
    "event.statement_removed": ("删除本人声明", "statement removed"),
    "event.watch_after_black_exit": ("退出黑名单后列入重点关注", "watched after a black exit"),
    "event.watch_period_elapsed": ("重点关注期届满", "watch period ended"),
    "role.recorder": ("认定部门录入员", "recorder"),
    "role.objection_officer": ("异议处理人员", "objection officer"),
    "role.repair_officer": ("信用修复人员", "repair officer"),
    "role.auditor": ("审查人员", "auditor"),
    "role.admin": ("管理员", "administrator"),
    "role.agency": ("查询机构", "agency"),
    "role.citizen": ("本人", "the subject"),
    "role.objector": ("异议人", "the objector"),
    "role.system": ("系统", "the system"),
    "role.unknown": ("其他", "other"),
    "field.external_id": ("部门编号", "department reference"),
    "field.subject_code": ("身份号码", "ID number"),
    "field.subject_name": ("姓名", "name"),
    "field.list_kind": ("名单", "list"),
    "field.domain": ("领域", "domain"),
    "field.severity": ("严重程度", "severity"),
    "field.watch_months": ("重点关注月数", "months on the watch list"),
    "field.repairable": ("可信用修复", "can be repaired"),
    "field.repair_ways": ("修复方式", "repair ways"),
    "field.version": ("版本", "version"),
    "field.facts": ("事实", "facts"),
    "field.public_summary": ("公开摘要", "public summary"),
    "field.legal_basis": ("认定依据", "legal basis"),
    "field.decided_on": ("认定日期", "decision date"),
    "field.display_until": ("展示期限", "display period"),
    "field.valid_until": ("有效期", "validity"),
    # --- the department's list --------------------------------------------------------------
    "rec_list.title": ("本部门条目", "The department's entries"),
    "rec_list.help": (
        "按认定日期倒序列出本部门记录的条目，姓名已脱敏。筛选条件不含个人信息。",
        "The department's entries, newest decision first, names masked. The filters hold no "
        "personal data.",
    ),
    "rec_list.kind": ("名单", "List"),
    "rec_list.state": ("状态", "State"),
    "rec_list.domain": ("领域", "Domain"),
    "rec_list.from": ("认定日期起", "Decided from"),
    "rec_list.to": ("认定日期止（含当日）", "Decided until (inclusive)"),
    "rec_list.reference": ("部门编号或公开编号", "Department or public reference"),
    "rec_list.search_code": ("按身份号码查找", "Find by ID number"),
    "rec_list.search_code_help": (
        "身份号码只通过表单提交，不会出现在网址或日志中。",
        "The ID number is only posted in the form; it never appears in an address or a log.",
    ),
    "rec_list.search_submit": ("查找", "Find"),
    "rec_list.code_results": ("按身份号码查找的结果", "Entries found by ID number"),
    "rec_list.empty": ("没有符合条件的条目。", "No entries match."),
    "rec_list.more": ("下一页", "Next page"),
    "rec_list.first": ("第一页", "First page"),
    "rec_list.invalid": ("筛选条件无效，请检查后重试。", "These filters are not valid."),
    "rec_list.col.ref": ("编号", "Reference"),
    "rec_list.col.name": ("姓名（脱敏）", "Name (masked)"),
    "rec_list.col.entry": ("名单与领域", "List and domain"),
    "rec_list.col.state": ("状态", "State"),
    "rec_list.col.decided": ("认定日期", "Decided on"),
    "rec_list.col.display": ("展示至", "Displayed until"),
    "rec_list.open": ("查看", "Open"),
    # --- amend ----------------------------------------------------------------------------
    "rec_amend.title": ("更正名单条目", "Amend a list entry"),
    "rec_amend.help": (
        "可更正事实、公开摘要、认定依据和日期。名单、领域、严重程度和当事人不可更改：如有错误，请撤销后重新录入。"
        "更正记入变更记录，原内容加密保存，并通知当事人和近六个月内收到该条目的查询机构。",
        "You may correct the facts, public summary, legal basis and dates. The list, domain, "
        "severity and subject cannot change: withdraw the entry and record it again. An "
        "amendment goes into the history (the old values stay sealed), and the subject and "
        "every agency that received the entry in the last six months are told.",
    ),
    "rec_amend.submit": ("保存更正", "Save the amendment"),
    "rec_amend.blank_keeps": (
        "留空的日期保持不变。",
        "A date left blank stays as it is.",
    ),
    # --- withdraw ---------------------------------------------------------------------------
    "rec_withdraw.title": ("撤销名单条目", "Withdraw a list entry"),
    "rec_withdraw.help": (
        "撤销后条目立即退出名单，不再向查询机构和公众展示；此操作不可撤回。",
        "A withdrawn entry leaves its list at once and is no longer shown to agencies or the "
        "public; this cannot be undone.",
    ),
    "rec_withdraw.kind": ("撤销类型", "Kind of withdrawal"),
    "rec_withdraw.kind.withdrawn": ("撤销认定", "Withdrawn"),
    "rec_withdraw.kind.criteria_changed": ("列入标准变更", "Listing criteria changed"),
    "rec_withdraw.reason": (
        "撤销原因（加密保存，最多500字）",
        "Reason (stored encrypted, up to 500 characters)",
    ),
    "rec_withdraw.reason_missing": (
        "请填写撤销原因（1至500字，不含控制字符）。",
        "Give the reason (1 to 500 characters, no control characters).",
    ),
    "rec_withdraw.submit": ("继续", "Continue"),
    "rec_withdraw.confirm_title": ("确认撤销条目", "Confirm the withdrawal"),
    "rec_withdraw.confirm_what": (
        "条目将立即退出名单，不再展示；黑名单条目退出后，当事人将按本部门设定的期限列入重点关注名单。"
        "当事人和近六个月内收到该条目的查询机构会收到通知。此操作不可撤回。",
        "The entry leaves its list at once and is no longer shown; after a black-list exit the "
        "subject is on the watch list for the department's period. The subject and every "
        "agency that received the entry in the last six months are told. This cannot be "
        "undone.",
    ),
    "rec_withdraw.confirm_button": ("确认撤销", "Withdraw the entry"),
    "rec_withdraw.not_live": (
        "只有告知期内或展示中的条目可以撤销。",
        "Only an entry in its prior notice or displayed can be withdrawn.",
    ),
    # --- field rules, in the page's language --------------------------------------------------
    "rec_field.external_id": (
        "部门编号只可含字母、数字及“. _ : / -”，最多128个字符。",
        "The department reference holds letters, digits and . _ : / - only, up to 128.",
    ),
    "rec_field.subject_code": ("请填写18位身份号码。", "Enter the 18-character ID number."),
    "rec_field.subject_name": (
        "请填写姓名（最多64个字符）。",
        "Enter the name (up to 64 characters).",
    ),
    "rec_field.list_kind": ("请从列表中选择名单。", "Choose a list."),
    "rec_field.domain": ("请从列表中选择领域。", "Choose a domain."),
    "rec_field.severity": ("请从列表中选择严重程度。", "Choose a severity."),
    "rec_field.facts": ("请填写事实（最多4000字）。", "Enter the facts (up to 4,000 characters)."),
    "rec_field.public_summary": (
        "公开摘要最多500字。",
        "The public summary holds up to 500 characters.",
    ),
    "rec_field.legal_basis": (
        "请填写认定依据（最多500字）。",
        "Enter the legal basis (up to 500 characters).",
    ),
    "rec_field.decided_on": ("请填写有效的认定日期。", "Enter a valid decision date."),
    "rec_field.display_until": ("请填写有效的最后展示日。", "Enter a valid last day of display."),
    "rec_field.valid_until": (
        "请填写有效的有效期最后一日。",
        "Enter a valid last day of validity.",
    ),
    "rec_field.watch_months": (
        "月数须为1至60的整数。",
        "The months must be a whole number from 1 to 60.",
    ),
    "rec_field.repairable": ("请勾选或不勾选。", "Tick the box or leave it."),
    "rec_field.repair_ways": ("请从列表中选择修复方式。", "Choose repair ways from the list."),
    "rec_field.version": (
        "页面已过期，请重新打开后再提交。",
        "The page is out of date: open it again.",
    ),
    "rec_field.entry": ("条目内容有误。", "The entry breaks a rule."),
    "rec_field.amend": (
        "请至少更正一项：事实、公开摘要、认定依据或日期。",
        "Correct at least one of the facts, public summary, legal basis or dates.",
    ),
    "rec_type.external_id_code": (
        "部门编号中不得含有身份号码。",
        "The department reference must not hold an ID number.",
    ),
    "rec_type.duplicate_external_id": (
        "本部门已用此部门编号记录过内容不同的条目，未作更改。",
        "The department already recorded this reference with other content; nothing changed.",
    ),
    "rec_type.control_characters": ("不得含有控制字符。", "Control characters are not allowed."),
    "rec_type.warning_derived": (
        "大数据警示名单由系统推导，不能直接录入。",
        "The warning list is derived and cannot be recorded.",
    ),
    "rec_type.validity_before_decision": (
        "有效期不能早于认定日期。",
        "The validity cannot end before the decision date.",
    ),
    "rec_type.display_after_decision": (
        "最后展示日不能早于认定日期。",
        "The last day of display cannot be before the decision date.",
    ),
    "rec_type.repair_way_repeated": ("修复方式不能重复。", "A repair way is given twice."),
    "rec_type.ways_not_repairable": (
        "选择了修复方式，但未勾选“可信用修复”。",
        "Repair ways are given, but the entry is not marked repairable.",
    ),
    "rec_type.ways_required": (
        "可修复的条目须至少选择一种修复方式。",
        "A repairable entry needs at least one repair way.",
    ),
    # The subject code's rules (the message never repeats the code).
    "rec_code.length": ("身份号码须为18位。", "The ID number must be 18 characters long."),
    "rec_code.charset": (
        "身份号码前17位须为数字，最后一位为数字或X。",
        "The first 17 characters must be digits and the last a digit or X.",
    ),
    "rec_code.region": (
        "身份号码前两位不是有效的省级行政区划代码。",
        "The first two digits are not a province-level division.",
    ),
    "rec_code.birth_date": (
        "身份号码中的出生日期无效。",
        "The date of birth in the ID number is not a real date.",
    ),
    "rec_code.check_character": (
        "身份号码的校验位与前17位不符，请核对后重新填写。",
        "The check character does not match the rest of the ID number: check it.",
    ),
    "rec_code.type": ("请填写身份号码。", "Enter the ID number."),
    "rec_code.org.charset": (
        "统一社会信用代码含有不允许的字符。",
        "The unified social credit code holds a character it may not.",
    ),
    "rec_code.org.check_character": (
        "统一社会信用代码的校验位与前17位不符。",
        "The check character of the unified social credit code does not match.",
    ),
    # Domain refusals by rule; `{earliest}`/`{latest}` are computed dates, never input.
    "rec_err.display_period_bounds": (
        "最后展示日须在{earliest}至{latest}之间（含当日）。",
        "The last day of display must be between {earliest} and {latest} (inclusive).",
    ),
    "rec_err.display_after_decision": (
        "最后展示日不能早于认定日期。",
        "The last day of display cannot be before the decision date.",
    ),
    "rec_err.display_period_minor": (
        "轻微的行政处罚信息不予展示，请不要填写最后展示日。",
        "A minor administrative penalty is not displayed: leave the last day of display blank.",
    ),
    "rec_err.display_period_required": (
        "此名单须填写最后展示日。",
        "This list needs a last day of display.",
    ),
    "rec_err.validity_before_decision": (
        "有效期不能早于认定日期。",
        "The validity cannot end before the decision date.",
    ),
    "rec_err.display_beyond_validity": (
        "展示期限不能超过有效期。",
        "The display cannot last beyond the validity.",
    ),
    "rec_err.duplicate_external_id": (
        "本部门已记录过此部门编号。",
        "The department has already recorded this reference.",
    ),
    "rec_err.red_while_black": (
        "当事人在黑名单上，不能列入红名单。",
        "The subject is on a black list and cannot enter a red list.",
    ),
    "rec_err.nothing_to_amend": (
        "所填内容与现有内容相同，没有需要更正之处。",
        "Every field already has the value given: there is nothing to amend.",
    ),
    "rec_err.stale_version": (
        "条目已被他人修改，请重新打开后再更正。",
        "The entry changed meanwhile: open it again before amending.",
    ),
    "rec_err.concurrent_change": (
        "条目已被他人修改，请重新打开后再试。",
        "The entry changed meanwhile: open it again and retry.",
    ),
    "rec_err.entry_exited": (
        "条目已退出名单，不再更正。",
        "The entry has left its list and is no longer amended.",
    ),
    "rec_err.already_shredded": ("条目已被删除。", "The entry was erased."),
    "rec_err.illegal_transition": (
        "条目当前的状态不允许此操作。",
        "The entry's state does not allow this.",
    ),
    "rec_err.bad_cursor": (
        "分页参数无效，请从第一页开始。",
        "The page link is not valid: start again.",
    ),
    "rec_err.other": ("请求被拒绝。", "The request was refused."),
}
