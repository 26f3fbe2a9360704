"""Page messages (zh, en) for entries: the citizen's record and statements, the recorder.

Keys start with `record.`, `me_stmt.`, `recorder.` or `batch.`; a key defined twice in the
catalogue is refused when `api.pages.i18n` is imported.
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
    "record.retain_until": ("保存至", "Kept until"),
    "record.notice_until": ("告知期至", "Prior notice until"),
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
        "条目记入您所在的认定部门。身份号码只通过表单提交，不会出现在网址中，也不会再次显示。",
        "The entry is recorded for your department. The ID number is only posted in the form; "
        "it never appears in an address and is never shown again.",
    ),
    "recorder.batch_link": ("批量上传（CSV 或 JSON）", "Upload a batch (CSV or JSON)"),
    "recorder.external_id": ("部门编号（external_id）", "Department reference (external_id)"),
    "recorder.external_id_help": (
        "字母、数字和 . _ : / -，最多128个字符；同一编号只记录一次。",
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
        "展示期限（可不填，按严重程度取默认值）",
        "Display until (optional; the severity's default applies)",
    ),
    "recorder.valid_until": ("有效期至", "Valid until"),
    "recorder.repairable": ("可信用修复", "Can be repaired"),
    "recorder.repair_ways": ("修复方式", "Repair ways"),
    "recorder.watch_months": (
        "退出黑名单后列入重点关注的月数",
        "Months on the watch list after a black-list exit",
    ),
    "recorder.submit": ("提交条目", "Record the entry"),
    "recorder.not_echoed": (
        "出于隐私保护，身份号码、姓名、事实和公开摘要未回填，请重新填写。",
        "For privacy the ID number, name, facts and public summary are not filled in again; "
        "please enter them again.",
    ),
    "recorder.invalid": (
        "以下字段有误（未作任何更改）：",
        "These fields break a rule (nothing was changed):",
    ),
    "recorder.created_title": ("条目已记录", "Entry recorded"),
    "recorder.entry_title": ("名单条目", "List entry"),
    "recorder.entry_id": ("条目编号", "Entry id"),
    "recorder.public_ref": ("公开编号", "Public reference"),
    "recorder.masked_name": ("姓名（脱敏）", "Name (masked)"),
    "recorder.state": ("状态", "State"),
    "recorder.notice_until": ("告知/公示期至", "Prior notice until"),
    "recorder.another": ("再录入一条", "Record another entry"),
    # Recorder: batches.
    "batch.title": ("批量上传名单条目", "Upload a batch of entries"),
    "batch.help": (
        '上传 CSV（第一行为字段名）或 JSON（条目数组，或 {"items": [...]}）文件，最多1000条；'
        "按部门编号去重，可安全地重复上传。",
        "Upload a CSV file (first row: the field names) or a JSON file (an array of entries, "
        'or {"items": [...]}), up to 1,000 entries; duplicates by department reference are '
        "skipped, so a batch may safely be sent again.",
    ),
    "batch.columns": ("字段", "Fields"),
    "batch.ways_help": (
        "CSV 中多个修复方式用分号分隔；repairable 填 true 或 false。",
        "In CSV, separate several repair ways with semicolons; repairable is true or false.",
    ),
    "batch.file": ("文件（CSV 或 JSON，最大 1 MiB）", "File (CSV or JSON, at most 1 MiB)"),
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
        "文件类型不受支持：只接受 .csv（text/csv）或 .json（application/json）文件。",
        "This file type is not accepted: only .csv (text/csv) or .json (application/json).",
    ),
    "batch.error.size": ("文件超过 1 MiB 上限。", "The file is larger than the 1 MiB limit."),
    "batch.error.encoding": ("文件不是 UTF-8 文本。", "The file is not UTF-8 text."),
    "batch.error.csv": ("无法读取 CSV 文件。", "The CSV file could not be read."),
    "batch.error.columns": (
        "CSV 表头含有未知字段或缺少 external_id；可用字段见下。",
        "The CSV header has unknown fields or lacks external_id; the fields are listed below.",
    ),
    "batch.error.json": (
        'JSON 文件应为条目对象的数组，或 {"items": [...]}。',
        'The JSON file must be an array of entry objects, or {"items": [...]}.',
    ),
    "batch.error.count": (
        "文件中应有1至1000条条目。",
        "The file must hold between 1 and 1,000 entries.",
    ),
}
