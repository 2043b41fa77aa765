"""Date comparisons and open ranges, wildcards anywhere in a syllable, and their messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.backend.query import check_wildcards, parse_query, rewrite_dates
from searchkit.backend.storage import open_index
from searchkit.cli import cli
from searchkit.errors import QueryError
from searchkit.search import search

from .conftest import SEED_ENGINEERS, SEED_MEETING


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("date:>2023", "date:[2024 to]"),
        ("date:>=2023-06", "date:[2023-06 to]"),
        ("date:<2024", "date:[to 2023]"),
        ("date:<2024-06", "date:[to 2024-05]"),
        ("date:<=2020-07-31", "date:[to 2020-07-31]"),
        ("date:>2020-12-31", "date:[2021-01-01 to]"),
        ("date:[2023 TO *]", "date:[2023 to]"),
        ("date:[* TO 2020-06]", "date:[to 2020-06]"),
        ("date:[2020-01 To 2020-06]", "date:[2020-01 to 2020-06]"),
        ("date:[2021 to 2020]", "date:[2020 to 2021]"),  # typed backwards: read forwards
        ('bao "date:>2023"', 'bao "date:>2023"'),  # a phrase is left alone
    ],
)
def test_date_syntax_is_read_as_a_range(typed: str, read_as: str) -> None:
    assert rewrite_dates(typed) == read_as


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("date:>2019", 1),
        ("date:>=2020-07", 1),
        ("date:<2020-07", 0),
        ("date:<2021", 1),
        ("date:[2020 TO *]", 1),
        ("date:[* to 2020-06]", 0),
        ("date:[2021 to 2020]", 1),
        ("bo cong an date:[2020-07-31 TO 2020-07-31]", 1),
    ],
)
def test_date_syntax_finds_the_dated_seed(seeds_index: Path, query: str, found: int) -> None:
    results = search(seeds_index, query)
    assert results.total == found
    assert [h.id for h in results.hits] == [SEED_MEETING] * found


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date:[2020 to", "the date range 'date:[2020 to' is not closed: a date range is date:[FROM TO TO]"),
        ("date:[2020 2021]", "cannot read the date range 'date:[2020 2021]': a date range is date:[FROM TO TO]"),
        ("date:>20x", "bad date '20x' in query: write dates as YYYY, YYYY-MM or YYYY-MM-DD"),
        ("date:2020-13", "bad date '2020-13' in query: it is not on the calendar"),
        ("date:>9999", "no date after 9999 to search for"),
    ],
)
def test_bad_dates_are_explained_in_the_users_terms(query: str, message: str) -> None:
    from searchkit.backend.storage import build_schema

    with pytest.raises(QueryError) as raised:
        parse_query(query, build_schema())
    assert str(raised.value).startswith(message)
    assert "invalid literal" not in str(raised.value)


def test_a_bad_range_through_the_cli_is_one_line(seeds_index: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "date:[2020 to", "--index", str(seeds_index)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "is not closed" in result.output


@pytest.mark.parametrize("pattern", ["c*ng", "*ong", "?ong", "con*", "c?ng", "*ông", "công*", "C*NG"])
def test_wildcards_anywhere_in_a_syllable_find_cong(seeds_index: Path, pattern: str) -> None:
    results = search(seeds_index, pattern)
    assert {h.id for h in results.hits} == {SEED_MEETING, SEED_ENGINEERS}
    assert results.did_you_mean is None


def test_a_wildcard_typed_with_marks_matches_exact_forms_only(seeds_index: Path) -> None:
    assert search(seeds_index, "c*ng").total == 2
    assert search(seeds_index, "ph*ng").total == 2  # phòng, phương…
    assert search(seeds_index, "phừ*").total == 0  # no such exact syllable


def test_a_wildcard_word_is_never_corrected(seeds_index: Path) -> None:
    results = search(seeds_index, "xqz*ong")
    assert results.total == 0 and results.did_you_mean is None


def test_a_pattern_over_too_many_words_is_refused_in_one_line(
    seeds_index: Path, corpus_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchkit.backend.storage import build_schema

    q = parse_query("c*", build_schema())
    with open_index(seeds_index).reader() as reader:
        check_wildcards(q, reader, limit=1000)
        with pytest.raises(QueryError, match=r"^pattern 'c\*' matches too many words \(\d+\); make it longer$"):
            check_wildcards(q, reader, limit=5)
    monkeypatch.setattr("searchkit.backend.query.MAX_WILDCARD_TERMS", 100)  # the fixture corpus has some 1,000 words
    result = CliRunner().invoke(cli, ["search", "bo *n*", "--index", str(corpus_index)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: pattern '*n*' matches too many words (") and result.output.count("\n") == 1
    assert CliRunner().invoke(cli, ["search", "bo c*ng", "--index", str(corpus_index)]).exit_code == 0


def test_a_pattern_without_letters_is_ignored_like_punctuation(seeds_index: Path) -> None:
    assert search(seeds_index, "bo cong an *").total == search(seeds_index, "bo cong an").total == 2
