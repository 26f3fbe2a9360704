"""Page messages (zh, en) for the citizen self-service pages: consents, statements, repairs.

Every key starts with `me_` so it cannot collide with the shared catalogue or another
area's (a duplicate is refused when `api.pages.i18n` is imported). `me_err.<rule>` is the
text of a domain refusal by its stable rule; `{eligible_from}` and `{retry_from}` are
filled with the dates the rule computed, never with anything the citizen typed.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
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
    # --- credit repair ------------------------------------------------------------------
    "me_repair.title": ("我的信用修复申请", "My credit repair applications"),
    "me_repair.empty": ("尚无修复申请。", "No repair applications yet."),
    "me_repair.can_apply": ("可申请修复的条目", "Entries you can apply to repair"),
    "me_repair.none_to_apply": (
        "目前没有可申请修复的条目。",
        "None of your entries can be repaired now.",
    ),
    "me_repair.apply": ("申请信用修复", "Apply for credit repair"),
    "me_repair.col.entry": ("条目", "Entry"),
    "me_repair.col.way": ("修复方式", "Way"),
    "me_repair.col.deadline": (
        "法定时限（截止日期 · 剩余工作日）",
        "Legal clock (due · working days left)",
    ),
    "me_repair.due_left": ("{due} 前（剩余 {n} 个工作日）", "by {due} ({n} working days left)"),
    "me_repair.case": ("信用修复申请", "Credit repair application"),
    "me_repair.new": ("申请信用修复", "Apply for credit repair"),
    "me_repair.entry": ("申请修复的条目", "Entry to repair"),
    "me_repair.eligible_from": (
        "该条目的最短公示期至 {eligible_from} 届满，届时方可申请修复。",
        "This entry's minimum display period ends on {eligible_from}; you can apply from then.",
    ),
    "me_repair.f.way": ("修复方式", "Way of repair"),
    "me_repair.f.volunteering": (
        "志愿服务（仅以志愿服务方式申请时填写）",
        "Volunteering (only when applying by volunteering)",
    ),
    "me_repair.f.hours": ("志愿服务时长（小时）", "Volunteering hours"),
    "me_repair.f.organisation": ("出具证明的组织", "Certifying organisation"),
    "me_repair.f.organisation_none": ("（请选择）", "(choose one)"),
    "me_repair.f.certificate": ("证明编号", "Certificate number"),
    "me_repair.f.files": (
        "证明材料（PDF、PNG 或 JPEG，每个不超过 {max_mb} MB，最多 {max_files} 个）",
        "Evidence (PDF, PNG or JPEG; up to {max_files} files of {max_mb} MB each)",
    ),
    "me_repair.f.files_help": (
        "以履约方式申请时，须上传已履行义务的证明。",
        "Applying by performance needs a proof that the obligation was fulfilled.",
    ),
    "me_repair.f.commitment": ("信用承诺书", "Credit commitment"),
    "me_repair.f.commitment_help": (
        "每份申请都须附签署的信用承诺（最多2000字）；您可按需修改。",
        "Every application carries a signed credit commitment (up to 2,000 characters); "
        "you may edit it.",
    ),
    "me_repair.f.commitment_text": (
        "本人郑重承诺：所提交的申请材料真实、有效；今后严格遵守法律法规，依法诚信履行各项义务；"
        "如有违反，自愿接受有关部门依法依规作出的处理，并承担相应责任。",
        "I solemnly undertake that the materials I submit are true and valid; that I will "
        "abide by the law and fulfil my obligations in good faith; and that, should I break "
        "this commitment, I accept the measures the authorities take under the law and bear "
        "the consequences.",
    ),
    "me_repair.f.sign": (
        "本人已阅读并签署上述信用承诺",
        "I have read and sign the credit commitment above",
    ),
    "me_repair.f.submit": ("提交修复申请", "Submit the application"),
    "me_repair.err.unsigned": (
        "请勾选确认签署信用承诺。",
        "Please tick the box to sign the credit commitment.",
    ),
    "me_repair.err.fields": ("请检查以下各项：", "Please check:"),
    "me_repair.field.way": ("修复方式", "way of repair"),
    "me_repair.field.commitment": ("信用承诺书", "credit commitment"),
    "me_repair.field.hours": ("志愿服务时长", "volunteering hours"),
    "me_repair.field.organisation_code": ("出具证明的组织", "certifying organisation"),
    "me_repair.field.certificate_id": ("证明编号", "certificate number"),
    "me_repair.field.entry_id": ("条目", "entry"),
    "me_repair.status.filed": ("已提交", "filed"),
    "me_repair.status.accepted": ("已受理", "accepted"),
    "me_repair.status.declined": ("不予受理", "declined"),
    "me_repair.status.approved": ("修复已通过", "approved"),
    "me_repair.status.rejected": ("未通过", "rejected"),
    "me_repair.step.accept": ("受理", "acceptance"),
    "me_repair.step.decide": ("作出决定", "decision"),
    "me_repair.event.filed": ("提交申请", "application filed"),
    "me_repair.event.accepted": ("受理", "accepted"),
    "me_repair.event.declined": ("不予受理", "declined"),
    "me_repair.event.approved": ("修复通过", "approved"),
    "me_repair.event.rejected": ("未通过", "rejected"),
    "me_repair.event.escalated_accept_overdue": (
        "受理逾期，已上报主管",
        "acceptance overdue; escalated to the supervisor",
    ),
    "me_repair.event.escalated_decide_overdue": (
        "决定逾期，已上报主管",
        "decision overdue; escalated to the supervisor",
    ),
    "me_repair.actor.citizen": ("您本人", "you"),
    "me_repair.actor.system": ("系统", "the system"),
    "me_repair.outcome": ("处理结果", "Outcome"),
    "me_repair.pending": (
        "正在处理，请留意法定时限。",
        "Being processed; see the legal clocks.",
    ),
    "me_repair.reasons": ("理由", "Reasons"),
    "me_repair.retry_from": (
        "可重新申请的最早日期",
        "Earliest date to apply again",
    ),
    "me_repair.approved": (
        "修复已通过：该条目已提前结束公示，公众和查询机构已看不到它。",
        "Repair approved: the entry's display ended early; the public and agencies no "
        "longer see it.",
    ),
    "me_repair.remains": ("仍保存的内容", "What stays in the back end"),
    "me_repair.exited_on": ("退出日期", "Left the list on"),
    "me_repair.kept_until": ("后台保存至（届时删除）", "Kept until (then erased)"),
    "me_repair.who_sees": (
        "谁还能看到、到何时（不含当日）",
        "Who can still see it, until (exclusive)",
    ),
    "me_repair.watch_until": (
        "退出黑名单后列入重点关注名单，至",
        "After leaving the black list you are on the watch list until",
    ),
    "me_repair.erased": (
        "此申请的内容已被删除，无法再读取。",
        "This application's contents were erased and can no longer be read.",
    ),
    "me_repair.evidence": ("申请材料", "What you submitted"),
    "me_repair.signed_at": ("签署时间", "Signed at"),
    "me_repair.files": ("证明文件", "Evidence files"),
    "me_repair.download": ("下载", "Download"),
    "me_repair.filed_ok": ("修复申请已提交。", "Your repair application was filed."),
    # --- vocabularies -------------------------------------------------------------------
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
}
