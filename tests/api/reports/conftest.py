"""The report tests' seed, as a fixture."""

from __future__ import annotations

import pytest

from tests.api.reports.seed import Seeded, seed


@pytest.fixture
def seeded(client, mint, app, runtime) -> Seeded:
    """Two citizens seeded through the API (tests.api.reports.seed)."""
    return seed(client, mint, app, runtime)
