"""The largest integer a request may name: what a signed 64-bit database column holds."""

from __future__ import annotations

from typing import Final

# PostgreSQL's BIGINT and SQLite's INTEGER are signed 64-bit: a larger bound parameter is
# an overflow inside the driver (a 500), so requests are refused before they get there.
DB_INT_MAX: Final = 2**63 - 1
