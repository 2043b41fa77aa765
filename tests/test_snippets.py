"""Highlights show why an article matched: the spellings asked for, side by side words as one span."""

from __future__ import annotations

import pytest

from searchkit.backend.query import parse
from searchkit.backend.storage import build_schema
from searchkit.snippets import SNIPPET_MAX_CHARS, highlight_whole, snippet

SCHEMA = build_schema()
TEXT = "Bộ Công an và Bộ Quốc phòng họp. Án phạt được công bố. CÔNG AN huyện giữ an toàn, hòa bình và hoà giải."


def marked(query: str, text: str = TEXT) -> list[str]:
    return [piece for piece, is_marked in highlight_whole(text, parse(query, SCHEMA).marks("body")) if is_marked]


def test_without_marks_every_spelling_is_marked_and_adjacent_words_are_one_span() -> None:
    assert marked("bo cong an") == ["Bộ Công an", "Bộ", "Án", "công bố", "CÔNG AN", "an"]


def test_with_marks_look_alikes_stay_plain_where_the_typed_spelling_is_there() -> None:
    assert marked("Bộ Công an") == ["Bộ Công an", "Bộ", "công", "CÔNG AN", "an"]  # not "Án"
    assert marked("án") == ["Án"]


def test_with_marks_a_look_alike_is_marked_when_the_typed_spelling_is_absent() -> None:
    assert marked("bão", "Cơn bao số 3 đổ bộ.") == ["bao"]


@pytest.mark.parametrize("query", ["hòa", "hoà"])
def test_both_tone_placements_are_the_same_spelling(query: str) -> None:
    assert marked(query) == ["hòa", "hoà"]


def test_excluded_words_are_not_marked() -> None:
    assert "họp" not in marked("an -họp")


def test_snippet_prefers_the_longest_run_and_skips_the_title_repeated_in_the_body() -> None:
    title = "Công an huyện họp bàn về an toàn giao thông"
    body = title + ". " + "Nội dung khác. " * 30 + "Hội nghị nói về an toàn giao thông đường bộ mùa mưa."
    segments = snippet(body, parse("an toàn giao thông", SCHEMA).marks("body"), skip_prefix=title)
    text = "".join(piece for piece, _ in segments)
    assert "an toàn giao thông đường bộ" in text and not text.startswith(title[:20])
    assert ("an toàn giao thông", True) in segments
    assert all(len(part) <= SNIPPET_MAX_CHARS for part in text.split(" … "))
