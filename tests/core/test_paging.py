"""Pages and cursors: one opaque cursor style, refused exactly when it is not ours."""

from __future__ import annotations

import re

import pytest

from core import paging
from core.errors import InvalidInput


class TestCursors:
    def test_a_cursor_reads_back_its_position_and_holds_letters_only(self):
        cursor = paging.write_cursor("queries", "1234567", "", "0f" * 16)
        assert re.fullmatch(r"[a-p]+", cursor)
        shapes = (paging.COUNT, paging.INSTANT, paging.UUID_HEX)
        assert paging.read_cursor(cursor, scope="queries", shapes=shapes) == (
            "1234567",
            "",
            "0f" * 16,
        )

    @pytest.mark.parametrize(
        "cursor",
        [
            "",
            "x",
            "abc",  # an odd number of letters
            "q" * 10,
            "a" * 300,  # past the length cap
            paging.write_cursor("objections", "5"),  # another listing's
            paging.write_cursor("queries", "5", "6"),  # another shape
            paging.write_cursor("queries", "05"),
            paging.write_cursor("queries", "1" * 19),  # past what a 64-bit column holds
            "ab" * 10,  # not text once decoded
        ],
    )
    def test_anything_else_is_a_bad_cursor(self, cursor):
        with pytest.raises(InvalidInput) as refused:
            paging.read_cursor(cursor, scope="queries", shapes=(paging.COUNT,))
        assert refused.value.rule == "bad_cursor"

    def test_an_older_version_is_refused(self):
        text = b"p0|queries|5".hex().translate(
            str.maketrans("0123456789abcdef", "abcdefghijklmnop")
        )
        with pytest.raises(InvalidInput):
            paging.read_cursor(text, scope="queries", shapes=(paging.COUNT,))

    def test_a_part_may_not_hold_the_separator(self):
        with pytest.raises(ValueError, match="separator"):
            paging.write_cursor("queries", "a|b")


class TestPagesByCount:
    def test_every_item_once_across_pages_and_no_cursor_on_the_last(self):
        items = list(range(7))
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            page = paging.sliced(items, scope="things", cursor=cursor, limit=3)
            seen += page.items
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == items
        assert pages == 3

    def test_a_full_last_page_has_no_cursor(self):
        page = paging.sliced([1, 2, 3], scope="things", cursor=None, limit=3)
        assert (page.items, page.next_cursor) == ([1, 2, 3], None)

    @pytest.mark.parametrize("limit", [0, paging.PAGE_MAX + 1])
    def test_a_page_size_out_of_bounds_is_refused(self, limit):
        with pytest.raises(InvalidInput):
            paging.sliced([1], scope="things", cursor=None, limit=limit)


class TestPagesByIndex:
    def test_resumes_before_the_last_index_served(self):
        log = list(range(10, 0, -1))

        def fetch(before, count):
            return [i for i in log if before is None or i < before][:count]

        first = paging.by_index(fetch, index_of=int, scope="things", cursor=None, limit=4)
        assert first.items == [10, 9, 8, 7]
        second = paging.by_index(
            fetch, index_of=int, scope="things", cursor=first.next_cursor, limit=4
        )
        assert second.items == [6, 5, 4, 3]
        last = paging.by_index(
            fetch, index_of=int, scope="things", cursor=second.next_cursor, limit=4
        )
        assert (last.items, last.next_cursor) == ([2, 1], None)
