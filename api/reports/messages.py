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
    "report.issuer_label": ("出具机构", "Issued by"),
    "report.issuer": (
        "信源个人公共信用信息平台（Credence）",
        "Credence personal public-credit records service",
    ),
    "report.number": ("报告编号", "Report number"),
    "report.subject": ("信息主体", "Subject"),
    "report.identity": ("{name}，证件号码 {code}", "{name}, ID number {code}"),
    "report.identity_masked": (
        "姓名和证件号码已作脱敏处理，完整信息仅您本人登录后可见。",
        "Name and ID number are masked; only you, signed in, see them in full.",
    ),
    "report.verify": ("报告核验", "Verify this report"),
    "report.verify_code": ("验证码", "Verification code"),
    "report.scan": ("扫码核验", "Scan to verify"),
    "report.verify_url": ("核验网址", "Verification page"),
    "report.verify_hint": (
        "扫描二维码或打开核验网址，可核验本报告的编号、生成时间和签名；"
        "核验页面不显示报告内容和身份信息。",
        "Scan the QR code or open the verification page to check this report's number, "
        "generation time and signature; the page shows nothing of its content or of you.",
    ),
    "report.qr_alt": (
        "报告核验二维码，内容为核验网址",
        "QR code holding the address of this report's verification page",
    ),
    "report.notes": ("报告说明", "About this report"),
    "report.note.source": (
        "本报告由信源个人公共信用信息平台根据您本人的查询生成，"
        "内容为生成时本平台保存的关于您的全部名单条目、查询记录、查询授权、异议和信用修复申请。",
        "Credence made this report at your own request. It holds every list entry, "
        "query, authorization, objection and credit-repair application the service kept "
        "about you when it was made.",
    ),
    "report.note.verify": (
        "每份报告有唯一的报告编号和验证码。平台以报告签名密钥对报告编号、生成时间和内容摘要签名，"
        "只保存这几项用于核验，不保存报告内容。",
        "Every report has its own number and verification code. The service signs the "
        "number, the generation time and a digest of the content with its report key, "
        "and keeps only these to verify the report, never its content.",
    ),
    "report.note.privacy": (
        "为保护您的隐私，报告中的姓名和证件号码已作脱敏处理。本报告仅供您本人使用，请妥善保管，"
        "不要转交他人。",
        "To protect your privacy, your name and ID number are masked. The report is for "
        "you alone: keep it safe and do not pass it on.",
    ),
    "report.note.times": (
        "报告中的时间均为北京时间，精确到分钟；标注“含当日”的日期是该期限的最后一日，当日仍在期限内。",
        "Times are China Standard Time, to the minute. A date marked \u201cinclusive\u201d "
        "is the last day of its period: the period still runs on that day.",
    ),
    "report.note.objection": (
        "如您认为报告中的信息有误，可登录本平台对相应条目提出异议；符合条件的，可申请信用修复。",
        "If you believe an entry is wrong, sign in and file an objection to it; where "
        "the rules allow, you may apply for credit repair.",
    ),
    "report.page_of": ("第 {n} 页 共 {m} 页", "Page {n} of {m}"),
    "report.pdf_footer": (
        "信源个人公共信用信息平台·个人信用报告·报告编号 {number}",
        "Credence · personal credit report · report number {number}",
    ),
    "report.fmt.audience": ("{who}：至 {day}", "{who} until {day}"),
    "report.fmt.clock": ("{step}：截止 {day}", "{step} due {day}"),
    "report.fmt.mark": ("（{mark}）", " ({mark})"),
    "report.fmt.basis": ("{basis}：{legal}", "{basis}: {legal}"),
    "report.fmt.note": ("{label}：{text}", "{label}: {text}"),
    "report.fmt.kept": ("{state}；后台保存至 {day}；{who}", "{state}; kept until {day}; {who}"),
    "report.fmt.retry": ("{status}；自 {day} 起可再次申请", "{status}; may apply again from {day}"),
    "report.fmt.span": ("{start}至{end}", "{start} to {end}"),
    "report.sep.list": ("、", ", "),
    "report.sep.parts": ("；", "; "),
    # Chinese runs its parts together around the middle dot; English spaces them.
    "report.sep.title": ("·", " · "),
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
    "report.overdue": ("已逾期", "overdue"),
    "report.all_domains": ("全部领域", "all domains"),
    # The public verification page (no sign-in; nothing of the report's content).
    "report.check.title": ("个人信用报告核验", "Verify a personal credit report"),
    "report.check.intro": (
        "输入报告上印的 16 位验证码，或扫描报告上的二维码，核验报告是否由本平台出具。",
        "Type the 16-character verification code printed on the report, or scan its QR "
        "code, to check that this service issued it.",
    ),
    "report.check.code": ("验证码", "Verification code"),
    "report.check.code_hint": (
        "16 位字母和数字，可含短横线，不区分大小写。",
        "16 letters and digits; dashes optional; upper or lower case.",
    ),
    "report.check.submit": ("核验", "Verify"),
    "report.check.verified": ("已核验", "Verified"),
    "report.check.verified_text": (
        "本报告由信源个人公共信用信息平台出具，签名有效。请核对下列报告编号和生成时间与报告上印的一致。",
        "Credence issued this report and its signature is valid. Check that the report "
        "number and generation time below match those printed on the report.",
    ),
    "report.check.no_content": (
        "本页面不显示报告内容和信息主体的身份信息。",
        "This page shows nothing of the report's content or of the person it is about.",
    ),
    "report.check.failed": ("未通过核验", "Not verified"),
    "report.check.failed_text": (
        "该验证码不对应本平台出具的任何有效报告。请检查验证码是否输入正确；"
        "如仍无法核验，该报告可能并非本平台出具，或已被改动。",
        "This code matches no valid report issued by this service. Check that it was "
        "typed correctly; if it still does not verify, the report was not issued here or "
        "has been altered.",
    ),
    "report.check.again": ("重新输入验证码", "Try another code"),
    "report.check.how": ("核验原理", "How this works"),
    "report.check.how_text": (
        "报告生成时，平台用报告签名密钥（Ed25519）对报告编号、生成时间和报告内容的摘要（SHA-256）签名，"
        "只保存这几项和验证码的摘要。核验时，平台用公开的验证公钥重新检查该签名。"
        "下面的签名声明和验证公钥可供您离线自行核验（C2SP 签名笔记格式）。",
        "When a report is made, the service signs its number, generation time and a "
        "SHA-256 digest of its content with the report key (Ed25519), and keeps only "
        "these and a hash of the verification code. Verifying checks that signature "
        "again with the published verifier key. The signed statement and the key below "
        "let you check it yourself, offline (C2SP signed-note format).",
    ),
    "report.check.statement": ("签名声明", "Signed statement"),
    "report.check.key": ("验证公钥", "Verifier key"),
    "report.check.digest": ("内容摘要", "Content digest"),
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
