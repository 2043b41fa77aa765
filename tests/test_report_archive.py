"""The report with --all as a site: every article reachable by links, pages numbered, facets over all matches."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urldefrag

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from searchkit.api import Index
from searchkit.cli import cli
from searchkit.report import page_name

from .report_corpus import PER_PAGE, build_index, report_args


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_index(tmp_path_factory.mktemp("archive"))


@pytest.fixture(scope="module")
def site(index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    result = CliRunner().invoke(cli, report_args(index, out))
    assert result.exit_code == 0, result.output
    return out


def crawl(site: Path) -> set[Path]:
    """Every page reached from index.html by following relative links."""
    seen: set[Path] = set()
    todo = [site / "index.html"]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        for link in _soup(page).find_all("a", href=True):
            target, _ = urldefrag(link["href"])
            if target and "://" not in target and target.endswith(".html"):
                resolved = (page.parent / target).resolve()
                assert resolved.is_file(), (page, link["href"])
                todo.append(resolved)
    return seen


def test_every_article_page_is_reachable_from_the_index_page(site: Path, index: Path) -> None:
    reached = crawl(site)
    with Index(index) as ix:
        expected = {(site / page_name(article.id)).resolve() for article in ix.articles()}
    assert len(expected) == 32
    assert expected <= reached
    assert {p for p in (site / "articles").iterdir()} <= reached
    assert {p.resolve() for p in site.rglob("*.html")} == reached  # no orphan page either


def test_month_pages_are_numbered_with_next_and_previous(site: Path) -> None:
    names = sorted(p.name for p in (site / "archive").glob("2020-07*.html"))
    assert names == ["2020-07-p2.html", "2020-07-p3.html", "2020-07.html"]
    second = _soup(site / "archive" / "2020-07-p2.html")
    assert second.h1.get_text(" ", strip=True) == "Lưu trữ 2020-07 (trang 2 / 3)"
    pager = second.find("nav", class_="pager")
    assert [(a["rel"][0], a["href"]) for a in pager.find_all("a")] == [
        ("prev", "2020-07.html"),
        ("next", "2020-07-p3.html"),
    ]
    assert "trang 2 / 3" in pager.get_text()
    assert second.find("ol", class_="hits")["start"] == str(PER_PAGE + 1)
    assert len(second.select("li.hit")) == PER_PAGE
    last = _soup(site / "archive" / "2020-07-p3.html")
    assert [a["rel"][0] for a in last.find("nav", class_="pager").find_all("a")] == ["prev"]


def test_undated_articles_are_paginated_too(site: Path) -> None:
    pages = sorted(p.name for p in (site / "archive").glob("undated*.html"))
    assert pages == ["undated-p2.html", "undated-p3.html", "undated.html"]
    counts = [
        len(_soup(site / "archive" / name).select("li.hit"))
        for name in ("undated.html", "undated-p2.html", "undated-p3.html")
    ]
    assert counts == [3, 3, 2]


def test_articles_come_before_the_month_navigation(site: Path) -> None:
    page = _soup(site / "archive" / "2020-06.html")
    links = page.find("main").find_all("a")
    first_hit = next(i for i, a in enumerate(links) if a.find_parent("li", class_="hit"))
    assert first_hit <= 3  # only the breadcrumbs come first
    nav = page.find("nav", class_="months-nav")
    assert [a.get_text() for a in nav.find_all("a")] == ["← 2020-07", "Các tháng năm 2020", "2019-12 →"]


def test_an_article_links_back_to_the_archive_page_that_lists_it(site: Path) -> None:
    for name in ("2020-07-p2.html", "2020-07-p3.html"):
        for link in _soup(site / "archive" / name).select("li.hit h3 a"):
            back = [a["href"] for a in _soup((site / "archive" / link["href"]).resolve()).select("nav.back a")]
            assert f"../archive/{name}" in back
    back = _soup(site / page_name("adjacent")).select("nav.back a")  # on the last page, in no query's hits
    assert [(a["href"], a.get_text()) for a in back] == [("../archive/2020-07-p3.html", "← Lưu trữ 2020-07, trang 3")]


def test_a_query_hit_links_back_to_its_results_and_its_archive_page(site: Path) -> None:
    first = _soup(site / "index.html").select_one("section#q1 li.hit h3 a")["href"]
    back = [a["href"] for a in _soup(site / first).select("nav.back a")]
    assert back[0] == "../index.html#q1" and back[1].startswith("../archive/")


def test_facets_count_every_match_not_only_the_hits_shown(site: Path) -> None:
    section = _soup(site / "index.html").find("section", id="q1")
    assert section.h2.get_text() == "“ban tin”: 16 bài, hiển thị 3"
    months = {a["data-value"]: a.get_text() for a in section.select("a.facet[data-facet=month]")}
    assert months == {
        "2020-07": "2020-07 (7)",
        "2020-06": "2020-06 (1)",
        "2019-11": "2019-11 (4)",
        "undated": "không rõ ngày (4)",
    }
    authors = [a.get_text() for a in section.select("a.facet[data-facet=author]")]
    assert authors == ["Lan Anh (8)", "Minh Đức (8)"]
    # The top hits of each facet value are in the page, hidden until the facet is chosen: November's
    # own three at least, and any other November match that is a top hit of a place or name shown.
    november = section.select("li.hit[data-month='2019-11']")
    assert 3 <= len(november) <= 4 and all(li.has_attr("hidden") for li in november)
    assert len([li for li in section.select("li.hit") if not li.has_attr("hidden")]) == 3


def test_copies_are_folded_under_the_best_ranked_hit_and_reachable(site: Path) -> None:
    index_page = site / "index.html"
    section = _soup(index_page).find("section", id="q2")
    assert section.h2.get_text() == "“lu quet”: 5 bài, 3 tin"
    assert "(5 bài, 3 tin)" in _soup(index_page).select_one("a[href='#q2']").get_text()
    hits = section.select("li.hit:not([data-extra])")
    assert len(hits) == 3
    copies = hits[0].select("details.copies a")
    assert hits[0].select_one("details.copies summary").get_text() == "+2 bài tương tự"
    titles = {a.get_text() for a in hits[0].select("details.copies a")} | {hits[0].h3.get_text()}
    assert titles == {
        "Lũ quét ở Lào Cai cuốn trôi nhà dân",
        "Lào Cai: sơ tán hơn hai trăm hộ vì lũ quét",
        "Lũ quét tại Bát Xát",
    }
    for link in copies:  # each copy has its page, which links back to these results
        page = site / link["href"]
        assert page.is_file()
        assert "../index.html#q2" in [a["href"] for a in _soup(page).select("nav.back a")]


def test_an_article_page_lists_related_articles_but_not_its_copies(site: Path) -> None:
    page = site / page_name("flood-original")
    related = _soup(page).select_one("nav.related")
    assert related.h2.get_text() == "Bài liên quan"
    links = related.select("a")
    assert 1 <= len(links) <= 5
    titles = [a.get_text() for a in links]
    assert set(titles[:2]) == {"Yên Bái khắc phục hậu quả lũ quét", "Lai Châu đề phòng lũ quét và sạt lở"}
    assert not {"Lào Cai: sơ tán hơn hai trăm hộ vì lũ quét", "Lũ quét tại Bát Xát"} & set(titles)
    assert all((page.parent / a["href"]).resolve().is_file() for a in links)


def test_related_articles_are_only_those_with_pages(index: Path, tmp_path: Path) -> None:
    """Without --all only the hits have pages: related links stay among them, never a missing page."""
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["report", "lu quet", "-o", str(out), "--index", str(index)]).exit_code == 0
    pages = {p.resolve() for p in (out / "articles").iterdir()}
    assert len(pages) == 5
    for page in pages:
        for link in _soup(page).select("nav.related a"):
            assert (page.parent / link["href"]).resolve() in pages
