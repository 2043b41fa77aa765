"""Search over the seeds index: every way of typing finds the intended article first."""

import unicodedata
from pathlib import Path

import pytest

from searchkit.errors import IndexMissing, IndexProblem
from searchkit.normalize import fold
from searchkit.search import Searcher, get_article, search, stats

from .conftest import SEED_ENGINEERS, SEED_MEETING


@pytest.mark.parametrize(
    "query",
    [
        "Bộ Công an",
        "bộ công an",
        "BỘ CÔNG AN",
        "bo cong an",
        "Bo Cong An",
        unicodedata.normalize("NFD", "Bộ Công an"),
        "bộ công_an",
        '"bo cong an" date:2020-07',
        "Nghị định số 03/2019/NĐ-CP",
        "nghi dinh 03/2019/nd-cp",
        "1.584 tổ",
        "9586 can bo",
        "ANTT",
        "covid-19",
        "captions:Phan Văn Giang",
        "date:[2020-01 to 2020-12]",
    ],
)
def test_meeting_article_is_found_first(seeds_index: Path, query: str) -> None:
    results = search(seeds_index, query)
    assert results.hits, query
    assert results.hits[0].id == SEED_MEETING


@pytest.mark.parametrize(
    "query",
    [
        "Trần Trung Hòa",
        "Trần Trung Hoà",
        "tran trung hoa",
        "TRẦN TRUNG HÒA",
        "cong binh",
        "author:nguyen ngoc",
    ],
)
def test_engineers_article_is_found_first(seeds_index: Path, query: str) -> None:
    results = search(seeds_index, query)
    assert results.hits[0].id == SEED_ENGINEERS


def test_exact_diacritics_rank_above_folded_matches(seeds_index: Path) -> None:
    # "hoà" (Trần Trung Hòa) is in one seed; "hóa" (cụ thể hóa) folds to the same "hoa" in the other.
    results = search(seeds_index, "hoà")
    assert [hit.id for hit in results.hits] == [SEED_ENGINEERS, SEED_MEETING]
    assert results.hits[0].score > 2 * results.hits[1].score


def test_field_query_ranks_by_that_field_only(corpus_index: Path) -> None:
    # Sweden (Thụy Điển) is in one title; hydropower (thủy điện, the same letters folded)
    # is in another article's title, captions and body.  Adjacency elsewhere must not count.
    results = search(corpus_index, "title:(Thụy Điển)")
    assert [hit.id for hit in results.hits] == ["b49_xuat_khau_thuy_dien.txt", "b09_thuy_dien_hoa_binh.txt"]


@pytest.mark.parametrize("text", ["bảo hiểm NOT bão", "bảo hiểm -bão"])
def test_excluding_a_word_keeps_the_words_that_differ_from_it_only_in_marks(corpus_index: Path, text: str) -> None:
    # bảo (insurance) and bão (storm) fold to the same "bao": excluding the storm keeps insurance.
    assert search(corpus_index, text).hits[0].id == "b03_bao_hiem_xa_hoi_mot_lan.txt"


def test_excluding_a_phrase_removes_only_that_phrase(corpus_index: Path) -> None:
    ids = [hit.id for hit in search(corpus_index, 'thủy -"Thụy Điển"', limit=50).hits]
    assert "b09_thuy_dien_hoa_binh.txt" in ids
    assert "b49_xuat_khau_thuy_dien.txt" not in ids
    storms = [hit.id for hit in search(corpus_index, "bão -Yagi", limit=50).hits]
    assert storms and not {"b01_bao_so_3_quang_ninh.txt", "b45_huy_chuyen_bay_bao_yagi.txt"} & set(storms)


def test_when_no_article_has_every_word_the_articles_with_most_of_them_are_shown(corpus_index: Path) -> None:
    # No article says "hôm qua" (yesterday); the storm article has the other four words.
    results = search(corpus_index, "bão Yagi Quảng Ninh hôm qua")
    assert results.words_matched == (4, 6)
    assert results.hits[0].id == "b01_bao_so_3_quang_ninh.txt"
    assert results.total == len(results.hits) < 52
    assert search(corpus_index, "bão Yagi Quảng Ninh").words_matched is None


def test_relaxed_search_keeps_dates_and_explicit_operators(corpus_index: Path) -> None:
    dated = search(corpus_index, "bão xyzzy date:2019", limit=50)
    assert dated.words_matched == (1, 2)
    assert dated.hits and all((hit.date or "").startswith("2019") for hit in dated.hits)
    assert search(corpus_index, "bão AND xyzzy").total == 0
    by_date = search(corpus_index, "bão Yagi Quảng Ninh hôm qua", sort="date")
    assert by_date.words_matched == (4, 6)
    dates = [hit.date or "" for hit in by_date.hits]  # undated last
    assert dates == sorted(dates, reverse=True)


def test_articles_with_every_word_as_typed_rank_first(corpus_index: Path) -> None:
    # b09 has "Thủy" in its title and "thành" (not "Thanh") in its body; b43 is signed THANH THUỶ.
    hits = search(corpus_index, "Thanh Thủy").hits
    assert [hit.id for hit in hits[:2]] == ["b43_quoc_hoi_be_mac_ky_hop.txt", "b09_thuy_dien_hoa_binh.txt"]
    assert hits[0].score < hits[1].score  # the text score alone would put b09 first
    assert all(hit.score < 1000 for hit in hits)  # scores are shown without the lift


def test_without_marks_the_words_side_by_side_come_first_whatever_the_spelling(corpus_index: Path) -> None:
    hits = search(corpus_index, "thanh thuy").hits
    # b43 is signed THANH THUỶ: the words as typed, side by side, beat b09's higher text score.
    assert hits[0].id == "b43_quoc_hoi_be_mac_ky_hop.txt" and hits[0].score < max(hit.score for hit in hits)
    rest = [hit.score for hit in hits[1:]]
    assert rest == sorted(rest, reverse=True)


def test_snippet_marks_the_matched_words(seeds_index: Path) -> None:
    hit = search(seeds_index, "bo cong an").hits[0]
    marked = [text for text, matched in hit.snippet if matched]
    assert marked
    for text in marked:
        assert set(fold(text.lower()).split()) <= {"bo", "cong", "an"}
    assert "Bộ Công an" in hit.snippet_text


def test_hit_fields(seeds_index: Path) -> None:
    hit = search(seeds_index, "bo cong an").hits[0]
    assert hit.rank == 1
    assert hit.date == "2020-07-31"
    assert hit.path.endswith("seeds/" + SEED_MEETING)
    assert hit.title.startswith("Ngày 31/7, tại Hà Nội")


def test_paging_and_date_sort(seeds_index: Path) -> None:
    first = search(seeds_index, "hội nghị", limit=1, page=1)
    second = search(seeds_index, "hội nghị", limit=1, page=2)
    assert first.total == second.total == 2
    assert first.hits[0].id != second.hits[0].id
    assert second.hits[0].rank == 2
    by_date = search(seeds_index, "hội nghị", sort="date")
    assert by_date.hits[0].id == SEED_MEETING  # the dated article comes before the undated one


def test_get_article_and_stats(seeds_index: Path) -> None:
    stored = get_article(seeds_index, SEED_MEETING)
    assert stored.date == "2020-07-31"
    summary = stats(seeds_index)
    assert summary.articles == 2
    assert (summary.first_date, summary.last_date) == ("2020-07-31", "2020-07-31")
    assert summary.top_authors == [("NGUYỄN NGỌC", 1)]
    assert summary.size_bytes > 0


def test_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="no index at"):
        search(tmp_path / "nowhere", "bo cong an")


def test_damaged_index_is_reported_not_raised_raw(seeds_index: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(seeds_index, broken)
    for segment in broken.glob("*.seg"):
        segment.write_bytes(b"garbage")
    with pytest.raises(IndexProblem, match="damaged"):
        search(broken, "bo cong an")


def test_garbled_table_of_contents_is_reported_as_damage(seeds_index: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(seeds_index, broken)
    for toc in broken.glob("_MAIN_*.toc"):
        toc.write_bytes(bytes(range(256)))
    with pytest.raises(IndexProblem, match="damaged"):
        search(broken, "bo cong an")


def test_search_path_imports_neither_sklearn_nor_the_crf(seeds_index: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from searchkit.search import search; "
        f"hits = search(__import__('pathlib').Path({str(seeds_index)!r}), 'bo cong an').hits; "
        "print(hits[0].id); "
        "heavy = {'sklearn', 'scipy', 'pycrfsuite', 'pyvi'}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.splitlines() == [SEED_MEETING, "[]"]


def test_facets_count_every_match_per_month_and_author(seeds_index: Path) -> None:
    results = search(seeds_index, "hội nghị", limit=1, facets=True)
    assert len(results.hits) == 1
    dates_and_authors = {name: results.facets[name] for name in ("month", "year", "author")}
    assert dates_and_authors == {"month": {"2020-07": 1}, "year": {"2020": 1}, "author": {"NGUYỄN NGỌC": 1}}
    # Both seeds name the Ministry of Public Security: a multi-valued facet counts each article once per name.
    assert results.facets["org"]["Bộ Công An"] == 2
    assert results.facets["name"]["Phan Văn Giang"] == 1


def test_facets_are_merged_across_segments_only_when_a_search_asks_for_them(corpus_index: Path) -> None:
    """A plain search never pays for the facets' merged vocabularies (0.3 s at 100,000 articles)."""
    with Searcher(corpus_index) as searcher:
        plain = searcher.search("công an", limit=3)
        assert searcher.engine._facets == {}
        faceted = searcher.search("công an", limit=3, facets=True)
        assert set(searcher.engine._facets) >= {"month", "year", "author", "name", "place", "org"}
    assert [hit.id for hit in faceted.hits] == [hit.id for hit in plain.hits]
    assert 0 < sum(faceted.facets["year"].values()) <= faceted.total


def test_opening_a_searcher_does_not_copy_the_segments_into_memory(corpus_index: Path) -> None:
    """Whoosh's mmap path copied every segment file into a BytesIO: 1.3 GB per reader at 20,000 articles."""
    import tracemalloc

    Searcher(corpus_index).close()  # imports and schema caches, which are not what is measured
    segments = sum(p.stat().st_size for p in corpus_index.glob("*.seg"))
    tracemalloc.start()
    try:
        searcher = Searcher(corpus_index)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with searcher:
        assert searcher.search("bo cong an").hits
    # a copy would allocate the segments' size at least; opening itself allocates a fixed amount
    assert peak < segments / 2, f"opening allocated {peak} bytes for {segments} bytes of segments"
