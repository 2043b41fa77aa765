"""The public Python API: ``from searchkit import Index``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import searchkit
from searchkit import Index
from searchkit.errors import ArticleNotFound, QueryError
from tests.conftest import SEED_ENGINEERS, SEED_MEETING, SEEDS


def test_index_searches_gets_and_counts_from_a_str_path(seeds_index: Path) -> None:
    with Index(str(seeds_index)) as index:
        results = index.search("bo cong an", limit=1)
        assert isinstance(results, searchkit.SearchResults)
        assert results.total == 2 and [hit.id for hit in results.hits] == [SEED_MEETING]
        assert index.search("bo cong an", limit=1, page=2).hits[0].id == SEED_ENGINEERS
        article = index.get(SEED_MEETING)
        assert isinstance(article, searchkit.StoredArticle)
        assert article.date == "2020-07-31" and "Bộ Công an" in article.body
        assert index.stats().articles == 2
        assert {a.id for a in index.articles()} == {SEED_MEETING, SEED_ENGINEERS}


def test_get_takes_the_path_search_prints(seeds_index: Path) -> None:
    with Index(seeds_index) as index:
        path = index.search("bo cong an", limit=1).hits[0].path
        assert index.get(path).id == SEED_MEETING
        with pytest.raises(ArticleNotFound):
            index.get("seeds/no-such-file.txt")


def test_add_updates_what_the_next_search_sees(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    index = Index(tmp_path / "index")
    assert index.add([folder], workers=1).added == 2
    assert index.search("bo cong an").total == 2
    (folder / "new.txt").write_text("Đà Nẵng đón khách\n\nBộ Công an làm việc tại Đà Nẵng.", encoding="utf-8")
    assert index.add([folder], workers=1).added == 1
    assert index.search("bo cong an").total == 3
    index.close()


def test_a_bad_sort_is_a_query_error(seeds_index: Path) -> None:
    with Index(seeds_index) as index, pytest.raises(QueryError, match="unknown sort"):
        index.search("bo cong an", sort="size")


def test_an_index_with_no_article_yet_is_searched_and_counted(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "empty.txt").write_text("\n", encoding="utf-8")
    with Index(tmp_path / "index") as index:
        index.add([folder], workers=1)
        assert index.search("bo cong an").total == 0
        assert index.stats().articles == 0
