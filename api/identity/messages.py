"""Page messages (zh, en) for signing in: the sign-in page and the OIDC provider's return.

Keys start with `signin.` or `oidc.`; a key defined twice in the catalogue is refused when
`api.pages.i18n` is imported. No message quotes anything the provider or the browser sent.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
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
    "signin.as_objection_officer": ("以异议处理人员身份登录", "Sign in as an objection officer"),
    "signin.as_repair_officer": ("以信用修复人员身份登录", "Sign in as a repair officer"),
    "signin.as_recorder": ("以认定部门录入人员身份登录", "Sign in as a recorder"),
    "signin.as_auditor": ("以审计人员身份登录", "Sign in as an auditor"),
    "signin.repair_officer": ("信用修复人员", "Repair officer"),
    "signin.recorder": ("认定部门录入人员", "Recorder"),
    "signin.auditor": ("审计人员", "Auditor"),
    "signin.disabled": (
        "开发登录仅在使用内置签发方并从本机访问时可用。",
        "Development sign-in is available only with the embedded issuer, from this machine.",
    ),
    "signin.required": ("请先登录。", "Please sign in first."),
    "signin.invalid": (
        "请选择列表中的角色，以及示范人员或部门。",
        "Choose a role from the list, and a demo person or a department.",
    ),
    "signin.who": ("已登录：{role}", "Signed in as {role}"),
    # Sign-in through an OpenID Connect provider.
    "oidc.unavailable": (
        "未配置通过身份提供方登录。",
        "Sign-in through the identity provider is not configured.",
    ),
    "oidc.provider_down": (
        "暂时无法连接身份提供方，请稍后再试。",
        "The identity provider cannot be reached just now; please try again later.",
    ),
    "oidc.too_many": (
        "登录尝试过于频繁，请一分钟后再试。",
        "Too many sign-in attempts; please try again in a minute.",
    ),
    "oidc.expired": (
        "此次登录已过期或已使用，请重新登录。",
        "This sign-in has expired or was already used; please sign in again.",
    ),
    "oidc.failed": (
        "登录未能完成，请重新登录。",
        "The sign-in could not be completed; please sign in again.",
    ),
    "oidc.denied": (
        "身份提供方未完成登录。",
        "The identity provider did not sign you in.",
    ),
    "oidc.no_pages": (
        "您的角色在本站没有可用的页面。",
        "Your role has no pages on this site.",
    ),
    "oidc.done_title": ("已登录", "Signed in"),
    "oidc.done": ("登录成功，正在打开页面……", "You are signed in; opening your page…"),
    "oidc.continue": ("继续", "Continue"),
}
