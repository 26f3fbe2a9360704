"""Page messages (zh, en) for credit repair: the citizen's applications, the repair officer.

Keys start with `me_repair.`, `rwork.`, `rcase.` or `rdecision.`; a key defined twice in
the catalogue is refused when `api.pages.i18n` is imported. `{eligible_from}` and
`{retry_from}` are filled with the dates the rule computed, never with anything typed.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    # --- credit repair ------------------------------------------------------------------
    "me_repair.title": ("我的信用修复申请", "My credit repair applications"),
    "me_repair.empty": ("尚无修复申请。", "No repair applications yet."),
    "me_repair.can_apply": ("现在可申请修复的条目", "Entries you can apply to repair now"),
    "me_repair.later": ("以后可申请修复的条目", "Entries you can apply to repair later"),
    "me_repair.later_from": ("可于{day}起申请", "You can apply from {day}"),
    "me_repair.after_objection": (
        "告知期内有异议正在处理：异议处理完毕后方可申请",
        "An objection holds its prior notice: you can apply once it is decided",
    ),
    "me_repair.not_yet": ("该条目现在还不能申请修复。", "This entry cannot be repaired yet."),
    "me_repair.none_to_apply": (
        "目前没有可申请修复的条目。",
        "None of your entries can be repaired now.",
    ),
    "me_repair.col.entry": ("条目", "Entry"),
    "me_repair.col.way": ("修复方式", "Way"),
    "me_repair.col.deadline": (
        "法定时限（截止日期 · 剩余工作日）",
        "Legal clock (due · working days left)",
    ),
    "me_repair.due_left": ("{due}，剩余{n}个工作日", "{due}, {n} working days left"),
    "me_repair.case": ("信用修复申请", "Credit repair application"),
    "me_repair.new": ("申请信用修复", "Apply for credit repair"),
    "me_repair.entry": ("申请修复的条目", "Entry to repair"),
    "me_repair.eligible_from": (
        "该条目的最短公示期至{eligible_from}届满，届时方可申请修复。",
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
        "证明材料（PDF、PNG或JPEG，每个不超过{max_mb} MB，最多{max_files}个）",
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
    "me_repair.field.credential": ("签名凭证", "signed credential"),
    "me_repair.field.entry_id": ("条目", "entry"),
    "me_repair.status.filed": ("已提交", "filed"),
    "me_repair.status.accepted": ("已受理", "accepted"),
    "me_repair.status.declined": ("不予受理", "declined"),
    "me_repair.status.approved": ("修复已通过", "approved"),
    "me_repair.status.rejected": ("未通过", "rejected"),
    "me_repair.step.accept": ("受理", "acceptance"),
    "me_repair.step.decide": ("作出决定", "decision"),
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
    "me_repair.kept_until": ("后台保存至（此后删除）", "Kept until (erased after)"),
    "me_repair.who_sees": ("谁还能看到、看到何时", "Who can still see it, until when"),
    "me_repair.watch_until": (
        "退出黑名单后列入重点关注名单，至",
        "After leaving the black list you are on the watch list until ",
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
    # Repair officer: the work list.
    "rwork.title": ("信用修复工作列表", "Credit repair work list"),
    "rwork.help": (
        "本部门的修复申请，逾期案件排在最前；每个案件显示截止日期和剩余工作日。",
        "Your department's repair applications, overdue first; each shows its deadline "
        "and the working days left.",
    ),
    "rwork.empty": ("没有修复案件。", "No repair cases."),
    "rwork.status_filter": ("状态", "Status"),
    "rwork.col.filed": ("申请日期", "Filed on"),
    "rwork.col.ref": ("条目公开编号", "Entry reference"),
    "rwork.col.entry": ("名单 · 领域", "List · domain"),
    "rwork.col.way": ("修复方式", "Repair way"),
    "rwork.col.status": ("状态", "Status"),
    "rwork.col.deadline": ("截止日期", "Deadline"),
    "rwork.col.days_left": ("剩余工作日", "Working days left"),
    "rwork.open": ("办理", "Open"),
    "rwork.overdue": ("已逾期", "Overdue"),
    "rwork.escalated": ("已上报主管", "Escalated"),
    "rwork.no_clock": ("已结案", "Closed"),
    "rwork.back": ("返回修复工作列表", "Back to the repair work list"),
    # Repair officer: one case.
    "rcase.title": ("信用修复案件", "Credit repair case"),
    "rcase.entry": ("所涉条目", "The entry"),
    "rcase.external_id": ("部门编号", "Department reference"),
    "rcase.subject_name": ("姓名", "Name"),
    "rcase.facts": ("事实", "Facts"),
    "rcase.decided_on": ("认定日期", "Decided on"),
    "rcase.ways": ("可修复方式", "Repair ways allowed"),
    "rcase.state": ("条目状态", "Entry state"),
    "rcase.application": ("申请", "Application"),
    "rcase.way": ("修复方式", "Repair way"),
    "rcase.status": ("状态", "Status"),
    "rcase.filed_on": ("申请日期", "Filed on"),
    "rcase.clocks": ("时限", "Deadlines"),
    "rcase.step": ("环节", "Step"),
    "rcase.due": ("截止日期", "Deadline"),
    "rcase.days_left": ("剩余工作日", "Working days left"),
    "rcase.overdue": ("是否逾期", "Overdue"),
    "rcase.evidence": ("证明材料", "Evidence"),
    "rcase.hours": ("志愿服务时长（小时）", "Volunteering hours"),
    "rcase.organisation": ("认证机构", "Certifying organisation"),
    "rcase.organisation_inactive": ("（已停用）", " (no longer accepted)"),
    "rcase.certificate": ("证书编号", "Certificate id"),
    "rcase.commitment": ("信用承诺", "Credit commitment"),
    "rcase.signed_at": ("签署时间", "Signed at"),
    "rcase.files": ("文件", "Files"),
    "rcase.no_files": ("无文件。", "No files."),
    "rcase.download": ("下载", "Download"),
    "rcase.decision_reasons": ("决定理由", "Reasons for the decision"),
    "rcase.retry_from": ("可再次申请日期", "May apply again from"),
    "rcase.history": ("处理经过", "History"),
    "rcase.conflict": (
        "此案件在您阅读后已被更改，未作任何决定。以下为案件的最新状态，请重新阅读后再决定。",
        "This case changed after you read it; no decision was made. Below is the case as it "
        "is now: read it again before deciding.",
    ),
    # Repair officer: the decision form.
    "rdecision.title": ("作出决定", "Decide"),
    "rdecision.decision": ("决定", "Decision"),
    "rdecision.accept": ("受理", "Accept"),
    "rdecision.decline": ("不予受理", "Decline"),
    "rdecision.approve": ("批准修复（条目立即退出）", "Approve (the entry exits at once)"),
    "rdecision.reject": ("不予修复", "Reject"),
    "rdecision.reasons": (
        "理由（不予受理或不予修复时必填，将告知申请人）",
        "Reasons (required to decline or reject; the applicant is told)",
    ),
    "rdecision.retry_rule": (
        "不予修复时，申请人最早可于决定之日起{days}日后再次申请（由规则计算，并在案件中显示）。",
        "On rejection the applicant may apply again {days} days after the decision at the "
        "earliest (set by the rule and shown on the case).",
    ),
    "rdecision.submit": ("提交决定", "Submit the decision"),
    "rdecision.confirm_hint": (
        "批准修复的决定提交后，会先请您确认。",
        "A decision to approve asks you to confirm before it is taken.",
    ),
    "rdecision.confirm.approve.title": ("确认：批准信用修复", "Confirm: approve the repair"),
    "rdecision.confirm.approve.what": (
        "批准后，该条目立即结束公示并退出名单，公众和查询机构立即无法查看，此决定不能撤回；"
        "黑名单条目退出后列入重点关注名单。",
        "Once approved, the entry's display ends and it leaves the list at once; the public "
        "and agencies stop seeing it, and the decision cannot be withdrawn. A black entry "
        "is followed by a watch-list entry.",
    ),
    "rdecision.confirm.approve.button": ("确认批准修复", "Approve the repair"),
    "rdecision.closed": ("此案件已结案。", "This case is closed."),
    # The citizen's repair form: signed credentials (donation, training, volunteering).
    "me_err.credential_required": (
        "以捐赠、培训或志愿服务方式申请，须提供登记机构签名的凭证（捐赠收据、培训结业证明或志愿服务证明）。",
        "Applying by donation, training or volunteering needs a credential signed by a "
        "registered organisation (a donation receipt, a training completion or a "
        "volunteering certificate).",
    ),
    "me_err.credential_malformed": (
        "凭证格式不正确：请粘贴或上传机构出具的完整 JSON（含 credential 与 signature）。",
        "The credential is not in the documented form: paste or upload the whole JSON the "
        "organisation gave you (credential and signature).",
    ),
    "me_err.unknown_issuer": (
        "出具该凭证的机构未在本系统登记。",
        "The organisation that issued this credential is not registered.",
    ),
    "me_err.credential_wrong_kind": (
        "该凭证不适用于所选修复方式，或出具机构无权出具此类凭证。",
        "This credential does not fit the chosen way, or its issuer may not issue this kind.",
    ),
    "me_err.credential_bad_signature": (
        "凭证的签名无法验证：它不是出具机构签发的，或已被改动。",
        "The credential's signature does not verify: its issuer did not sign it, or it was "
        "changed.",
    ),
    "me_err.credential_wrong_subject": (
        "该凭证不是出具给您的。",
        "This credential was not issued to you.",
    ),
    "me_err.volunteering_fields_signed": (
        "志愿服务时长、组织和证明编号不再手工填写：请提供组织签名的志愿服务证明，其中已载明。",
        "Hours, organisation and certificate number are no longer typed in: give the "
        "volunteering certificate the organisation signed, which states them.",
    ),
    "me_err.credential_not_for_way": (
        "所选修复方式不需要签名凭证，请清空凭证或改选其他方式。",
        "The chosen way takes no signed credential; clear it or choose another way.",
    ),
    "me_repair.credential": ("签名凭证（JSON）", "Signed credential (JSON)"),
    "me_repair.credential_hint": (
        "捐赠、培训、志愿服务须提供：粘贴机构出具的 JSON，或上传 .json 文件。",
        "Needed for donation, training and volunteering: paste the JSON the organisation "
        "gave you, or upload its .json file.",
    ),
    "me_repair.credential_file": ("或上传凭证文件（.json）", "Or upload the credential (.json)"),
    # A case's signed credential, as the citizen and the officer read it.
    "credential_kind.donation_receipt": ("捐赠收据", "Donation receipt"),
    "credential_kind.training_completion": ("培训结业证明", "Training completion"),
    "credential_kind.volunteering_certificate": ("志愿服务证明", "Volunteering certificate"),
    "credential.verified": ("签名已验证", "signature verified"),
    "me_repair.credential_kind": ("签名凭证", "Signed credential"),
    "me_repair.amount": ("捐赠金额（元）", "Amount donated (yuan)"),
    "me_repair.issued_at": ("凭证出具日期", "Issued on"),
    "rcase.credential_kind": ("签名凭证", "Signed credential"),
    "rcase.amount": ("捐赠金额（元）", "Amount donated (yuan)"),
    "rcase.issued_at": ("凭证出具日期", "Issued on"),
}
