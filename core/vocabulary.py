"""The closed vocabularies of §3: list kinds, severities, domains, repair ways."""

from __future__ import annotations

from typing import Literal, get_args

ListKind = Literal["red", "black", "watch", "warning"]
Severity = Literal["minor", "general", "serious"]
Domain = Literal[
    "tax",
    "food_drug",
    "traffic",
    "finance",
    "ecommerce",
    "volunteering",
    "environment",
    "labour",
    "construction",
    "court",
]
RepairWay = Literal["performance", "volunteering", "donation", "commitment", "training"]
# The state an entry shows its owner (being under objection is a separate mark).
EntryState = Literal["pending_notice", "displayed", "expired", "exited", "shredded"]

LIST_KINDS: tuple[str, ...] = get_args(ListKind)
SEVERITIES: tuple[str, ...] = get_args(Severity)
DOMAINS: tuple[str, ...] = get_args(Domain)
REPAIR_WAYS: tuple[str, ...] = get_args(RepairWay)
