"""A witness's configuration: its cosigner name and the logs it witnesses (origin + vkey).

Invariants: the file `witness.json` in the witness's data dir is JSON
{"version": 1, "name": ..., "logs": [{"origin": ..., "vkey": ...}]}; every vkey parses as
an Ed25519 signed-note key, and an origin appears once. It is replaced atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from crypto import secret_files
from crypto.checkpoint import Checkpoint, CheckpointError, VerifierKey, parse_verifier_key
from crypto.cosigner import Cosigner

CONFIG_FILE = "witness.json"
KEY_FILE = "witness-key.json"
STATE_FILE = "witness-state.json"
_VERSION = 1


class WitnessConfigError(Exception):
    """The witness's configuration is missing or malformed; the message says which part."""


@dataclass(frozen=True)
class WitnessConfig:
    """The cosigner name and, per log origin, the key its checkpoints must be signed with."""

    name: str
    logs: dict[str, VerifierKey] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The config file's content."""
        logs = [{"origin": o, "vkey": str(k)} for o, k in sorted(self.logs.items())]
        data = {"version": _VERSION, "name": self.name, "logs": logs}
        return json.dumps(data, indent=1).encode("utf-8")


def load_config(data_dir: Path) -> WitnessConfig:
    """The config in a witness data dir."""
    path = data_dir / CONFIG_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
        if data["version"] != _VERSION:
            raise ValueError("version")
        logs: dict[str, VerifierKey] = {}
        for item in data["logs"]:
            origin = str(item["origin"])
            Checkpoint(origin=origin, size=0, root=bytes(32))  # a valid origin line
            if origin in logs:
                raise ValueError("duplicate origin")
            logs[origin] = parse_verifier_key(str(item["vkey"]))
        return WitnessConfig(name=str(data["name"]), logs=logs)
    except FileNotFoundError:
        raise WitnessConfigError(f"{path} is missing: run `credence witness init`") from None
    except (ValueError, TypeError, KeyError, CheckpointError) as exc:
        raise WitnessConfigError(f"{path} is malformed ({type(exc).__name__})") from None


def init_witness(data_dir: Path, *, name: str) -> Cosigner:
    """Create the witness's key and an empty config (both kept if present); its cosigner."""
    cosigner = Cosigner.load_or_create(data_dir / KEY_FILE, name=name)
    path = data_dir / CONFIG_FILE
    if not path.exists():
        secret_files.create_private(path, WitnessConfig(name=name).to_json())
    elif load_config(data_dir).name != name:
        raise WitnessConfigError(f"{path} is for another witness name")
    return cosigner


def add_log(data_dir: Path, *, origin: str, vkey: str) -> WitnessConfig:
    """Add (or re-key) a log the witness cosigns for."""
    try:
        key = parse_verifier_key(vkey)
        Checkpoint(origin=origin, size=0, root=bytes(32))
    except CheckpointError as exc:
        raise WitnessConfigError(str(exc)) from None
    with secret_files.directory_lock(data_dir):
        config = load_config(data_dir)
        logs = {**config.logs, origin: key}
        updated = WitnessConfig(name=config.name, logs=logs)
        secret_files.replace_private(data_dir / CONFIG_FILE, updated.to_json())
    return updated
