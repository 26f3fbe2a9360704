"""The pages' message catalogue: Simplified Chinese by default, English on request.

Invariants: one dictionary, no gettext toolchain; a missing translation falls back to
Chinese and then to the key itself, so a page never fails to render over a string.
"""

from __future__ import annotations

from typing import Final

from api.pages.messages import calendar as msg_calendar
from api.pages.messages import citizen as msg_citizen
from api.pages.messages import oidc as msg_oidc
from api.pages.messages import report as msg_report
from api.pages.messages import staff as msg_staff
from api.pages.messages import verify as msg_verify
from core.queries.catalogues import LEGAL_BASES, PURPOSES

LANGS: Final = ("zh", "en")
DEFAULT_LANG: Final = "zh"
HTML_LANG: Final = {"zh": "zh-Hans", "en": "en"}

_M: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "site.name": ("信源 · 个人公共信用信息", "Credence · personal public-credit records"),
    "site.skip": ("跳到正文", "Skip to main content"),
    "site.nav": ("主导航", "Main navigation"),
    "site.lang_switch": ("English", "中文"),
    "site.lang_switch_label": ("切换语言", "Switch language"),
    "site.footer": (
        "隐私优先：公开页面只显示脱敏信息，网址中不含个人信息。",
        "Privacy first: public pages show masked data only; no personal data in URLs.",
    ),
    "nav.home": ("首页", "Home"),
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
    "home.title": ("个人公共信用信息服务", "Personal public-credit records"),
    "home.intro": (
        "查看脱敏的红黑名单和退出公告，核对公开检查点；登录后查看本人记录、查询记录并提出异议。",
        "Browse the masked red and black lists and exit announcements, check the public "
        "checkpoint; sign in to see your own record and its queries, and to file objections.",
    ),
    "list.black": ("失信惩戒名单（黑名单）", "Black list (joint punishment)"),
    "list.red": ("守信激励名单（红名单）", "Red list (joint incentives)"),
    "list.empty": ("暂无条目。", "No entries."),
    "list.next": ("下一页", "Next page"),
    "list.first": ("第一页", "First page"),
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
    "announcements.title": ("退出公告", "Exit announcements"),
    "lookup.title": ("脱敏查询", "Masked lookup"),
    "lookup.help": (
        "输入完整的公民身份号码和姓名，查询是否存在正在公示的名单条目。查询通过表单提交，不会出现在网址中。",
        "Enter a full citizen ID number and full name to see whether a displayed public "
        "entry exists. The form is posted; nothing appears in the address bar.",
    ),
    "lookup.code": ("公民身份号码（18位）", "Citizen ID number (18 characters)"),
    "lookup.name": ("姓名", "Full name"),
    "lookup.submit": ("查询", "Look up"),
    "lookup.found": ("找到正在公示的条目：", "Displayed public entries found:"),
    "lookup.none": ("未找到正在公示的条目。", "No displayed public entry found."),
    "checkpoint.title": ("查询日志的签名检查点", "Signed checkpoint of the query log"),
    "checkpoint.help": (
        "查询日志为防篡改的默克尔树；以下为最新签名检查点（C2SP tlog-checkpoint 格式）和验证公钥。",
        "The query log is a tamper-evident Merkle tree; this is its latest signed checkpoint "
        "(C2SP tlog-checkpoint) and the key that verifies it.",
    ),
    "checkpoint.key": ("验证公钥", "Verifier key"),
    "checkpoint.none": ("尚无检查点。", "No checkpoint yet."),
    "signin.title": ("开发环境登录", "Development sign-in"),
    "signin.help": (
        "仅限本机开发：使用内置签发方签发短期访问令牌。生产环境请通过 OIDC 提供方登录。",
        "Local development only: the embedded issuer mints a short-lived access token. "
        "Production signs in through the OIDC provider.",
    ),
    "signin.role": ("角色", "Role"),
    "signin.citizen": ("公民", "Citizen"),
    "signin.objection_officer": ("异议处理人员", "Objection officer"),
    "signin.person": ("示范人员（姓名已脱敏）", "Demo person (name masked)"),
    "signin.department": ("部门", "Department"),
    "signin.as_citizen": ("以公民身份登录", "Sign in as a citizen"),
    "signin.as_officer": ("以异议处理人员身份登录", "Sign in as an objection officer"),
    "signin.as": ("登录为", "Sign in as"),
    "signin.repair_officer": ("信用修复人员", "Repair officer"),
    "signin.recorder": ("认定部门录入人员", "Recorder"),
    "signin.auditor": ("审计人员", "Auditor"),
    "signin.disabled": (
        "开发登录仅在使用内置签发方并从本机访问时可用。",
        "Development sign-in is available only with the embedded issuer, from this machine.",
    ),
    "signin.required": ("请先登录。", "Please sign in first."),
    "signin.signed_in_as": ("已登录：", "Signed in as:"),
    "error.title": ("出错了", "Something went wrong"),
    "error.csrf": (
        "表单已过期或来源无效，请返回并重新提交。",
        "The form expired or did not come from this site; go back, reload and submit again.",
    ),
    "error.forbidden": ("您的角色无权查看此页面。", "Your role may not see this page."),
    "error.not_found": ("未找到。", "Not found."),
    "error.invalid": ("输入有误：", "Please check your input:"),
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
    "queries.title": ("我的记录被查询情况", "Queries of my record"),
    "queries.empty": ("尚无查询。", "No queries yet."),
    "queries.at": ("时间", "Time"),
    "queries.agency": ("查询机构", "Agency"),
    "queries.purpose": ("目的", "Purpose"),
    "queries.basis": ("依据", "Basis"),
    "queries.outcome": ("结果", "Outcome"),
    "queries.entries": ("返回条目数", "Entries returned"),
    "queries.receipt": ("回执（含包含证明）", "Receipt (with inclusion proof)"),
    "queries.receipt_pending": ("回执待下一个检查点生成", "Receipt pending the next checkpoint"),
    "notifications.title": ("通知", "Notifications"),
    "notifications.empty": ("暂无通知。", "No notifications."),
    "notifications.query": ("查询", "Query"),
    "notifications.entry": ("条目事件", "Entry event"),
    "objections.title": ("我的异议", "My objections"),
    "objections.empty": ("尚无异议。", "No objections yet."),
    "objections.new": ("提出异议", "File an objection"),
    "objections.entry": ("异议条目", "Entry objected to"),
    "objections.reasons": ("异议理由（最多2000字）", "Reasons (up to 2,000 characters)"),
    "objections.files": (
        "证据文件（PDF、PNG 或 JPEG，可多选）",
        "Evidence files (PDF, PNG or JPEG; several allowed)",
    ),
    "objections.submit": ("提交异议", "File the objection"),
    "objections.filed": ("异议已提交，条目已标注异议。", "Objection filed; the entry is marked."),
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
    "case.open": ("查看", "Open"),
    "case.download": ("下载", "Download"),
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
}


def _merge(*areas: dict[str, tuple[str, str]]) -> None:
    """Add each area's messages; a key defined twice is a bug, found at import."""
    for area in areas:
        twice = sorted(set(area) & set(_M))
        if twice:
            raise RuntimeError(f"messages defined twice: {twice}")
        _M.update(area)


_merge(
    # Query purposes and legal bases: their labels live with the catalogue itself.
    {f"purpose.{p.code}": (p.label_zh, p.label_en) for p in PURPOSES.values()},
    {f"basis.{b.code}": (b.label_zh, b.label_en) for b in LEGAL_BASES.values()},
    msg_citizen.MESSAGES,
    msg_verify.MESSAGES,
    msg_report.MESSAGES,
    msg_staff.MESSAGES,
    msg_oidc.MESSAGES,
    msg_calendar.MESSAGES,
)


def pick_lang(requested: str | None, remembered: str | None) -> str:
    """The page language: an explicit `?lang=`, else the cookie, else Chinese."""
    for lang in (requested, remembered):
        if lang in LANGS:
            return lang
    return DEFAULT_LANG


def translate(key: str, lang: str) -> str:
    """The message for `key` in `lang` (falling back to Chinese, then to the key)."""
    pair = _M.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" and pair[1] else pair[0]


def translate_or(key: str, fallback: str, lang: str) -> str:
    """The message for `key`, or `fallback` (a raw vocabulary value) when none is defined."""
    return translate(key, lang) if key in _M else fallback
