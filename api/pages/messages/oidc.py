"""Page messages (zh, en) for sign-in through the OIDC provider.

Every key starts with `oidc.` so it cannot collide with the shared catalogue or another
area's (a duplicate is refused when `api.pages.i18n` is imported). No message quotes
anything the provider or the browser sent.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
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
