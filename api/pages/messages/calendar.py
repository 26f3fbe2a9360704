"""Page messages (zh, en) for deadlines counted on the provisional holiday calendar.

Every key starts with `calendar.`, so this area cannot collide with another's.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # (zh, en)
    "calendar.provisional": ("暂定", "provisional"),
    "calendar.provisional_note": (
        "按暂定日历计算：该年度国务院放假安排尚未公布，按法定节假日（含周末补假）推算，"
        "未计调休。安排公布后重新计算；给您的期限不会早于此日期。",
        "Counted on the provisional calendar: the State Council has not published this "
        "year's holiday schedule, so the statutory holidays (with weekend make-up days) are "
        "used and no shifted working weekends. It is counted again once the schedule is "
        "published; a period given to you never ends before this date.",
    ),
}
