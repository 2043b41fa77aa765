"""The static report: pages, highlights, links, escaping, atomic replacement, errors."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from searchkit import findindex
from searchkit.cli import cli
from searchkit.findindex import ARTICLE_CHUNK, DIGITS, FindIndex, encode
from searchkit.indexer import index_paths
from searchkit.normalize import fold
from searchkit.report import MARKER, ReportTargetTaken, facet_label, page_name, safe_link, write_report
from searchkit.search import Searcher

from .conftest import SEED_ENGINEERS, SEED_MEETING, SEEDS


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def report(seeds_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "site"
    result = CliRunner().invoke(cli, ["report", "bo cong an", "công binh", "-o", str(out), "--index", str(seeds_index)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote 3 pages to ")
    return out


def test_index_page_lists_the_hits_of_each_query_with_highlights(report: Path) -> None:
    page = _soup(report / "index.html")
    assert page.html["lang"] == "vi"
    assert page.find("meta", attrs={"charset": "utf-8"})
    first, second = page.find_all("section", class_="query")
    assert first.h2.get_text() == "“bo cong an”: 2 bài"
    titles = [a.get_text() for a in first.select("li.hit h3 a")]
    assert titles[0].startswith("Ngày 31/7, tại Hà Nội")
    marks = {mark.get_text() for mark in first.select("li.hit .snippet mark")}
    assert "Bộ Công an" in marks  # typed without diacritics, marked as written
    assert second.select_one("li.hit h3 a").get_text().startswith("Thiếu tướng Trần Trung Hòa")
    assert {"Công binh"} <= {mark.get_text() for mark in second.select("mark")}


def test_a_query_no_article_fully_matches_says_so(seeds_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_report(seeds_index, ["bo cong an xyzzy"], out)
    section = _soup(out / "index.html").find("section", class_="query")
    assert section.find("p", class_="partial").get_text() == (
        "Không bài nào có đủ 4 từ của truy vấn; đây là các bài có 3 từ."
    )
    assert len(section.select("li.hit")) == 2
    write_report(seeds_index, ["bo cogn an"], out)
    section = _soup(out / "index.html").find("section", class_="query")
    assert "Có phải bạn muốn tìm: “bo cong an”?" in section.get_text()


def test_no_machine_path_in_the_site(seeds_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_report(seeds_index, ["bo cong an"], out, archive=True)
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for machine in (str(SEEDS), str(seeds_index), str(tmp_path), str(SEEDS.parent)):
                assert machine not in text, (path, machine)


def test_article_links_back_to_the_results(report: Path) -> None:
    back = _soup(report / page_name(SEED_MEETING)).select("nav.back a")
    assert [(a["href"], a.get_text()) for a in back] == [("../index.html#q1", "← Kết quả “bo cong an”")]


def test_every_link_resolves_to_a_file(report: Path) -> None:
    for html in report.rglob("*.html"):
        for link in _soup(html).find_all(["a", "link", "script"]):
            target = link.get("href") or link.get("src")
            if not target or target.startswith(("#", "http")):
                continue
            assert (html.parent / target.split("#")[0]).resolve().exists(), (html, target)


def test_article_page_shows_captions_apart_and_marks_the_query(report: Path) -> None:
    page = _soup(report / page_name(SEED_MEETING))
    assert page.h1.get_text().startswith("Ngày 31/7")
    assert page.find("time")["datetime"] == "2020-07-31"
    captions = [li.get_text() for li in page.select("aside.captions li")]
    assert captions == ["Toàn cảnh hội nghị", "Thứ trưởng Bộ Quốc phòng Phan Văn Giang", "Thứ trưởng Trần Quốc Tỏ"]
    body = [p.get_text() for p in page.select("article > p")]
    assert not any(text == "Toàn cảnh hội nghị" for text in body)
    assert "Bộ Công an" in {mark.get_text() for mark in page.select("article > p mark")}
    source = page.find("p", class_="source").get_text()
    assert SEED_MEETING in source and str(SEEDS) not in source


def test_facets_count_hits_per_facet_the_search_counts(report: Path, seeds_index: Path) -> None:
    facets = _soup(report / "index.html").find("details", class_="facets")
    with Searcher(seeds_index) as searcher:
        counted = searcher.search("bo cong an", facets=True).facets
    shown = [name for name in counted if counted[name]]  # every facet the search counts values of
    assert [h.get_text() for h in facets.find_all("h3")] == [f"Theo {facet_label(name)}" for name in shown]
    assert shown[:3] == ["month", "year", "author"] and {"name", "org"} <= set(shown)
    for name in shown[3:]:  # people, places and organisations named: one link per value, with its count
        links = facets.select(f"a.facet[data-facet={name}]")
        assert {a["data-value"]: a.get_text() for a in links} == {
            value: f"{value} ({count})" for value, count in counted[name].items()
        }
    dated_or_signed = [a for a in facets.find_all("a") if a.get("data-facet") in (None, "month", "year", "author")]
    labels = [a.get_text() for a in dated_or_signed]
    assert labels == [
        "Tất cả (2)",
        "2020-07 (1)",
        "không rõ ngày (1)",
        "2020 (1)",
        "không rõ ngày (1)",
        "NGUYỄN NGỌC (1)",
    ]
    hrefs = [a["href"] for a in dated_or_signed]
    assert hrefs == [
        "#q1",
        "#q1?month=2020-07",
        "#q1?month=undated",
        "#q1?year=2020",
        "#q1?year=undated",
        "#q1?author=NGUY%E1%BB%84N%20NG%E1%BB%8CC",
    ]


def test_a_new_facet_field_shows_without_report_changes(seeds_index: Path, tmp_path: Path, monkeypatch) -> None:
    """A facet the search counts (as name, place, org will be) gets its list, links and hit values by itself."""
    real = Searcher.search

    def with_topic(self, text, **options):
        results = real(self, text, **options)
        if options.get("facets"):
            results.facets["topic"] = {"an ninh": len(results.hits)}
            for hit in results.hits:
                hit.facets["topic"] = ["an ninh"]
        return results

    monkeypatch.setattr(Searcher, "search", with_topic)
    write_report(seeds_index, ["bo cong an"], tmp_path / "site")
    section = _soup(tmp_path / "site" / "index.html").find("section", id="q1")
    assert section.select("details.facets h3")[-1].get_text() == "Theo topic"
    link = section.select_one("a.facet[data-facet=topic]")
    assert (link.get_text(), link["href"]) == ("an ninh (2)", "#q1?topic=an%20ninh")
    assert [li["data-topic"] for li in section.select("li.hit")] == ["an ninh", "an ninh"]


def _find_script(path: Path) -> Any:
    """The data a ``find/*.js`` script hands to the page."""
    match = re.fullmatch(r'searchkitFind\("[mtd]",\d+,(.*)\);\n', path.read_text(encoding="utf-8"), re.DOTALL)
    assert match, path
    return json.loads(match.group(1))


def decode(text: str) -> list[int]:
    """Postings as find.js reads them: base-32 digits, 32 and above meaning more digits follow."""
    numbers, value = [], 0
    for char in text:
        digit = DIGITS.index(char)
        value = value * 32 + digit % 32
        if digit < 32:
            numbers.append(value)
            value = 0
    return numbers


def test_offline_index_holds_folded_words_and_pairs(report: Path) -> None:
    find = report / "assets" / "find"
    manifest = _find_script(find / "manifest.js")
    assert manifest == {"docs": 2, "shards": manifest["shards"], "chunk": ARTICLE_CHUNK, "chunks": 1, "digits": DIGITS}
    terms: dict = {}
    for shard in range(manifest["shards"]):
        terms.update(_find_script(find / f"t{shard}.js"))
    docs = _find_script(find / "d0.js")
    meeting = next(i for i, doc in enumerate(docs) if doc[0].startswith("Ngày 31/7"))
    assert docs[meeting][1] == page_name(SEED_MEETING) and docs[meeting][2] == "2020-07-31"
    for word in ("bo", "cong", "an", "dong", "hoa", "ha noi", "cong an"):
        assert word in terms, word
    assert {"bộ", "bổ"} <= set(terms["bo"]["s"])
    ha = decode(terms["ha"]["p"])
    assert len(ha) == 3 * terms["ha"]["n"]  # (gap, weight, spelling bits) for each article holding it
    assert ha[0] == meeting  # the first posting's gap is its article number
    assert len(decode(terms["ha noi"]["p"])) == 2 * terms["ha noi"]["n"]  # pairs: (gap, weight)
    assert all(key == fold(key) for key in terms)


def test_untrusted_text_renders_inert(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    evil = '<script>alert(1)</script> "onerror=alert(2) {{ 7*7 }}'
    (corpus / "evil.json").write_text(
        json.dumps([{"id": "x<1>", "title": f"Tiêu đề {evil}", "body": f"Nội dung {evil} cuối.", "author": evil}]),
        encoding="utf-8",
    )
    index_paths([corpus], tmp_path / "ix", workers=1)
    out = tmp_path / "site"
    write_report(tmp_path / "ix", ['tieu de <script>alert(1)</script> "onerror=alert(2)" {{ 7*7 }}', "noi dung"], out)
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "<script>alert" not in text, html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text or "alert" not in text
        soup = BeautifulSoup(text, "html.parser")
        assert all(not s.string or "alert" not in s.string for s in soup.find_all("script"))
        assert not soup.find(attrs={"onerror": True})


def test_template_syntax_in_text_is_not_evaluated(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Tin {{ 7*7 }} {% if 1 %}x{% endif %}\n\nNội dung bài.", encoding="utf-8")
    index_paths([corpus], tmp_path / "ix", workers=1)
    write_report(tmp_path / "ix", ["noi dung"], tmp_path / "site")
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Tin {{ 7*7 }} {% if 1 %}x{% endif %}" in page


def test_an_earlier_report_is_replaced_as_a_whole(seeds_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()  # empty: allowed
    write_report(seeds_index, ["bo cong an"], out)
    assert (out / MARKER).is_file()
    (out / "stale.html").write_text("old", encoding="utf-8")
    written = write_report(seeds_index, ["cong binh"], out)
    assert written.pages == 2
    assert not (out / "stale.html").exists()
    assert "công binh" in (out / "index.html").read_text(encoding="utf-8").lower()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no temporary folders left


@pytest.mark.parametrize("how", ["runner", "subprocess"])
def test_a_folder_of_other_files_is_refused_unless_forced(
    how: str, seeds_index: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.txt").write_text("my work", encoding="utf-8")
    args = ["report", "bo cong an", "-o", str(out), "--index", str(seeds_index)]
    if how == "runner":
        result = CliRunner().invoke(cli, args)
        code, stderr = result.exit_code, result.output
    else:
        done = subprocess.run([searchkit_exe, *args], capture_output=True, text=True)
        code, stderr = done.returncode, done.stderr
    assert code == 1
    assert stderr.count("\n") == 1 and "--force" in stderr and "Traceback" not in stderr
    assert [p.name for p in out.iterdir()] == ["thesis.txt"]
    assert (out / "thesis.txt").read_text(encoding="utf-8") == "my work"
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert not (out / "thesis.txt").exists() and (out / "index.html").exists()


def test_a_file_in_the_way_is_refused(seeds_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "notes.txt"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(ReportTargetTaken, match="--force"):
        write_report(seeds_index, ["bo cong an"], out)
    assert out.read_text(encoding="utf-8") == "keep me"


def test_a_folder_holding_the_index_is_refused_even_when_forced(seeds_index: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["report", "x", "-o", str(seeds_index.parent), "--force", "--index", str(seeds_index)]
    )
    assert result.exit_code == 1 and "holds the index" in result.output
    assert (seeds_index / "searchkit-format").exists()


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://vnexpress.net/a-1.html", "https://vnexpress.net/a-1.html"),
        (" HTTP://example.vn/x ", "HTTP://example.vn/x"),
        ("javascript:alert(5)", None),
        ("JavaScript:alert(5)", None),
        (" javascript:alert(5)", None),
        ("java\tscript:alert(5)", None),
        ("\x01javascript:alert(5)", None),
        ("data:text/html,<script>alert(5)</script>", None),
        ("vbscript:msgbox(5)", None),
        ("/relative/page.html", None),
        ("", None),
    ],
)
def test_only_http_urls_become_links(url: str, link: str | None) -> None:
    assert safe_link(url) == link


def test_archive_of_the_whole_index(seeds_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["report", "--all", "-o", str(out), "--index", str(seeds_index)])
    assert result.exit_code == 0, result.output
    years = [li.get_text(" ", strip=True) for li in _soup(out / "archive" / "index.html").select("ul.years li")]
    assert years == ["2020 (1 bài)", "không rõ ngày (1 bài)"]
    assert [a["href"] for a in _soup(out / "archive" / "2020.html").select("ul.months a")] == ["2020-07.html"]
    july = _soup(out / "archive" / "2020-07.html")
    assert [a["href"] for a in july.select("li.hit h3 a")] == ["../" + page_name(SEED_MEETING)]
    back = [a["href"] for a in _soup(out / page_name(SEED_ENGINEERS)).select("nav.back a")]
    assert back == ["../archive/undated.html"]


def test_report_errors_are_one_line(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["report", "x", "-o", str(tmp_path / "o"), "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1 and missing.output.count("\n") == 1 and "no index at" in missing.output
    nothing = CliRunner().invoke(cli, ["report", "-o", str(tmp_path / "o"), "--index", str(tmp_path)])
    assert nothing.exit_code == 2 and "give at least one QUERY" in nothing.output
    assert not (tmp_path / "o").exists()


def test_installed_command_writes_the_report_from_another_folder(
    seeds_index: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    result = subprocess.run(
        [searchkit_exe, "report", "bo cong an", "-o", "site", "--index", str(seeds_index)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "Bộ Công an" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "site" / "assets" / "style.css").stat().st_size > 0


@given(st.lists(st.lists(st.integers(0, 2**31 - 1), max_size=20), max_size=8), st.integers(1, 50))
def test_postings_encoding_reads_back(lists: list[list[int]], block: int) -> None:
    flat = np.array([n for numbers in lists for n in numbers], dtype=np.int64)
    starts = np.cumsum([0, *map(len, lists)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(findindex, "ENCODE_BLOCK", block)  # numbers are written a block at a time
        text, offsets = encode(flat, starts)
    assert set(text) <= set(DIGITS)
    for number, numbers in enumerate(lists):
        assert decode(text[offsets[number] : offsets[number + 1]]) == numbers


def test_postings_grouped_by_blocks_of_articles_equal_all_at_once(seeds_index: Path) -> None:
    def postings() -> list[list[Any]]:
        find = FindIndex()
        with Searcher(seeds_index) as searcher:
            for article in searcher.articles():
                find.add(title=article.title, body=article.body, more="", page="", date="", author="")
        return [[p.keys, *(a.tolist() for a in (p.term, p.doc, p.count, p.bits, p.starts))] for p in find.postings()]

    whole = postings()
    assert whole[0][0] and whole[1][0]  # syllables and pairs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(findindex, "BLOCK_WORDS", 10)  # a block per article
        assert postings() == whole


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("{% for %}", "(index.html, line 1): Expected an expression"),
        ("{{ undefined_var.foo }}", "(index.html, line 1): 'undefined_var' is undefined"),
        ("<p>\n{{ 1 // 0 }}", "(index.html, line 2): ZeroDivisionError: integer division or modulo by zero"),
    ],
)
def test_a_broken_user_template_is_named_in_one_line_with_exit_2(
    seeds_index: Path, tmp_path: Path, template: str, said: str
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "index.html").write_text(template, encoding="utf-8")
    out = tmp_path / "site"
    args = ["report", "bao", "-o", str(out), "--templates", str(folder), "--index", str(seeds_index)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: template error in {folder}")
    assert said in result.output and result.output.count("\n") == 1
    assert sorted(tmp_path.iterdir()) == [folder]  # no site, no half-built folder beside it
