"""Page messages (zh, en) for the citizen's query authorizations and the freeze of a record.

Keys start with `me_authz.`, `me_granted.`, `me_freeze.` or `me_done.`, and `me_err.<rule>`
for the refusals only these pages give; a key defined twice in the catalogue is refused
when `api.pages.i18n` is imported. Chinese text uses full-width punctuation.
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
    "me_authz.col.validity": ("有效期", "Validity"),
    "me_authz.col.starts": ("生效时间", "Starts"),
    "me_authz.col.ends": ("有效期至", "Valid until"),
    "me_authz.col.max_uses": ("最多查询次数", "Maximum number of uses"),
    "me_authz.col.uses_left": ("剩余次数", "Uses left"),
    "me_authz.all_domains": ("全部领域", "all domains"),
    "me_authz.from": ("自 ", "from "),
    "me_authz.to": ("至 ", "to "),
    "me_authz.uses_of": ("（已用 {uses} 次，共 {max} 次）", " ({uses} of {max} used)"),
    "me_authz.revoked_at": ("撤销于 ", "revoked "),
    "me_authz.delivered_at": ("已发送至机构收件箱：", "sent to the agency's inbox: "),
    "me_authz.revoke": ("撤销", "Revoke"),
    "me_authz.revoke_of": (
        "撤销对{agency}的授权（{purpose}）",
        "Revoke the authorization of {agency} ({purpose})",
    ),
    "me_authz.deliver": ("发送至机构收件箱", "Send to the agency's inbox"),
    "me_authz.deliver_to": ("将授权发送至{agency}的收件箱", "Send the grant to {agency}'s inbox"),
    "me_authz.state.active": ("有效", "active"),
    "me_authz.state.pending": ("尚未开始", "not started"),
    "me_authz.state.used_up": ("次数已用完", "used up"),
    "me_authz.state.expired": ("已过期", "expired"),
    "me_authz.state.revoked": ("已撤销", "revoked"),
    "me_authz.grant": ("授予新的查询授权", "Grant a new authorization"),
    "me_authz.f.agency": ("查询机构", "Agency"),
    "me_authz.f.agency_pick": ("请选择查询机构", "Choose an agency"),
    "me_authz.f.agency_help": (
        "只能授权给已登记的查询机构；如找不到您要授权的机构，请向该机构确认其是否已登记。",
        "Only a registered agency can be authorized; if the one you want is not listed, ask "
        "it whether it is registered.",
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
    "me_err.agency_unknown": (
        "请从列表中选择一个已登记的查询机构。",
        "Choose a registered agency from the list.",
    ),
    "me_err.not_deliverable": (
        "只有有效或尚未开始的授权才能发送给查询机构。",
        "Only an authorization that is active or not yet started can be sent to the agency.",
    ),
    "me_authz.err.window": (
        "有效期不正确：开始日期不得早于今天，到期须晚于开始且不超过一年。",
        "The validity is not valid: it cannot start in the past, and must end after it "
        "starts and within one year.",
    ),
    # --- revoking asks first ------------------------------------------------------------
    "me_authz.confirm_revoke.title": ("确认撤销授权", "Revoke this authorization?"),
    "me_authz.confirm_revoke.what": (
        "撤销后，该机构即不能再凭此授权查询您的记录；撤销不可恢复，如需再次授权须重新授予。",
        "Once revoked, the agency can no longer query your record under this authorization. "
        "This cannot be undone: to authorize it again you grant a new one.",
    ),
    "me_authz.confirm_revoke.button": ("确认撤销", "Revoke it"),
    # --- the page that answers a grant: its code, shown once -----------------------------
    "me_granted.title": ("授权码", "Authorization code"),
    "me_granted.code": ("请把授权码告知查询机构", "Give the agency this code"),
    "me_granted.give": (
        "{agency}查询您的记录时，可凭以下授权码代替授权编号。",
        "{agency} may present this code instead of the authorization id when it queries "
        "your record.",
    ),
    "me_granted.once": (
        "授权码只显示这一次，本服务不保存授权码原文，请现在记下。授权码只对该机构和您的记录有效。",
        "The code is shown this once and this service does not keep it: note it now. It "
        "works only for this agency and your record.",
    ),
    "me_granted.inbox": ("或直接发送给机构", "Or send it to the agency"),
    "me_granted.inbox_help": (
        "发送后，{agency}可在其授权列表中看到这项授权（您的公民身份号码只显示首尾各两位），不会看到授权码。",
        "Once sent, {agency} sees this grant in its list of authorizations (with only the "
        "first two and last two characters of your ID number), never the authorization code.",
    ),
    "me_granted.back": ("返回我的授权", "Back to my authorizations"),
    # --- freeze -------------------------------------------------------------------------
    "me_freeze.title": ("冻结我的记录", "Freeze my record"),
    "me_freeze.state": ("当前状态：", "Current state: "),
    "me_freeze.confirm.title": ("确认冻结记录", "Freeze your record?"),
    "me_freeze.confirm.what": (
        "冻结后，查询机构凭授权的查询将一律被拒绝，直到您解除冻结；依法定依据的查询仍会进行，"
        "并被标记且通知您。",
        "While frozen, every query under an authorization is refused until you unfreeze; "
        "queries on a legal basis still run, flagged, and you are notified.",
    ),
    "me_freeze.confirm.button": ("确认冻结", "Freeze it"),
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
    "me_done.delivered": (
        "授权已发送至机构收件箱。",
        "The authorization was sent to the agency's inbox.",
    ),
    "me_done.frozen": ("记录已冻结。", "Your record is frozen."),
    "me_done.unfrozen": ("已解除冻结。", "Your record is no longer frozen."),
}
