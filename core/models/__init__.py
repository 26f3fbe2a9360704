"""Table models; importing this package registers every table on `metadata` (alembic needs it)."""

from core.models.audit import QueryFacet, QueryFlag
from core.models.base import metadata
from core.models.cases import (
    CaseEvent,
    CertifyingOrganisation,
    EvidenceFile,
    Objection,
    OrganisationKey,
    RepairApplication,
    UsedCertificate,
)
from core.models.clients import OAuthClient
from core.models.consents import Authorization, SubjectFreeze
from core.models.cosignatures import LogCosignature
from core.models.directory import Organisation
from core.models.idempotency import QueryIdempotency
from core.models.keys import DataKeyRow, IndexRotation, KeyCheck, MasterKeyRow, StoredSecret
from core.models.lifecycle import (
    AgencyNotice,
    DeliveryAttempt,
    EntryNotice,
    ExitAnnouncement,
    NoticeDelivery,
    QueryDelivery,
)
from core.models.log_integrity import LogFullCheck, LogHalt
from core.models.notices import QueryNotice
from core.models.querylog import LogCheckpoint, LogLeaf, LogNode, LogState
from core.models.records import Entry, EntryEvent, Subject
from core.models.reports import IssuedReport
from core.models.web_session import WebSessionRow

__all__ = [
    "AgencyNotice",
    "Authorization",
    "CaseEvent",
    "CertifyingOrganisation",
    "DataKeyRow",
    "DeliveryAttempt",
    "Entry",
    "EntryEvent",
    "EntryNotice",
    "EvidenceFile",
    "ExitAnnouncement",
    "IndexRotation",
    "IssuedReport",
    "KeyCheck",
    "LogCheckpoint",
    "LogCosignature",
    "LogFullCheck",
    "LogHalt",
    "LogLeaf",
    "LogNode",
    "LogState",
    "MasterKeyRow",
    "NoticeDelivery",
    "OAuthClient",
    "Objection",
    "Organisation",
    "OrganisationKey",
    "QueryDelivery",
    "QueryFacet",
    "QueryFlag",
    "QueryIdempotency",
    "QueryNotice",
    "RepairApplication",
    "StoredSecret",
    "Subject",
    "SubjectFreeze",
    "UsedCertificate",
    "WebSessionRow",
    "metadata",
]
