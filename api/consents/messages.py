"""Page messages (zh, en) for the citizen's query authorizations and the freeze of a record.

Keys start with `me_authz.`, `me_freeze.` or `me_done.`; a key defined twice in the
catalogue is refused when `api.pages.i18n` is imported.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    # --- authorizations -----------------------------------------------------------------
    "me_authz.title": ("查询授权", "Query authorizations"),
    "me_authz.intro": (
        "查询机构只能凭您的授权（或法定依据）查询您的记录。授权限定机构、目的、范围、有效期和次数，您可随时撤销。",
        "An agency may query your record only with your authorization (or a legal basis). "
        "Each authorization names the agency, purpose, scope, validity and number of uses; "
        "you can revoke it at any time.",
    ),
    "me_authz.list": ("我的授权", "My authorizations"),
    "me_authz.empty": ("尚未授予任何授权。", "You have not granted any authorization."),
    "me_authz.col.agency": ("查询机构", "Agency"),
    "me_authz.col.purpose": ("目的", "Purpose"),
    "me_authz.col.scope": ("范围", "Scope"),
    "me_authz.col.validity": ("有效期（北京时间）", "Validity (China Standard Time)"),
    "me_authz.col.uses_left": ("剩余次数", "Uses left"),
    "me_authz.all_domains": ("全部领域", "all domains"),
    "me_authz.uses_of": ("已用 {uses} / 共 {max}", "{uses} of {max} used"),
    "me_authz.revoked_at": ("撤销于", "revoked"),
    "me_authz.revoke": ("撤销", "Revoke"),
    "me_authz.revoke_of": ("撤销对以下机构的授权：", "Revoke the authorization of"),
    "me_authz.state.active": ("有效", "active"),
    "me_authz.state.pending": ("尚未开始", "not started"),
    "me_authz.state.used_up": ("次数已用完", "used up"),
    "me_authz.state.expired": ("已过期", "expired"),
    "me_authz.state.revoked": ("已撤销", "revoked"),
    "me_authz.grant": ("授予新的查询授权", "Grant a new authorization"),
    "me_authz.f.agency": ("查询机构标识", "Agency identifier"),
    "me_authz.f.agency_help": (
        "机构告知您的标识：小写字母、数字和连字符，如 demo-bank。",
        "The identifier the agency gave you: lower-case letters, digits and hyphens, "
        "e.g. demo-bank.",
    ),
    "me_authz.f.purpose": ("查询目的", "Purpose"),
    "me_authz.f.list_kinds": ("可查询的名单", "Lists it may see"),
    "me_authz.f.domains": ("可查询的领域", "Domains it may see"),
    "me_authz.f.domains_help": ("不勾选即为全部领域。", "Leave all unticked for every domain."),
    "me_authz.f.starts_at": ("开始日期（留空为立即生效）", "Starts on (empty: now)"),
    "me_authz.f.expires_at": ("有效期至（含当日）", "Valid until (inclusive)"),
    "me_authz.f.window_help": (
        "授权最长一年，开始日期不得早于今天。",
        "An authorization lasts at most one year and cannot start in the past.",
    ),
    "me_authz.f.max_uses": ("最多查询次数（1–100）", "Maximum number of uses (1–100)"),
    "me_authz.f.submit": ("授予授权", "Grant the authorization"),
    "me_authz.err.fields": ("请检查以下各项：", "Please check:"),
    "me_authz.err.window": (
        "有效期不正确：开始日期不得早于今天，到期须晚于开始且不超过一年。",
        "The validity is not valid: it cannot start in the past, and must end after it "
        "starts and within one year.",
    ),
    # --- freeze -------------------------------------------------------------------------
    "me_freeze.title": ("冻结我的记录", "Freeze my record"),
    "me_freeze.state": ("当前状态", "Current state"),
    "me_freeze.frozen": (
        "已冻结：凭授权的查询一律拒绝；依法定依据的查询仍会进行，并被标记且通知您。",
        "Frozen: queries under an authorization are refused; queries on a legal basis "
        "still run, flagged, and you are notified.",
    ),
    "me_freeze.open": (
        "未冻结：查询机构可凭您的有效授权查询。",
        "Not frozen: agencies may query under a valid authorization of yours.",
    ),
    "me_freeze.freeze": ("冻结记录", "Freeze my record"),
    "me_freeze.unfreeze": ("解除冻结", "Unfreeze my record"),
    # --- what was just done (after post/redirect/get) -----------------------------------
    "me_done.granted": ("授权已授予。", "The authorization was granted."),
    "me_done.revoked": ("授权已撤销。", "The authorization was revoked."),
    "me_done.frozen": ("记录已冻结。", "Your record is frozen."),
    "me_done.unfrozen": ("已解除冻结。", "Your record is no longer frozen."),
}
