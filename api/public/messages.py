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
    # Public list filters.
    "listfilter.domain": ("领域", "Domain"),
    "listfilter.department": ("认定部门", "Department"),
    "listfilter.any": ("全部", "All"),
    "listfilter.apply": ("筛选", "Filter"),
    "listfilter.legend": ("筛选名单", "Filter the list"),
}
