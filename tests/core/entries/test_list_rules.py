"""The §5 list rules: notice periods, red/black exclusion, watch after exit, warning, validity."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.calendar.workdays import PACKAGE_YEARS, WorkCalendar
from core.entries.list_rules import (
    EXIT_REASONS,
    WARNING_DOMAINS,
    EntryFacts,
    black_notice_until,
    check_red_allowed,
    check_validity,
    escalates_to_black,
    on_warning_list,
    red_notice_until,
    reds_removed_by_black,
    watch_after_exit,
)
from core.errors import Conflict, InvalidInput

CALENDAR = WorkCalendar()


def make_facts(list_kind: str, domain: str = "tax", severity: str = "general") -> EntryFacts:
    return EntryFacts(id=uuid.uuid4(), list_kind=list_kind, domain=domain, severity=severity)


class TestBlackNoticeUntil:
    def test_a_person_is_noticed_for_five_working_days(self):
        # Working days Jan 26 (make-up Sunday), 27, Feb 5, 6, 7: the entry takes effect Feb 8.
        until = black_notice_until(
            recorded_on=date(2025, 1, 24), code_kind="citizen", calendar=CALENDAR
        )
        assert until == date(2025, 2, 8)

    def test_the_last_notice_day_is_a_full_day(self):
        until = black_notice_until(
            recorded_on=date(2025, 3, 3), code_kind="citizen", calendar=CALENDAR
        )
        # Mar 4, 5, 6, 7 and 10: the fifth working day is notice, the entry starts the day after.
        assert until == date(2025, 3, 11)
        last_notice_day = until - timedelta(days=1)
        assert CALENDAR.is_workday(last_notice_day)
        assert CALENDAR.working_days_between(date(2025, 3, 3), last_notice_day) == 5

    def test_the_period_is_a_setting(self):
        until = black_notice_until(
            recorded_on=date(2025, 9, 30), code_kind="citizen", calendar=CALENDAR, working_days=2
        )
        assert until == date(2025, 10, 11)

    def test_overrides_in_the_calendar_count(self):
        calendar = WorkCalendar({date(2025, 3, 4): False})
        until = black_notice_until(
            recorded_on=date(2025, 3, 3), code_kind="citizen", calendar=calendar, working_days=1
        )
        assert until == date(2025, 3, 6)

    def test_an_organisation_gets_no_prior_notice(self):
        assert (
            black_notice_until(recorded_on=date(2025, 1, 24), code_kind="org", calendar=CALENDAR)
            is None
        )

    @pytest.mark.parametrize("kind", ["person", "CITIZEN", ""])
    def test_an_unknown_code_kind_is_refused(self, kind):
        with pytest.raises(InvalidInput) as err:
            black_notice_until(recorded_on=date(2025, 1, 24), code_kind=kind, calendar=CALENDAR)
        assert err.value.rule == "unknown_code_kind"

    @pytest.mark.parametrize("n", [0, -1])
    def test_a_notice_of_no_working_days_is_refused(self, n):
        with pytest.raises(InvalidInput) as err:
            black_notice_until(
                recorded_on=date(2025, 1, 24),
                code_kind="citizen",
                calendar=CALENDAR,
                working_days=n,
            )
        assert err.value.rule == "notice_period"

    def test_a_notice_beyond_the_data_runs_on_the_provisional_calendar(self):
        last = PACKAGE_YEARS.stop - 1
        until = black_notice_until(
            recorded_on=date(last, 12, 30), code_kind="citizen", calendar=CALENDAR
        )
        assert until is not None
        assert until.year == last + 1
        assert CALENDAR.working_days_between(date(last, 12, 30), until - timedelta(1)) == 5


class TestRedNoticeUntil:
    def test_ten_calendar_days_by_default(self):
        # Days Mar 2–11 are the notice; the entry is listed from Mar 12.
        assert red_notice_until(recorded_on=date(2025, 3, 1)) == date(2025, 3, 12)

    def test_holidays_are_not_skipped(self):
        assert red_notice_until(recorded_on=date(2025, 9, 30), days=3) == date(2025, 10, 4)

    @pytest.mark.parametrize("days", [0, -5])
    def test_an_empty_notice_is_refused(self, days):
        with pytest.raises(InvalidInput) as err:
            red_notice_until(recorded_on=date(2025, 3, 1), days=days)
        assert err.value.rule == "notice_period"


class TestRedWhileBlack:
    def test_a_subject_on_a_black_list_cannot_enter_a_red_list(self):
        with pytest.raises(Conflict) as err:
            check_red_allowed(subject_has_active_black=True)
        assert err.value.rule == "red_while_black"

    def test_a_subject_without_a_black_entry_may(self):
        check_red_allowed(subject_has_active_black=False)


class TestRedsRemovedByBlack:
    def test_only_the_red_entries_are_removed_in_order(self):
        red_tax, black, red_food, watch = (
            make_facts("red"),
            make_facts("black"),
            make_facts("red", "food_drug"),
            make_facts("watch"),
        )
        assert reds_removed_by_black([red_tax, black, red_food, watch]) == [red_tax, red_food]

    def test_no_red_entries_removes_nothing(self):
        assert reds_removed_by_black([make_facts("black"), make_facts("watch")]) == []
        assert reds_removed_by_black([]) == []

    def test_takes_any_iterable(self):
        entries = [make_facts("red"), make_facts("black")]
        assert reds_removed_by_black(e for e in entries) == entries[:1]

    def test_facts_are_immutable(self):
        facts = make_facts("red")
        with pytest.raises(AttributeError):
            facts.list_kind = "black"  # type: ignore[misc]


class TestWatchAfterExit:
    @pytest.mark.parametrize("reason", sorted(EXIT_REASONS - {"objection_upheld"}))
    def test_every_exit_but_an_erroneous_listing_leads_to_watch(self, reason):
        until = watch_after_exit(exit_reason=reason, exited_on=date(2025, 1, 31), watch_months=6)
        assert until == date(2025, 7, 31)

    def test_the_end_is_clamped_to_the_month(self):
        until = watch_after_exit(
            exit_reason="repaired", exited_on=date(2025, 8, 31), watch_months=6
        )
        assert until == date(2026, 2, 28)

    def test_an_erroneous_listing_is_not_watched(self):
        assert (
            watch_after_exit(
                exit_reason="objection_upheld", exited_on=date(2025, 1, 31), watch_months=6
            )
            is None
        )

    def test_the_exit_reasons_are_the_five_of_the_spec(self):
        assert {
            "repaired",
            "expired",
            "withdrawn",
            "criteria_changed",
            "objection_upheld",
        } == EXIT_REASONS

    @pytest.mark.parametrize("reason", ["removed_by_black", "upheld", "REPAIRED", ""])
    def test_an_unknown_reason_is_refused(self, reason):
        with pytest.raises(InvalidInput) as err:
            watch_after_exit(exit_reason=reason, exited_on=date(2025, 1, 31), watch_months=6)
        assert err.value.rule == "unknown_exit_reason"

    @pytest.mark.parametrize("months", [0, -3])
    def test_an_empty_watch_period_is_refused(self, months):
        with pytest.raises(InvalidInput) as err:
            watch_after_exit(
                exit_reason="expired", exited_on=date(2025, 1, 31), watch_months=months
            )
        assert err.value.rule == "watch_period"


class TestWarningList:
    def test_the_threshold_is_three_domains(self):
        assert WARNING_DOMAINS == 3

    def test_three_distinct_domains_warn(self):
        assert on_warning_list(["traffic", "finance", "ecommerce"])

    def test_repeats_in_one_domain_do_not_count_twice(self):
        assert not on_warning_list(["tax", "tax", "tax", "finance"])

    def test_two_domains_or_none_do_not_warn(self):
        assert not on_warning_list(["tax", "finance"])
        assert not on_warning_list([])

    def test_takes_any_iterable(self):
        assert on_warning_list(d for d in ("tax", "finance", "traffic", "tax"))

    @given(st.lists(st.sampled_from(["tax", "finance", "traffic", "court", "labour"])))
    def test_warns_exactly_at_three_distinct(self, domains):
        assert on_warning_list(domains) == (len(set(domains)) >= 3)


class TestEscalationToBlack:
    @pytest.mark.parametrize(
        ("severity", "on_watch", "expected"),
        [
            ("serious", True, True),
            ("serious", False, False),
            ("general", True, False),
            ("minor", True, False),
            ("general", False, False),
        ],
    )
    def test_only_a_serious_violation_on_watch_escalates(self, severity, on_watch, expected):
        assert escalates_to_black(severity=severity, on_watch=on_watch) is expected

    @pytest.mark.parametrize("severity", ["grave", "SERIOUS", ""])
    def test_an_unknown_severity_is_refused(self, severity):
        with pytest.raises(InvalidInput) as err:
            escalates_to_black(severity=severity, on_watch=True)
        assert err.value.rule == "unknown_severity"


class TestValidity:
    DECIDED = date(2026, 3, 2)

    def test_a_normal_entry_passes(self):
        check_validity(
            decided_on=self.DECIDED, display_until=date(2027, 3, 2), valid_until=date(2028, 3, 2)
        )

    def test_validity_may_end_on_the_decision_day(self):
        check_validity(decided_on=self.DECIDED, display_until=None, valid_until=self.DECIDED)

    def test_validity_ending_before_the_decision_is_refused(self):
        with pytest.raises(InvalidInput) as err:
            check_validity(
                decided_on=self.DECIDED, display_until=None, valid_until=date(2026, 3, 1)
            )
        assert err.value.rule == "validity_before_decision"

    def test_display_may_end_with_validity(self):
        check_validity(
            decided_on=self.DECIDED, display_until=date(2027, 3, 2), valid_until=date(2027, 3, 2)
        )

    def test_display_outlasting_validity_is_refused(self):
        with pytest.raises(InvalidInput) as err:
            check_validity(
                decided_on=self.DECIDED,
                display_until=date(2027, 3, 3),
                valid_until=date(2027, 3, 2),
            )
        assert err.value.rule == "display_beyond_validity"
