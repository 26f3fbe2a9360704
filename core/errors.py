"""Domain exceptions: each carries a stable type slug and a message free of personal data."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule the domain refuses; `api/problems.py` maps each class once."""

    type_slug = "domain-error"
    title = "Request refused"
    # Members the problem body carries besides the usual ones (e.g. a refusal's receipt).
    extra: dict[str, object] | None = None

    def __init__(self, detail: str, *, rule: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule


class InvalidInput(DomainError):
    """Input breaks a rule (a code, a date, a bound)."""

    type_slug = "invalid-input"
    title = "Invalid input"


class NotFound(DomainError):
    """Nothing the caller may see exists under that id."""

    type_slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    """The request clashes with what is stored (duplicate, out-of-order transition)."""

    type_slug = "conflict"
    title = "Conflict"


class KeysUnavailable(DomainError):
    """The key provider is missing, wrong or lacks a version the data needs."""

    type_slug = "keys-unavailable"
    title = "Encryption keys unavailable"


class Shredded(DomainError):
    """The data was crypto-shredded and can never be read again."""

    type_slug = "shredded"
    title = "Erased"


class Unauthenticated(DomainError):
    """No valid access token: missing, expired, forged, or from an issuer we do not trust."""

    type_slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    """The caller is known but their role may not do this."""

    type_slug = "forbidden"
    title = "Forbidden"


class DatabaseBusy(DomainError):
    """The database could not be had within the wait budget (a long writer, a lock)."""

    type_slug = "database-busy"
    title = "The service is busy"
    retry_after_seconds = 1
