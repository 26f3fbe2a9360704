"""The entry state machine: every status × event × objection flag, and the read-time view."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.entries.states import EVENTS, STATUSES, is_displayed, next_status, visible_state
from core.errors import Conflict, InvalidInput

# Written from the spec (§4, §5 and the issue), not imported, so a slip in the module's
# table shows up as a difference here.
SPEC_STATUSES = ["pending_notice", "displayed", "expired", "exited", "retained", "shredded"]
SPEC_EVENTS = [
    "notice_ended",
    "display_ended",
    "repaired",
    "withdrawn",
    "criteria_changed",
    "removed_by_black",
    "objection_upheld",
    "retained",
    "shredded",
    "corrected",
    "objection_opened",
    "objection_closed",
]
Key = tuple[str, str, bool]


def spec_table() -> dict[Key, tuple[str, bool]]:
    """(status, event, under objection) → (new status, new flag) for every allowed pair."""
    table: dict[Key, tuple[str, bool]] = {}

    def allow(
        event: str,
        sources: str,
        target: str | None = None,
        *,
        flags: tuple[bool, ...] = (False, True),
        flag_after: bool | None = None,
    ) -> None:
        for status in sources.split():
            for flag in flags:
                table[(status, event, flag)] = (
                    target or status,
                    flag if flag_after is None else flag_after,
                )

    # The objection holds an entry in its notice period.
    allow("notice_ended", "pending_notice", "displayed", flags=(False,))
    allow("display_ended", "displayed", "expired")
    allow("repaired", "displayed", "exited")
    for exit_event in ("withdrawn", "criteria_changed", "removed_by_black"):
        allow(exit_event, "pending_notice displayed", "exited")
    allow(
        "objection_upheld",
        "pending_notice displayed expired retained",
        "exited",
        flags=(True,),
        flag_after=False,
    )
    allow("retained", "expired exited", "retained")
    allow("shredded", "retained exited", "shredded")
    allow("corrected", "pending_notice displayed expired retained")
    allow(
        "objection_opened",
        "pending_notice displayed expired retained",
        flags=(False,),
        flag_after=True,
    )
    allow("objection_closed", " ".join(SPEC_STATUSES), flags=(True,), flag_after=False)
    return table


ALLOWED = spec_table()
EVERY_PAIR = list(product(SPEC_STATUSES, SPEC_EVENTS, (False, True)))
REFUSED = [key for key in EVERY_PAIR if key not in ALLOWED]


class TestVocabulary:
    def test_statuses_are_the_six_stored_ones(self):
        assert set(STATUSES) == set(SPEC_STATUSES)
        assert "under_objection" not in STATUSES

    def test_events_are_those_of_the_spec(self):
        assert set(EVENTS) == set(SPEC_EVENTS)

    def test_the_table_is_not_trivial(self):
        assert len(ALLOWED) == 47
        assert len(REFUSED) == len(EVERY_PAIR) - 47


class TestAllowedTransitions:
    @pytest.mark.parametrize(("status", "event", "flag"), sorted(ALLOWED))
    def test_gives_the_spec_result(self, status, event, flag):
        assert next_status(status, event, under_objection=flag) == ALLOWED[(status, event, flag)]


class TestIllegalTransitions:
    @pytest.mark.parametrize(("status", "event", "flag"), REFUSED)
    def test_is_a_conflict_naming_status_and_event(self, status, event, flag):
        with pytest.raises(Conflict) as err:
            next_status(status, event, under_objection=flag)
        assert err.value.rule == "illegal_transition"
        assert repr(status) in err.value.detail
        assert repr(event) in err.value.detail

    @pytest.mark.parametrize(
        ("status", "event"),
        [
            ("expired", "display_ended"),
            ("displayed", "notice_ended"),
            ("exited", "withdrawn"),
            ("retained", "retained"),
            ("shredded", "shredded"),
        ],
    )
    def test_repeating_an_event_is_refused(self, status, event):
        with pytest.raises(Conflict):
            next_status(status, event)

    def test_nothing_but_closing_an_objection_leaves_shredded(self):
        for event in SPEC_EVENTS:
            if event != "objection_closed":
                with pytest.raises(Conflict):
                    next_status("shredded", event)


class TestObjectionFlag:
    def test_the_flag_defaults_to_no_objection(self):
        assert next_status("displayed", "display_ended") == ("expired", False)

    def test_an_objection_holds_the_notice_until_closed(self):
        status, flag = next_status("pending_notice", "objection_opened")
        assert (status, flag) == ("pending_notice", True)
        with pytest.raises(Conflict):
            next_status(status, "notice_ended", under_objection=flag)
        status, flag = next_status(status, "objection_closed", under_objection=flag)
        assert next_status(status, "notice_ended", under_objection=flag) == ("displayed", False)

    def test_an_objection_cannot_be_opened_twice_or_closed_when_none_is_open(self):
        with pytest.raises(Conflict) as err:
            next_status("displayed", "objection_opened", under_objection=True)
        assert "under objection" in err.value.detail
        with pytest.raises(Conflict) as err:
            next_status("displayed", "objection_closed", under_objection=False)
        assert "no objection open" in err.value.detail

    def test_upholding_needs_an_open_objection_and_closes_it(self):
        with pytest.raises(Conflict):
            next_status("displayed", "objection_upheld", under_objection=False)
        assert next_status("displayed", "objection_upheld", under_objection=True) == (
            "exited",
            False,
        )

    def test_other_events_keep_the_mark(self):
        assert next_status("displayed", "display_ended", under_objection=True) == ("expired", True)
        assert next_status("displayed", "corrected", under_objection=True) == ("displayed", True)
        assert next_status("displayed", "withdrawn", under_objection=True) == ("exited", True)


class TestLifePaths:
    def walk(self, *events: str, status: str = "pending_notice") -> tuple[str, bool]:
        flag = False
        for event in events:
            status, flag = next_status(status, event, under_objection=flag)
        return status, flag

    def test_an_entry_that_runs_its_course(self):
        assert self.walk("notice_ended", "display_ended", "retained", "shredded") == (
            "shredded",
            False,
        )

    def test_an_erroneous_listing_is_shredded_after_its_exit(self):
        assert self.walk("objection_opened", "objection_upheld", "shredded") == ("shredded", False)

    def test_a_repaired_entry_is_retained_then_shredded(self):
        assert self.walk("notice_ended", "repaired", "retained", "shredded") == (
            "shredded",
            False,
        )

    def test_a_red_entry_removed_by_a_black_one(self):
        assert self.walk("removed_by_black", status="displayed") == ("exited", False)

    def test_repair_is_not_possible_before_display(self):
        with pytest.raises(Conflict):
            self.walk("repaired")


class TestUnknownNames:
    @pytest.mark.parametrize("event", ["expire", "NOTICE_ENDED", "", "under_objection"])
    def test_an_unknown_event_is_invalid(self, event):
        with pytest.raises(InvalidInput) as err:
            next_status("displayed", event)
        assert err.value.rule == "unknown_event"

    @pytest.mark.parametrize("status", ["active", "under_objection", "DISPLAYED", ""])
    def test_an_unknown_status_is_invalid(self, status):
        with pytest.raises(InvalidInput) as err:
            next_status(status, "corrected")
        assert err.value.rule == "unknown_status"

    def test_a_long_name_is_shortened(self):
        with pytest.raises(InvalidInput) as err:
            next_status("displayed", "x" * 500)
        assert len(err.value.detail) < 100


NOTICE_END = date(2026, 3, 9)
DISPLAY_END = date(2026, 9, 9)
ONE_DAY = timedelta(days=1)


def view(status: str, today: date, *, objection: bool = False, notice: date | None = NOTICE_END):
    return visible_state(
        status=status,
        notice_until=notice,
        display_until=DISPLAY_END,
        under_objection=objection,
        today=today,
    )


class TestDisplayEndAtReadTime:
    def test_the_day_before_the_end_is_displayed(self):
        assert view("displayed", DISPLAY_END - ONE_DAY) == "displayed"

    def test_on_the_end_day_it_is_expired(self):
        assert view("displayed", DISPLAY_END) == "expired"

    def test_the_day_after_it_is_expired(self):
        assert view("displayed", DISPLAY_END + ONE_DAY) == "expired"

    def test_an_objection_mark_does_not_extend_display(self):
        assert view("displayed", DISPLAY_END, objection=True) == "expired"
        assert view("displayed", DISPLAY_END - ONE_DAY, objection=True) == "displayed"


class TestNoticeEndAtReadTime:
    def test_the_day_before_the_notice_ends_it_is_pending(self):
        assert view("pending_notice", NOTICE_END - ONE_DAY) == "pending_notice"

    def test_when_the_notice_ends_it_is_displayed_without_the_sweeper(self):
        assert view("pending_notice", NOTICE_END) == "displayed"
        assert view("pending_notice", NOTICE_END + ONE_DAY) == "displayed"

    def test_an_objection_holds_it_pending(self):
        assert view("pending_notice", NOTICE_END, objection=True) == "pending_notice"
        assert view("pending_notice", DISPLAY_END + ONE_DAY, objection=True) == "pending_notice"

    def test_a_pending_entry_past_its_display_end_reads_expired(self):
        assert view("pending_notice", DISPLAY_END - ONE_DAY) == "displayed"
        assert view("pending_notice", DISPLAY_END) == "expired"

    def test_a_pending_entry_without_a_notice_end_stays_hidden(self):
        assert view("pending_notice", DISPLAY_END - ONE_DAY, notice=None) == "pending_notice"


class TestOtherStatusesAtReadTime:
    @pytest.mark.parametrize("status", ["expired", "exited", "retained", "shredded"])
    @pytest.mark.parametrize("today", [NOTICE_END - ONE_DAY, NOTICE_END, DISPLAY_END])
    def test_read_as_stored_whatever_the_dates(self, status, today):
        assert view(status, today) == status
        assert view(status, today, objection=True) == status

    def test_an_unknown_status_is_invalid(self):
        with pytest.raises(InvalidInput) as err:
            view("active", NOTICE_END)
        assert err.value.rule == "unknown_status"


class TestIsDisplayed:
    @given(
        status=st.sampled_from(SPEC_STATUSES),
        notice=st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31))),
        display_until=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
        objection=st.booleans(),
        today=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    )
    def test_agrees_with_the_view_and_never_shows_too_much(
        self, status, notice, display_until, objection, today
    ):
        args = {
            "status": status,
            "notice_until": notice,
            "display_until": display_until,
            "under_objection": objection,
            "today": today,
        }
        shown = is_displayed(**args)
        assert shown == (visible_state(**args) == "displayed")
        if shown:
            assert today < display_until
            assert status in ("pending_notice", "displayed")
            if status == "pending_notice":
                assert notice is not None
                assert today >= notice
                assert not objection
