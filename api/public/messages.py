"""Page messages (zh, en) for the public pages: home, the lists, announcements, lookup.

Keys start with `home.`, `list.`, `announcements.`, `lookup.` or `listfilter.`; a key
defined twice in the catalogue is refused when `api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
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
    "announcements.title": ("退出公告", "Exit announcements"),
    # Why an entry left its list, as the public is told (core/public/masking.py).
    "announcements.exit.expired": ("展示期满", "Display period ended"),
    "announcements.exit.repaired": ("信用修复", "Credit repaired"),
    "announcements.exit.withdrawn": ("认定部门撤销", "Withdrawn by the department"),
    "announcements.exit.criteria_changed": ("认定标准变化", "Listing criteria changed"),
    "announcements.exit.removed": ("已移出", "Removed"),
    "announcements.exit.removed_as_erroneous": (
        "经核实认定错误，已删除",
        "Found to be erroneous and removed",
    ),
    "lookup.title": ("脱敏查询", "Masked lookup"),
    "lookup.help": (
        "输入完整的公民身份号码（或统一社会信用代码）和姓名（或名称），查询是否在红名单或黑名单上正在公示。"
        "查询通过表单提交，不会出现在网址中。",
        "Enter a full citizen ID number (or unified social credit code) and the full name to "
        "see whether they are displayed on the red or the black list now. The form is "
        "posted; nothing appears in the address bar.",
    ),
    "lookup.code": (
        "公民身份号码或统一社会信用代码（18位）",
        "Citizen ID number or unified social credit code (18 characters)",
    ),
    "lookup.code_hint": (
        "18位，末位可为X；提交前会核对校验码。",
        "18 characters, the last may be X; the check character is verified before sending.",
    ),
    "lookup.name": ("姓名或名称", "Full name or organisation name"),
    "lookup.submit": ("查询", "Look up"),
    "lookup.invalid": (
        "请填写完整的号码和姓名（姓名最多64个字）。",
        "Enter the full number and the full name (at most 64 characters).",
    ),
    "lookup.result": ("查询结果", "Result"),
    "lookup.found_black": (
        "在失信惩戒名单（黑名单）上，正在公示。",
        "On the black list (joint punishment), displayed now.",
    ),
    "lookup.found_red": (
        "在守信激励名单（红名单）上，正在公示。",
        "On the red list (joint incentives), displayed now.",
    ),
    "lookup.entries": ("正在公示的条目", "Entries displayed now"),
    "lookup.none": (
        "未找到正在公示的红名单或黑名单条目。",
        "No entry on the red or the black list is displayed for this number and name.",
    ),
    "lookup.kind.black": ("黑名单", "Black list"),
    "lookup.kind.red": ("红名单", "Red list"),
    # Public list filters.
    "listfilter.domain": ("领域", "Domain"),
    "listfilter.department": ("认定部门", "Department"),
    "listfilter.any": ("全部", "All"),
    "listfilter.apply": ("筛选", "Filter"),
    "listfilter.legend": ("筛选名单", "Filter the list"),
}
