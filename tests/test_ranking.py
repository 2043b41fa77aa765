"""Ranking as the user typed it: the article holding the words side by side, in order, comes first."""

from __future__ import annotations

import unicodedata

import pytest

from searchkit import Index

PHRASE_ARTICLE = (
    "Bộ Tư pháp họp bàn kế hoạch\n\n"
    "Hội nghị thống nhất tiếp tục hệ thống hóa pháp luật trong năm tới, theo kế hoạch của Bộ."
)
#: Longer articles holding the same words apart, more often, and in their titles.
SCATTERED = [
    "Hệ thống điện và pháp luật về hóa chất\n\n"
    + "Hệ thống điện miền Bắc được nâng cấp. Pháp luật về hóa chất được sửa đổi. " * 6
    + "Luật sư nói hệ thống quy định còn chồng chéo, hóa đơn điện tăng, pháp lý chưa rõ.",
    "Pháp luật và hệ thống giáo dục\n\n"
    + "Ngành giáo dục rà soát hệ thống trường lớp. Pháp luật về giáo dục có hiệu lực. " * 6
    + "Học sinh học môn hóa, thầy cô nhắc đến pháp luật và hệ thống thi cử.",
    "Hóa chất, hệ thống xử lý và pháp luật môi trường\n\n"
    + "Nhà máy xả hóa chất ra sông. Hệ thống xử lý nước thải không đạt chuẩn. Pháp luật xử phạt. " * 6
    + "Cơ quan quản lý cho biết pháp luật về môi trường cần hệ thống giám sát hóa chất.",
]


@pytest.fixture(scope="module")
def ranking_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("ranking")
    folder = root / "news"
    folder.mkdir()
    (folder / "phrase.txt").write_text(PHRASE_ARTICLE, encoding="utf-8")
    for number, text in enumerate(SCATTERED):
        (folder / f"scattered-{number}.txt").write_text(text, encoding="utf-8")
    index = Index(root / "index")
    index.add([folder], workers=1)
    yield index
    index.close()


@pytest.mark.parametrize(
    "query",
    [
        "hệ thống hóa pháp luật",  # as written
        "hệ thống hóa pháp luật".upper(),
        "he thong hoa phap luat",  # no diacritics
        unicodedata.normalize("NFD", "hệ thống hóa pháp luật"),
        "hệ thống hoá pháp luật",  # the other tone placement
        "hệ_thống hóa pháp_luật",  # joined as segmenters print words
    ],
)
def test_the_phrase_beats_the_same_words_scattered_in_longer_articles(ranking_index: Index, query: str) -> None:
    results = ranking_index.search(query)
    assert results.total == 4
    assert results.hits[0].id == "phrase.txt"
    assert results.hits[0].score < max(hit.score for hit in results.hits)  # by adjacency, not by score


def test_a_longer_run_in_order_beats_a_shorter_one(ranking_index: Index) -> None:
    # "hệ thống" and "pháp luật" stand side by side in every article; only one has the three-word run.
    results = ranking_index.search("hệ thống hóa")
    assert results.hits[0].id == "phrase.txt"


def test_words_in_another_order_are_not_the_phrase(ranking_index: Index) -> None:
    # Every article has "pháp luật" and "hệ thống" side by side, none the words in this order: the score decides.
    reordered = ranking_index.search("pháp luật hóa hệ thống")
    assert reordered.total == 4
    scores = [hit.score for hit in reordered.hits]
    assert scores == sorted(scores, reverse=True)
