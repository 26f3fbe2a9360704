"""Page messages (zh, en) for the personal credit report and the data export.

Keys start with `report.`; a key defined twice in the catalogue is refused when
`api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "report.title": ("个人信用报告", "Personal credit report"),
    "report.intro": (
        "本报告列出本服务保存的您的全部名单条目、您的记录被查询的情况、您作出的查询授权，以及您的异议和信用修复申请。",
        "This report lists every entry this service holds about you, every query of your "
        "record, the authorizations you gave, and your objections and credit-repair "
        "applications.",
    ),
    "report.print_hint": (
        "打印：使用浏览器的打印功能（Ctrl+P 或 ⌘P），导航和按钮不会打印出来。",
        "To print, use your browser's print command (Ctrl+P or ⌘P); navigation and "
        "buttons are left out of the printout.",
    ),
    "report.print": ("打印报告", "Print the report"),
    "report.downloads": ("下载", "Downloads"),
    "report.download_pdf": ("下载 PDF 报告", "Download the report (PDF)"),
    "report.download_json": (
        "下载我的全部数据（JSON）",
        "Download all my data (JSON)",
    ),
    "report.json_help": (
        "JSON 文件包含本服务保存的关于您的全部信息"
        "（含完整身份号码、每次查询的日志回执），请妥善保管。",
        "The JSON file holds everything this service keeps about you (your full ID "
        "number and the log receipt of every query included): keep it safe.",
    ),
    "report.generated_at": ("生成时间", "Generated at"),
    "report.as_of": ("状态计算日期", "States as of"),
    "report.name": ("姓名", "Name"),
    "report.code": ("公民身份号码", "Citizen ID number"),
    "report.code_hidden": (
        "为保护您的隐私，报告中不显示身份号码。",
        "Not shown in the report, to protect your privacy.",
    ),
    "report.warning_list": ("大数据警示名单", "Derived warning list"),
    "report.frozen": ("记录冻结", "Record frozen"),
    "report.frozen_yes": (
        "已冻结：基于授权的查询将被拒绝",
        "Frozen: authorization-based queries are refused",
    ),
    "report.summary": ("概览", "Summary"),
    "report.count": ("数量", "Count"),
    "report.item": ("项目", "Item"),
    "report.entries_total": ("名单条目", "Entries"),
    "report.entries_displayed": ("正在展示的条目", "Entries displayed now"),
    "report.entries_objected": ("异议处理中的条目", "Entries under objection"),
    "report.queries_total": ("被查询次数", "Queries of my record"),
    "report.authorizations_active": ("有效的查询授权", "Active authorizations"),
    "report.objections_open": ("未结异议", "Open objections"),
    "report.repairs_open": ("未结修复申请", "Open repair applications"),
    "report.entries": ("名单条目", "Entries"),
    "report.no_entries": (
        "本服务未保存关于您的名单条目。",
        "This service holds no entry about you.",
    ),
    "report.queries": ("查询记录", "Queries of my record"),
    "report.no_queries": ("您的记录尚未被查询。", "Your record has not been queried."),
    "report.authorizations": ("查询授权", "Authorizations"),
    "report.no_authorizations": ("您尚未作出查询授权。", "You have given no authorization."),
    "report.objections": ("异议", "Objections"),
    "report.no_objections": ("您尚未提出异议。", "You have filed no objection."),
    "report.repairs": ("信用修复申请", "Credit-repair applications"),
    "report.no_repairs": ("您尚未申请信用修复。", "You have not applied for credit repair."),
    "report.erased": ("已删除（密钥已销毁）", "Erased (its key was destroyed)"),
    "report.col.entry": ("条目", "Entry"),
    "report.col.domain": ("领域", "Domain"),
    "report.col.scope": ("范围", "Scope"),
    "report.col.validity": ("有效期", "Valid"),
    "report.col.uses": ("已用/上限", "Used / allowed"),
    "report.col.clocks": ("法定时限", "Legal clocks"),
    "report.col.way": ("修复方式", "Way"),
    "report.col.retry_from": ("可再次申请日期", "May apply again from"),
    "report.col.remains": ("修复后保留情况", "What remains after repair"),
    "report.col.revoked": ("撤回时间", "Revoked at"),
    "report.kept_until": ("后台保存至", "kept until"),
    "report.due": ("截止", "due"),
    "report.overdue": ("已逾期", "overdue"),
    "report.until": ("至", "until"),
    "report.all_domains": ("全部领域", "all domains"),
    "report.page": ("第 {n} 页", "Page {n}"),
    "report.pdf_footer": (
        "信源 · 个人信用报告 · 本人查阅件，请勿转交他人",
        "Credence · personal credit report · for the person named only",
    ),
    "report.exit.expired": ("有效期届满", "validity ended"),
    "report.exit.repaired": ("信用修复", "credit repaired"),
    "report.exit.withdrawn": ("认定部门撤销", "withdrawn by the department"),
    "report.exit.criteria_changed": ("认定标准变化", "listing criteria changed"),
    "report.exit.removed_by_black": ("因列入黑名单移出", "removed by a black-list entry"),
    "report.exit.objection_upheld": ("异议成立", "objection upheld"),
    "report.basis.authorization": ("本人授权", "your authorization"),
    "report.basis.legal": ("法定依据", "legal basis"),
    "report.auth_state.active": ("有效", "active"),
    "report.auth_state.used_up": ("次数已用完", "used up"),
    "report.auth_state.expired": ("已过期", "expired"),
    "report.auth_state.revoked": ("已撤回", "revoked"),
    "report.auth_state.pending": ("尚未生效", "not yet started"),
    "report.repair_status.filed": ("已提交", "filed"),
    "report.repair_status.accepted": ("已受理", "accepted"),
    "report.repair_status.declined": ("不予受理", "declined"),
    "report.repair_status.approved": ("已准予修复", "approved"),
    "report.repair_status.rejected": ("未予修复", "rejected"),
    "report.step.accept": ("受理", "acceptance"),
    "report.step.resolve": ("办结", "resolution"),
    "report.step.decide": ("决定", "decision"),
}
