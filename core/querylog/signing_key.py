"""Where the service keeps the log's signing key, and its faults as `KeysUnavailable`."""

from __future__ import annotations

from pathlib import Path

from core.errors import KeysUnavailable
from crypto.log_signer import LogKeyFileError, LogSigner

KEY_FILE_NAME = "query-log-key.json"


class LogKeyError(KeysUnavailable):
    """The log signing key file is missing, malformed, or readable by others."""


def signer_for_data_dir(data_dir: Path, *, origin: str, name: str) -> LogSigner:
    """The signer kept under the service's data directory, generated there on first use."""
    try:
        return LogSigner.load_or_create(data_dir / KEY_FILE_NAME, origin=origin, name=name)
    except LogKeyFileError as exc:
        # The message names the file and the rule, never its content.
        raise LogKeyError(str(exc)) from None
