"""'Did you mean': words the index has never seen, corrected from its own vocabulary."""

from pathlib import Path

import pytest

from searchkit.search import search


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("bão Yagj", "bão Yagi"),  # one edit, case kept
        ("BÃO YAGJ", "BÃO YAGI"),
        ("quagn ninh", "quang ninh"),  # swapped letters; "quan" is as near but never precedes "ninh"
        ("Quảgn Ninh", "Quảng Ninh"),  # typed with marks: corrected to a marked syllable
        ("bo cogn an", "bo cong an"),
        ("title:(Yagj)", "title:(Yagi)"),  # the query's syntax is kept
        ("booj coong an", "bộ công an"),  # Telex keys typed with the input method off
        ("thuyr ddieenj Hoaf Binhf", "thuỷ điện Hoà Bình"),
    ],
)
def test_unknown_words_are_corrected_from_the_index(corpus_index: Path, typed: str, suggested: str) -> None:
    assert search(corpus_index, typed).did_you_mean == suggested


@pytest.mark.parametrize("typed", ["bão Yagi", "xyzzy", "bão AND Yagi"])
def test_no_suggestion_when_every_word_is_known_or_nothing_is_near(corpus_index: Path, typed: str) -> None:
    assert search(corpus_index, typed).did_you_mean is None
