"""Page messages (zh, en) that several domains' pages share.

The layout's words (`site.`, `nav.`), the closed vocabularies (`domain.`, `kind.`,
`state.`, `status.`, `severity.`, `way.`, `audience.`, `outcome.`, `staff.`), column
heads, error pages, the provisional calendar, and the refusal texts `me_err.<rule>` that
`api.pages.refusals` looks up by a domain refusal's stable rule (`{eligible_from}` and
`{retry_from}` are filled with the dates the rule computed, never with anything typed). A
domain's own words live in `api/<domain>/messages.py`; `api.pages.i18n` assembles them all
and refuses a key defined twice.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "site.name": ("信源 · 个人公共信用信息", "Credence · personal public-credit records"),
    "site.skip": ("跳到正文", "Skip to main content"),
    "site.nav": ("主导航", "Main navigation"),
    "site.lang_switch": ("English", "中文"),
    "site.lang_switch_label": ("切换语言", "Switch language"),
    "site.menu": ("菜单", "Menu"),
    "site.how_it_works": ("工作原理", "How this works"),
    "site.footer": (
        "隐私优先：公开页面只显示脱敏信息，网址中不含个人信息。",
        "Privacy first: public pages show masked data only; no personal data in URLs.",
    ),
    "nav.home": ("首页", "Home"),
    "confirm.cancel": ("取消", "Cancel"),
    "nav.black": ("黑名单", "Black list"),
    "nav.red": ("红名单", "Red list"),
    "nav.announcements": ("公告", "Announcements"),
    "nav.lookup": ("查询", "Lookup"),
    "nav.checkpoint": ("日志检查点", "Log checkpoint"),
    "nav.signin": ("登录", "Sign in"),
    "nav.signout": ("退出", "Sign out"),
    "nav.my_record": ("我的记录", "My record"),
    "nav.my_queries": ("查询记录", "Queries of my record"),
    "nav.notifications": ("通知", "Notifications"),
    "nav.objections": ("我的异议", "My objections"),
    "nav.worklist": ("异议工作列表", "Objection work list"),
    "nav.authorizations": ("查询授权", "Authorizations"),
    "nav.repairs": ("信用修复", "Credit repair"),
    "nav.report": ("信用报告", "Credit report"),
    "nav.repair_worklist": ("修复工作列表", "Repair work list"),
    "nav.recorder": ("录入名单", "Record entries"),
    "nav.audit": ("查询日志审查", "Query log review"),
    "col.ref": ("公开编号", "Public reference"),
    "col.name": ("姓名（脱敏）", "Name (masked)"),
    "col.department": ("认定部门", "Department"),
    "col.domain": ("领域", "Domain"),
    "col.summary": ("摘要", "Summary"),
    "col.basis": ("依据", "Legal basis"),
    "col.decided": ("认定日期", "Decided on"),
    "col.display_until": ("展示至", "Displayed until"),
    "col.objection": ("异议", "Objection"),
    "col.reason": ("原因", "Reason"),
    "col.date": ("日期", "Date"),
    "col.kind": ("名单", "List"),
    "col.state": ("状态", "State"),
    "col.actions": ("操作", "Actions"),
    "objection.mark": ("异议处理中", "Under objection"),
    "error.title": ("出错了", "Something went wrong"),
    "error.csrf": (
        "表单已过期或来源无效，请返回并重新提交。",
        "The form expired or did not come from this site; go back, reload and submit again.",
    ),
    "error.forbidden": ("您的角色无权查看此页面。", "Your role may not see this page."),
    "error.not_found": (
        "未找到此页面或内容：它可能已被删除，或网址有误。",
        "This page or item was not found: it may have been removed, or the address is wrong.",
    ),
    "error.invalid": ("输入有误：", "Please check your input:"),
    "error.title_404": ("未找到", "Not found"),
    "error.title_422": ("请求无效", "Not a valid request"),
    "error.title_429": ("请求过于频繁", "Too many requests"),
    "error.bad_request": (
        "网址或表单中的内容无效，未作任何处理。请返回后重试。",
        "Something in the address or the form is not valid; nothing was done. Go back and "
        "try again.",
    ),
    "error.method": ("此网址不接受这种请求。", "This address does not take this kind of request."),
    "error.too_many": (
        "短时间内请求次数过多，为保护查询服务，本次请求未被处理。",
        "Too many requests in a short time: to protect the service, this one was not handled.",
    ),
    "error.retry_seconds": ("请在{seconds}秒后重试。", "Please try again in {seconds} seconds."),
    "error.retry_at": (
        "请在约{minutes}分钟后、{at}起重试。",
        "Please try again in about {minutes} minutes, from {at}.",
    ),
    "error.generic": (
        "请求未能完成，未作任何处理。",
        "The request could not be completed; nothing was done.",
    ),
    "error.home": ("返回首页", "Back to the home page"),
    "state.pending_notice": ("告知期", "Prior notice"),
    "state.displayed": ("展示中", "Displayed"),
    "state.expired": ("展示期满", "Display ended"),
    "state.exited": ("已退出", "Exited"),
    "audience.agencies": ("经授权的查询机构", "Authorized agencies"),
    "audience.public": ("公众", "The public"),
    "audience.recording_department": ("认定部门", "The recording department"),
    "audience.you": ("您本人", "You"),
    "state.shredded": ("已删除", "Erased"),
    "kind.black": ("黑名单", "black"),
    "kind.red": ("红名单", "red"),
    "kind.watch": ("重点关注", "watch"),
    "kind.warning": ("警示", "warning"),
    "status.filed": ("已提出", "filed"),
    "status.accepted": ("已受理", "accepted"),
    "status.declined": ("不予受理", "declined"),
    "status.upheld": ("异议成立", "upheld"),
    "status.partly_upheld": ("部分成立", "partly upheld"),
    "status.rejected": ("已驳回", "rejected"),
    "severity.minor": ("轻微", "minor"),
    "severity.general": ("一般", "general"),
    "severity.serious": ("严重", "serious"),
    "domain.tax": ("税务", "tax"),
    "domain.food_drug": ("食品药品", "food & drug"),
    "domain.traffic": ("交通", "traffic"),
    "domain.finance": ("金融", "finance"),
    "domain.ecommerce": ("电子商务", "e-commerce"),
    "domain.volunteering": ("志愿服务", "volunteering"),
    "domain.environment": ("生态环境", "environment"),
    "domain.labour": ("劳动保障", "labour"),
    "domain.construction": ("建设工程", "construction"),
    "domain.court": ("司法", "court"),
    "way.performance": ("履行义务（履约）", "performance of the obligation"),
    "way.volunteering": ("志愿服务", "volunteering"),
    "way.donation": ("慈善捐助", "charitable donation"),
    "way.commitment": ("信用承诺", "credit commitment"),
    "way.training": ("信用修复培训", "credit-repair training"),
    "outcome.answered": ("已答复", "answered"),
    "outcome.empty": ("无结果", "no entries"),
    "outcome.refused": ("已拒绝", "refused"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # --- refusals by rule ---------------------------------------------------------------
    "me_err.title": ("无法完成", "This could not be done"),
    "me_err.no_record": (
        "您的信用记录尚未建立，暂不能执行此操作。",
        "There is no record for you yet, so this cannot be done.",
    ),
    "me_err.bad_window": (
        "有效期不正确：到期须晚于开始且不超过一年。",
        "The validity is not valid: it must end after it starts and within one year.",
    ),
    "me_err.unknown_purpose": ("请从列表中选择查询目的。", "Choose a purpose from the list."),
    "me_err.already_revoked": ("该授权已被撤销。", "This authorization is already revoked."),
    "me_err.already_frozen": ("您的记录已处于冻结状态。", "Your record is already frozen."),
    "me_err.not_frozen": ("您的记录未被冻结。", "Your record is not frozen."),
    "me_err.already_shredded": ("该条目已被删除。", "This entry was erased."),
    "me_err.not_repairable": ("该条目不可修复。", "This entry cannot be repaired."),
    "me_err.repair_way_not_allowed": (
        "该条目不适用所选修复方式。",
        "The way you chose does not apply to this entry.",
    ),
    "me_err.entry_not_displayed": (
        "该条目目前不在公示中，无法申请修复。",
        "This entry is not displayed now, so it cannot be repaired.",
    ),
    "me_err.repair_not_yet_eligible": (
        "该条目的最短公示期尚未届满，暂不能申请修复。可申请的最早日期：{eligible_from}。",
        "This entry's minimum display period has not ended, so it cannot be repaired yet. "
        "You can apply from {eligible_from}.",
    ),
    "me_err.repair_retry_too_early": (
        "此前的修复申请未通过，{retry_from} 起方可重新申请。",
        "An earlier repair of this entry was rejected; you can apply again from {retry_from}.",
    ),
    "me_err.repair_open": (
        "该条目已有一份正在处理的修复申请。",
        "A repair of this entry is already being processed.",
    ),
    "me_err.volunteering_evidence_required": (
        "以志愿服务方式申请，须填写服务时长、出具证明的组织和证明编号。",
        "Applying by volunteering needs the hours, the certifying organisation and the "
        "certificate number.",
    ),
    "me_err.evidence_not_for_way": (
        "服务时长、组织和证明编号仅用于志愿服务方式，请清空或改选志愿服务。",
        "Hours, organisation and certificate number belong to volunteering only; clear them "
        "or choose volunteering.",
    ),
    "me_err.proof_required": (
        "以履约方式申请，须上传已履行义务的证明文件。",
        "Applying by performance needs a file proving the obligation was fulfilled.",
    ),
    "me_err.unknown_organisation": (
        "该组织未登记为志愿服务证明机构。",
        "That organisation is not registered to certify volunteering.",
    ),
    "me_err.organisation_inactive": (
        "该组织出具的证明已不再被接受。",
        "That organisation's certificates are no longer accepted.",
    ),
    "me_err.certificate_used": (
        "该证明已用于一次修复申请。",
        "This certificate was used for a repair already.",
    ),
    "me_err.too_many_files": (
        "证明文件过多（最多 {max_files} 个）。",
        "Too many evidence files (at most {max_files}).",
    ),
    "me_err.evidence_type": (
        "证明文件只能是 PDF、PNG 或 JPEG。",
        "Evidence files must be PDF, PNG or JPEG.",
    ),
    "me_err.evidence_type_mismatch": (
        "有证明文件的内容与其类型不符。",
        "An evidence file's contents do not match its type.",
    ),
    "me_err.evidence_too_large": (
        "有证明文件超过大小上限（{max_mb} MB）。",
        "An evidence file is larger than the limit ({max_mb} MB).",
    ),
    "me_err.evidence_name": ("有证明文件的文件名无效。", "An evidence file has an invalid name."),
    # A subject code that fails one of its rules (core/codes.py), by the rule it failed:
    # the refusal of any form that takes a code, and the browser's own check before sending.
    "me_err.code_type": ("请输入18位号码。", "Enter the 18-character number."),
    "me_err.code_length": (
        "号码应为18位，请检查是否多输或漏输。",
        "The number must be 18 characters long; check for a missing or extra character.",
    ),
    "me_err.code_charset": (
        "号码含有无效字符：公民身份号码为17位数字加1位数字或X，统一社会信用代码不含I、O、S、V、Z。",
        "The number holds a character it cannot have: a citizen ID number is 17 digits and a "
        "digit or X; a unified social credit code has no I, O, S, V or Z.",
    ),
    "me_err.code_region": (
        "号码前两位不是有效的省级行政区划代码，请核对。",
        "The first two digits are not a province-level division; please check the number.",
    ),
    "me_err.code_birth_date": (
        "号码中的出生日期无效，请核对。",
        "The birth date inside the number is not a valid date; please check the number.",
    ),
    "me_err.code_check_character": (
        "号码的校验码不符，可能有输入错误，请逐位核对。",
        "The number's check character does not match: it probably holds a typo; please "
        "check it character by character.",
    ),
    # The staff pages' closed vocabularies: `staff.<vocabulary>.<value>`.
    "staff.kind.red": ("红名单", "Red list"),
    "staff.kind.black": ("黑名单", "Black list"),
    "staff.kind.watch": ("重点关注名单", "Watch list"),
    "staff.rstatus.filed": ("已申请", "Filed"),
    "staff.rstatus.accepted": ("已受理", "Accepted"),
    "staff.rstatus.declined": ("不予受理", "Declined"),
    "staff.rstatus.approved": ("已批准修复", "Approved"),
    "staff.rstatus.rejected": ("不予修复", "Rejected"),
    "staff.step.accept": ("受理", "Accept"),
    "staff.step.decide": ("决定", "Decide"),
    "staff.state.pending_notice": ("告知/公示期", "Prior notice"),
    "staff.state.displayed": ("展示中", "Displayed"),
    "staff.state.expired": ("展示期满", "Display ended"),
    "staff.state.exited": ("已退出", "Exited"),
    "staff.state.shredded": ("已删除", "Erased"),
    "staff.basis.authorization": ("本人授权", "Subject's authorization"),
    "staff.basis.legal": ("法定依据", "Legal basis"),
    "staff.flag.bulk": ("批量查询", "Bulk querying"),
    "staff.flag.night": ("非工作时间", "Outside office hours"),
    "staff.flag.refused_then_retried": ("被拒后重试", "Refused, then retried"),
    "staff.flag.purpose_mismatch": ("目的不符", "Purpose mismatch"),
    "staff.flag.no_business_need": ("无业务需要", "No business need"),
    "staff.flag.other": ("其他", "Other"),
    "staff.batch.created": ("已创建", "created"),
    "staff.batch.existing": ("重复（已存在）", "duplicate"),
    "staff.batch.invalid": ("已拒绝", "refused"),
    "staff.batch.conflict": ("冲突（内容不同）", "conflict: other content"),
    # Shared bits of the staff pages.
    "staff.refused": ("请求被拒绝：", "The request was refused:"),
    "staff.rule": ("规则", "Rule"),
    "staff.problem_type": ("问题类型", "Problem type"),
    "staff.nothing_changed": ("未作任何更改。", "Nothing was changed."),
    "staff.back": ("返回", "Back"),
    "staff.any": ("全部", "All"),
    "staff.filter": ("筛选", "Filter"),
    "staff.filters": ("筛选条件", "Filters"),
    "staff.reset": ("清除筛选", "Clear filters"),
    "staff.older": ("更早的记录", "Older entries"),
    "staff.newest": ("最新记录", "Newest entries"),
    "staff.pages": ("分页", "Pages"),
    "staff.gone": ("此内容已被删除（密钥已销毁）。", "This was erased (its key was destroyed)."),
    # Deadlines counted on the provisional holiday calendar.
    "calendar.provisional": ("暂定", "provisional"),
    "calendar.provisional_note": (
        "按暂定日历计算：该年度国务院放假安排尚未公布，按法定节假日（含周末补假）推算，"
        "未计调休。安排公布后重新计算；给您的期限不会早于此日期。",
        "Counted on the provisional calendar: the State Council has not published this "
        "year's holiday schedule, so the statutory holidays (with weekend make-up days) are "
        "used and no shifted working weekends. It is counted again once the schedule is "
        "published; a period given to you never ends before this date.",
    ),
    # --- one domain's words shown on another domain's page, so kept here -----------------
    # checkpoint.title: the home page (public) links the query log's checkpoint.
    "checkpoint.title": ("查询日志的签名检查点", "Signed checkpoint of the query log"),
    # case.open: the recorder's batch page (entries) opens an entry with the cases' word.
    "case.open": ("查看", "Open"),
    # me_repair.apply: the citizen's record page (entries) links to a repair application.
    "me_repair.apply": ("申请信用修复", "Apply for credit repair"),
    # rcase.display_until: the recorder's entry page (entries) shows it as the repair case does.
    "rcase.display_until": ("展示至", "Displayed until"),
    # listfilter.invalid: the auditor's query list (audit) refuses a filter as the lists do.
    "listfilter.invalid": ("筛选条件无效。", "These filters are not valid."),
}
