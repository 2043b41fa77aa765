"""'Did you mean': words the index has never seen, corrected from its own vocabulary."""

from pathlib import Path

import pytest

from searchkit.indexer import index_paths
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


def test_words_only_removed_articles_held_are_neither_known_nor_proposed(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "live.txt").write_text("Núi lửa Kilimanjaro\n\nNúi lửa Kilimanjaro phun trào.", encoding="utf-8")
    gone = folder / "gone.txt"
    gone.write_text("Tin cũ\n\nNúi Kilimanjaru và hồ Titicaca.", encoding="utf-8")
    index_dir = tmp_path / "index"
    index_paths([folder], index_dir, workers=1)
    assert search(index_dir, "titicaka").did_you_mean == "titicaca"
    gone.unlink()
    assert index_paths([folder], index_dir, workers=1).removed == 1
    assert search(index_dir, "titicaka").did_you_mean is None  # no live article holds "titicaca"
    assert search(index_dir, "kilimanjaru").did_you_mean == "kilimanjaro"  # unknown now: corrected
