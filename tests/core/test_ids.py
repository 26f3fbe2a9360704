"""Time-ordered ids keep the order they were made in, even within one millisecond."""

from __future__ import annotations

from core.ids import ordered_id


class TestOrderedId:
    def test_strictly_increasing_and_version_7(self) -> None:
        ids = [ordered_id() for _ in range(5000)]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        assert {i.version for i in ids} == {7}
        assert {i.variant for i in ids} == {"specified in RFC 4122"}
