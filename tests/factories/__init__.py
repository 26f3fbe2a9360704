"""Factories for test data and for the API calls tests repeat (no shared state between tests).

One module a domain; import them from here: `from tests.factories import make_code`.
"""

from tests.factories.cases import (
    COMMITMENT,
    OBJECTION_REASONS,
    decide_objection,
    decide_repair,
    events,
    evidence_pdf,
    evidence_png,
    file_objection,
    file_repair,
    my_objections,
    my_repairs,
    object_to,
    objection_decided,
    objection_officer,
    repair_officer,
)
from tests.factories.clock import at
from tests.factories.entries import (
    RED,
    SERIOUS,
    commit_entry,
    make_code,
    make_csv,
    make_entry,
    make_entry_view,
    make_payload,
    my_entries,
    post_entry,
    post_serious,
    record_entry,
    watch_fields,
)
from tests.factories.http import bearer, citizen_get, csrf_of, ok_json
from tests.factories.queries import agency_query, court_query, entry_ids

__all__ = [
    "COMMITMENT",
    "OBJECTION_REASONS",
    "RED",
    "SERIOUS",
    "agency_query",
    "at",
    "bearer",
    "citizen_get",
    "commit_entry",
    "court_query",
    "csrf_of",
    "decide_objection",
    "decide_repair",
    "entry_ids",
    "events",
    "evidence_pdf",
    "evidence_png",
    "file_objection",
    "file_repair",
    "make_code",
    "make_csv",
    "make_entry",
    "make_entry_view",
    "make_payload",
    "my_entries",
    "my_objections",
    "my_repairs",
    "object_to",
    "objection_decided",
    "objection_officer",
    "ok_json",
    "post_entry",
    "post_serious",
    "record_entry",
    "repair_officer",
    "watch_fields",
]
