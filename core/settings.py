"""Settings from the environment (prefix `CREDENCE_`); secrets are SecretStr."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crypto import secret_files
from crypto.cosignature import CosignatureError, parse_cosigner_key
from crypto.keys import KeyProviderError
from crypto.secret_files import SecretFileError

_MAX_PIN_FILE_BYTES = 4096


@dataclass(frozen=True)
class Pkcs11Login:
    """What the PKCS#11 provider is opened with: library, token label, PIN, label prefix."""

    lib: str
    token: str
    pin: str = field(repr=False)
    label_prefix: str


class WitnessSetting(BaseModel):
    """One witness the log asks for cosignatures: its submission URL and cosigner vkey."""

    url: str = Field(pattern=r"^https?://")
    vkey: str

    @field_validator("vkey")
    @classmethod
    def _vkey(cls, value: str) -> str:
        try:
            parse_cosigner_key(value)
        except CosignatureError as exc:
            raise ValueError(f"not a cosigner vkey: {exc}") from None
        return value


class Settings(BaseSettings):
    """Everything the service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="CREDENCE_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: SecretStr | None = None
    oidc_issuer: str | None = None
    # file: master.key in the data dir; env: CREDENCE_MASTER_KEYS; pkcs11: an HSM token
    # named by CREDENCE_PKCS11_LIB, _TOKEN and _PIN or _PIN_FILE (the production choice).
    key_provider: Literal["file", "env", "pkcs11"] = "file"
    master_keys: SecretStr | None = None
    # pkcs11: the module (SoftHSM2's unless set), the token label, the user PIN or a 0600
    # file holding it (one of the two), and the label prefix of this installation's keys
    # (several installations may share one token). An empty value counts as unset.
    pkcs11_lib: str | None = None
    pkcs11_token: str | None = None
    pkcs11_pin: SecretStr | None = None
    pkcs11_pin_file: str | None = None
    pkcs11_label_prefix: str | None = None
    crypto_suite: Literal["aes", "sm4"] = "aes"
    rotation_batch: int = 200
    # How long a writer waits for the database (SQLite's write lock, a PostgreSQL row lock)
    # before the request is answered 503 with Retry-After.
    db_busy_seconds: float = Field(default=10.0, gt=0, le=600)
    # Database connections each worker process keeps open (core/db.py): its thread pool's
    # 40 threads and 8 more, so none is opened and closed per request under load. On
    # PostgreSQL, workers × this must fit in the server's max_connections.
    db_pool_size: int = Field(default=48, ge=1, le=1000)
    token_audience: str = "credence-api"  # noqa: S105 - an audience name, not a secret
    embedded_issuer_id: str = "urn:credence:embedded-issuer"
    citizen_code_claim: str = "credit_code"
    access_token_ttl_seconds: int = 900
    log_origin: str = "credence.example/query-log"
    log_key_name: str = "credence.example/query-log"
    # Stored checkpoints: after this many new leaves, or once the newest leaf waited this long.
    checkpoint_every_leaves: int = 1000
    checkpoint_every_seconds: float = 10.0
    # Witnesses (C2SP tlog-witness) as JSON, [{"url": ..., "vkey": ...}]: the maintenance
    # tick submits each stored checkpoint to them and keeps their cosignatures. The quorum
    # is how many must cosign a checkpoint before it is published as the latest (0: none).
    witnesses: list[WitnessSetting] = []
    witness_quorum: int = Field(default=0, ge=0)
    witness_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    # The query log fails closed (core/querylog/failclosed.py): the whole log is verified by
    # the maintenance tick this often (0: never), the last this many leaves at start-up, and
    # a worker re-reads whether another found the log corrupt at most this often.
    log_full_check_hours: float = Field(default=6.0, ge=0)
    log_startup_check_leaves: int = Field(default=10_000, ge=0)
    log_halt_recheck_seconds: float = Field(default=1.0, gt=0, le=60)
    # The log sequencer groups concurrent queries' appends: at most this many leaves a
    # batch, and a batch smaller than that waits at most this long for more (0: it takes
    # whatever queued while the previous batch committed, and adds no wait).
    log_batch_max: int = Field(default=256, ge=1, le=4096)
    log_batch_linger_ms: float = Field(default=0.0, ge=0, le=50)
    # SQLite's durability: FULL syncs the WAL at every commit, so a receipt never leaves
    # before its leaf is on disk (NORMAL may lose the last commits on power loss).
    sqlite_synchronous: Literal["FULL", "NORMAL"] = "FULL"
    # Audit rules (§6): bulk querying per agency, refused-then-retried, night queries (CST).
    audit_bulk_queries: int = 100
    audit_bulk_window_minutes: int = 60
    audit_retry_window_minutes: int = 60
    audit_office_hours: tuple[int, int] = (8, 20)
    # Legal clocks (§7, §8): objections accepted within 2 working days and resolved within
    # 20 days of filing (Credit Reporting Regulation art. 25); repairs accepted within 3
    # working days and decided within 10 more; a rejected repair may be tried again after.
    objection_accept_working_days: int = 2
    objection_resolve_days: int = 20
    repair_accept_working_days: int = 3
    repair_decide_working_days: int = 10
    repair_retry_days: int = 30
    # Evidence files: at most this many bytes each, and this many per case.
    evidence_max_bytes: int = 5 * 1024 * 1024
    evidence_max_files: int = 5
    # Request bodies: at most this many bytes (public endpoints and batches have their own
    # caps; evidence uploads are bounded by the evidence limits above). Endpoints with a
    # tighter limit of their own (the token endpoint's 4 KiB) still apply it below these.
    body_max_bytes: int = 64 * 1024
    body_public_max_bytes: int = 16 * 1024
    body_batch_max_bytes: int = 16 * 1024 * 1024
    # On PostgreSQL an erased person's blind index survives in dead rows and the WAL: the
    # maintenance tick rotates the index key once an erasure has waited this long, so the
    # remnant is under a destroyed key (core/ops/index_after_erasure.py). 0: at once.
    erasure_index_rotation_hours: float = Field(default=24.0, ge=0, le=24 * 30)
    # The cases of an erroneous listing (its decision and written apology) stay readable
    # to the citizen this long after the listing is erased, the window for administrative
    # reconsideration; then they go, and the person with them. 0: at the next tick.
    erroneous_case_days: int = Field(default=60, ge=0, le=366)
    # How often the server's background maintenance (checkpoints, sweeper) runs; 0 = never.
    maintenance_every_seconds: float = 5.0
    # How often an unknown signing key may trigger a refetch of the external JWKS.
    jwks_min_refetch_seconds: float = 30.0
    # Page sign-in through the external OIDC provider (only with `oidc_issuer`): this
    # service's client registration there, and the public base URL its redirect URI is
    # built on (`{base}/signin/oidc/callback`, registered with the provider). A client
    # secret makes it a confidential client (client_secret_basic); PKCE is used either way.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_base_url: str | None = None
    oidc_scope: str = "openid"
    log_level: str = "INFO"
    # JSON holiday overrides (core/calendar/workdays.py): years beyond the package's data.
    holiday_overrides_file: Path | None = None
    # Tests and demos only: the project clock starts at this instant (ISO 8601 with an offset)
    # and runs on from there. Unset, the clock is the wall clock; `serve` refuses it off loopback.
    clock_at: AwareDatetime | None = None
    # Notices delivered outside the app (1798号 §7): `spool` writes one .eml per message under
    # the data dir (mail-spool/, 0600); `smtp` hands them to a relay.
    notice_channel: Literal["spool", "smtp"] = "spool"
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "notices@credence.invalid"
    smtp_starttls: bool = True
    # Demos only: the demo people get mailboxes named by their place in the population.
    notice_demo_addresses: bool = False
    notice_demo_people: int = Field(default=50, ge=0, le=10_000)

    @model_validator(mode="after")
    def _smtp_named(self) -> Settings:
        # Refused at start-up, not at every tick: a relay without a host sends nothing.
        if self.notice_channel == "smtp" and not self.smtp_host:
            raise ValueError("CREDENCE_NOTICE_CHANNEL=smtp needs CREDENCE_SMTP_HOST")
        return self

    @model_validator(mode="after")
    def _quorum_reachable(self) -> Settings:
        keys = {w.vkey for w in self.witnesses}
        if self.witness_quorum > len(keys):
            raise ValueError(
                f"CREDENCE_WITNESS_QUORUM {self.witness_quorum} exceeds the "
                f"{len(keys)} witnesses configured"
            )
        return self

    def pkcs11_login(self) -> Pkcs11Login:
        """The HSM login from CREDENCE_PKCS11_*; KeyProviderError naming what is missing."""
        token = self.pkcs11_token
        if not token:
            raise KeyProviderError("CREDENCE_PKCS11_TOKEN must name the PKCS#11 token label")
        pin = self.pkcs11_pin.get_secret_value() if self.pkcs11_pin is not None else None
        pin_file = self.pkcs11_pin_file
        if pin and pin_file:
            raise KeyProviderError("set CREDENCE_PKCS11_PIN or CREDENCE_PKCS11_PIN_FILE, not both")
        if pin_file:
            pin = _read_pin(Path(pin_file))
        if not pin:
            raise KeyProviderError("CREDENCE_PKCS11_PIN or CREDENCE_PKCS11_PIN_FILE must be set")
        return Pkcs11Login(
            lib=self.pkcs11_lib or "/usr/lib/softhsm/libsofthsm2.so",
            token=token,
            pin=pin,
            label_prefix=self.pkcs11_label_prefix or "credence-master-",
        )

    @property
    def mail_spool_dir(self) -> Path:
        """The local mail spool of the embedded notice channel (personal data, like the DB)."""
        return self.data_dir / "mail-spool"

    @property
    def key_file(self) -> Path:
        """The local master key file under the data dir."""
        return self.data_dir / "master.key"

    @property
    def issuer_key_file(self) -> Path:
        """The embedded issuer's signing keys under the data dir."""
        return self.data_dir / "issuer-keys.json"

    @property
    def sqlite_path(self) -> Path:
        """The embedded SQLite database file."""
        return self.data_dir / "credence.db"

    def database(self) -> str:
        """The effective SQLAlchemy URL (the SQLite file unless overridden)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.sqlite_path}"


def _read_pin(path: Path) -> str:
    """The PIN in a private file, without its trailing newline."""
    try:
        raw = secret_files.read_private(path, max_bytes=_MAX_PIN_FILE_BYTES)
    except SecretFileError as exc:
        raise KeyProviderError(f"PKCS#11 PIN file {exc}") from None
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise KeyProviderError(f"PKCS#11 PIN file {path} is not UTF-8 text") from None
