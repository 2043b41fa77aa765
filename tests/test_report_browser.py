"""The report as a person sees it: opened from file:// in a real headless Chromium.

Needs Debian's ``chromium`` and Playwright for Python.  Without them the tests
are skipped with the reason, unless SEARCHKIT_REQUIRE_BROWSER=1 (CI) makes
that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import findindex
from searchkit.cli import cli
from searchkit.report import page_name

from .conftest import ROOT, SEED_MEETING
from .report_corpus import SAFE_URL, UNSAFE_URLS, build_index, report_args

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "report.png"
#: Lets a task queued by a click (a javascript: navigation) run before the test looks.
SETTLE = "() => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))"


def require_browser():
    missing = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "playwright is not installed (pip install '.[test]')"
    if missing is None and not os.path.exists(CHROMIUM):
        missing = "Debian's chromium is not installed (apt-get install chromium)"
    if missing:
        if os.environ.get("SEARCHKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    sync_playwright = require_browser()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield launched
        launched.close()


def open_tab(browser, width: int = 1280, height: int = 900):
    """A new tab that records console errors, page errors and dialogs."""
    tab = browser.new_page(viewport={"width": width, "height": height})
    tab.problems = []
    tab.dialogs = []
    tab.on("console", lambda message: tab.problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.problems.append(str(error)))

    def on_dialog(dialog) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    return tab


@pytest.fixture(scope="module")
def seeds_site(seeds_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    result = CliRunner().invoke(cli, ["report", "bo cong an", "công binh", "-o", str(out), "--index", str(seeds_index)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The test corpus with --all, its search index cut into many small shards."""
    index = build_index(tmp_path_factory.mktemp("corpus"))
    out = tmp_path_factory.mktemp("site") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(findindex, "SHARD_BYTES", 400)
        result = CliRunner().invoke(cli, report_args(index, out))
    assert result.exit_code == 0, result.output
    yield out


@pytest.fixture
def tab(browser):
    page = open_tab(browser)
    yield page
    assert page.problems == []
    page.close()


def search(tab, text: str) -> list[str]:
    """Type ``text`` in the search box; the titles of the hits shown."""
    tab.locator("#find-box").fill(text)
    tab.locator("#find-panel .count").wait_for()
    tab.wait_for_function(
        "text => document.getElementById('find-panel').dataset.query === text", arg=text, timeout=5000
    )
    return tab.locator("#find-results > li > a").all_inner_texts()


# ---------------------------------------------------------------- results page


def test_visible_hits_and_highlights(browser, seeds_site: Path, tmp_path: Path) -> None:
    page = open_tab(browser, 1100)
    page.goto((seeds_site / "index.html").as_uri())
    first = page.locator("section#q1")
    assert first.locator("h2").inner_text() == "“bo cong an”: 2 bài"
    titles = first.locator("li.hit h3 a").all_inner_texts()
    assert titles[0].startswith("Ngày 31/7, tại Hà Nội")
    assert "Bộ Công an" in first.locator("mark").all_inner_texts()
    assert page.locator("section#q2 li.hit").count() == 1
    page.locator("#find-box").fill("ha noi")
    page.locator("#find-results a").first.wait_for()
    shot = page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    if os.environ.get("SEARCHKIT_UPDATE_SCREENSHOT") == "1":  # refreshes docs/report.png
        SCREENSHOT.write_bytes(shot)
    assert page.problems == []


def test_article_link_opens_the_article_page_and_comes_back(tab, seeds_site: Path) -> None:
    tab.goto((seeds_site / "index.html").as_uri())
    tab.locator("section#q1 li.hit h3 a").first.click()
    assert tab.url.endswith(page_name(SEED_MEETING))
    assert tab.locator("h1").inner_text().startswith("Ngày 31/7")
    assert "Toàn cảnh hội nghị" in tab.locator("aside.captions").inner_text()
    assert "Bộ Công an" in tab.locator("article p mark").all_inner_texts()
    tab.locator("nav.back a").click()
    assert tab.url.endswith("index.html#q1")


def test_a_facet_narrows_to_its_hits_among_all_matches_and_lives_in_the_url(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    section = tab.locator("section#q1")
    assert section.locator("li.hit:visible").count() == 3
    section.locator("a.facet[data-value='2019-11']").click()
    assert tab.url.endswith("#q1?month=2019-11")
    months = section.locator("li.hit:visible").evaluate_all("items => items.map(i => i.dataset.month)")
    assert months == ["2019-11"] * 3  # the month's own top 3, though none was among the query's top 3
    active = section.locator("a.facet[aria-current='true']")
    assert active.all_inner_texts() == ["2019-11 (4)"]
    assert "Đang lọc: tháng 2019-11" in section.locator("p.filter").inner_text()
    section.locator("a.facet[data-value='Lan Anh']").click()  # the month stays chosen
    assert tab.url.endswith("#q1?month=2019-11&author=Lan+Anh")
    hits = section.locator("li.hit:visible").evaluate_all(
        "items => items.map(i => [i.dataset.month, i.dataset.author])"
    )
    assert hits and all(hit == ["2019-11", "Lan Anh"] for hit in hits)
    section.locator("p.filter a.facet-reset").click()
    assert section.locator("li.hit:visible").count() == 3
    assert section.locator("p.filter").is_hidden()
    assert section.locator("a.facet[aria-current]").count() == 0


def test_copies_are_listed_under_their_hit_and_open(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri() + "#q2")
    section = tab.locator("section#q2")
    assert section.locator("h2").inner_text() == "“lu quet”: 5 bài, 3 tin"
    first = section.locator("li.hit:visible").first
    copies = first.locator("details.copies")
    assert copies.locator("summary").inner_text() == "+2 bài tương tự"
    assert not copies.locator("a").first.is_visible()  # folded until asked for
    copies.locator("summary").click()
    links = copies.locator("a")
    assert links.count() == 2 and links.first.is_visible()
    title = links.nth(1).inner_text()
    links.nth(1).click()
    assert tab.locator("h1").inner_text() == title
    tab.go_back()
    assert tab.url.endswith("index.html#q2")


def test_related_articles_are_links_to_their_pages(tab, site: Path) -> None:
    tab.goto((site / page_name("flood-original")).as_uri())
    related = tab.locator("nav.related")
    assert related.get_by_role("heading").inner_text() == "Bài liên quan"
    titles = related.locator("a").all_inner_texts()
    assert 1 <= len(titles) <= 5 and "Yên Bái khắc phục hậu quả lũ quét" in titles
    assert "Lũ quét tại Bát Xát" not in titles  # a copy of this story
    related.get_by_role("link", name="Yên Bái khắc phục hậu quả lũ quét").click()
    assert tab.locator("h1").inner_text() == "Yên Bái khắc phục hậu quả lũ quét"
    assert tab.locator("nav.related a").count() >= 1


def test_a_shared_link_opens_the_same_view(browser, site: Path) -> None:
    page = open_tab(browser)
    page.goto((site / "index.html").as_uri() + "#q1?author=Minh%20%C4%90%E1%BB%A9c")
    authors = page.locator("section#q1 li.hit:visible").evaluate_all("items => items.map(i => i.dataset.author)")
    assert authors == ["Minh Đức"] * 3
    assert page.locator("section#q1 a.facet[aria-current='true']").all_inner_texts() == ["Minh Đức (8)"]
    assert page.problems == []


def test_facets_are_collapsed_above_the_hits_on_a_phone(browser, site: Path) -> None:
    phone = open_tab(browser, 390, 844)
    phone.goto((site / "index.html").as_uri())
    facets = phone.locator("section#q1 details.facets")
    assert facets.evaluate("d => d.open") is False
    summary_box = facets.locator("summary").bounding_box()
    first_hit_box = phone.locator("section#q1 li.hit").first.bounding_box()
    assert summary_box["y"] < first_hit_box["y"]
    assert first_hit_box["y"] - summary_box["y"] < 120  # the hits follow right after
    facets.locator("summary").click()
    assert facets.locator("a.facet").first.is_visible()
    assert phone.problems == []


def test_tab_reaches_the_first_hit_through_the_skip_link(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.className") == "skip"
    assert tab.locator("a.skip").is_visible()
    tab.keyboard.press("Enter")
    tab.keyboard.press("Tab")
    first_hit = tab.locator("section#q1 li.hit h3 a").first
    assert first_hit.evaluate("link => link === document.activeElement")
    outline = first_hit.evaluate("link => getComputedStyle(link).outlineStyle")
    assert outline == "solid"  # focus is visible


# ---------------------------------------------------------------- source links


@pytest.mark.parametrize("key", sorted(UNSAFE_URLS))
def test_an_unsafe_source_url_is_shown_as_text_and_clicking_it_runs_nothing(tab, site: Path, key: str) -> None:
    tab.goto((site / page_name(key)).as_uri())
    assert tab.locator("a[href*='script:' i]").count() == 0
    shown = tab.locator("p.source code.url")
    assert shown.inner_text() == UNSAFE_URLS[key].strip()
    shown.click()
    tab.get_by_text("bài gốc").click()
    tab.evaluate(SETTLE)
    assert tab.dialogs == []
    assert tab.url == (site / page_name(key)).as_uri()


def test_a_javascript_link_would_be_caught(tab, site: Path) -> None:
    """The control for the test above: a javascript: link's dialog is seen."""
    tab.goto((site / page_name("js-plain")).as_uri())
    tab.evaluate(
        "() => { const a = document.createElement('a'); a.id = 'evil'; a.textContent = 'x';"
        " a.href = 'javascript:alert(5)'; document.body.prepend(a); }"
    )
    tab.locator("#evil").click()
    tab.evaluate(SETTLE)
    assert tab.dialogs == ["5"]


def test_a_web_source_url_is_a_link(tab, site: Path) -> None:
    tab.goto((site / page_name("safe")).as_uri())
    assert tab.locator("p.source a").get_attribute("href") == SAFE_URL


# ---------------------------------------------------------------- the search box


def test_an_article_page_loads_no_search_index_until_the_reader_types(tab, site: Path) -> None:
    tab.goto((site / page_name("adjacent")).as_uri())
    scripts = "Array.from(document.scripts, s => s.src.split('/assets/')[1])"
    assert tab.evaluate(scripts) == ["find.js"]
    search(tab, "ha noi")
    loaded = tab.evaluate(scripts)
    shards = [s for s in loaded if s and s.startswith("find/t")]
    total = len(list((site / "assets" / "find").glob("t*.js")))
    assert "find/manifest.js" in loaded
    assert 1 <= len(shards) <= 3 < total  # "ha", "noi" and "ha noi" only


def test_adjacent_words_rank_first_and_the_count_and_excerpt_show(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    titles = search(tab, "ha noi")
    assert titles[:2] == ["Mưa lớn ở Hà Nội", "Ông Hà bàn về nội dung"]
    assert tab.locator("#find-panel .count").inner_text() == "2 bài khớp"
    first = tab.locator("#find-results > li").first
    assert first.locator(".excerpt mark").all_inner_texts() == ["Hà Nội"]
    assert first.locator(".meta").inner_text().strip() == "2020-07-01"
    assert search(tab, "vu thu viet")[0] == "Cuộc họp báo cuối năm"


def test_a_quoted_phrase_needs_the_words_side_by_side(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    assert search(tab, '"ha noi"') == ["Mưa lớn ở Hà Nội"]


def test_exact_spellings_first_whatever_the_tone_style_or_unicode_form(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    assert search(tab, "bảo")[0] == "Bảo vệ rừng"
    assert set(search(tab, "bao")) >= {"Bảo vệ rừng", "Tin báo chí"}
    assert search(tab, "báo")[0] == "Tin báo chí"
    old_style_nfd = "ho\u0300a bi\u0300nh"  # hòa bình typed with the old tone place, decomposed
    assert search(tab, old_style_nfd)[0] == "Hoà bình"


def test_no_article_has_every_word(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    assert search(tab, "xyzzy qwvb") == []
    assert tab.locator("#find-panel .count").inner_text() == "Không tìm thấy bài nào."
    titles = search(tab, "mua lon xyzzy")
    assert titles == ["Mưa lớn ở Hà Nội"]
    assert tab.locator("#find-panel .count").inner_text() == "1 bài có 2 trên 3 từ (không bài nào có đủ)"


def test_keyboard_enter_opens_the_first_hit_and_arrows_move(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    search(tab, "ha noi")
    box = tab.locator("#find-box")
    box.press("ArrowDown")
    links = tab.locator("#find-results > li > a")
    assert links.nth(0).evaluate("a => a === document.activeElement")
    tab.keyboard.press("ArrowDown")
    assert links.nth(1).evaluate("a => a === document.activeElement")
    tab.keyboard.press("ArrowUp")
    tab.keyboard.press("ArrowUp")
    assert box.evaluate("b => b === document.activeElement")
    box.press("Enter")
    tab.wait_for_url("**/" + page_name("adjacent"))
    assert tab.locator("h1").inner_text() == "Mưa lớn ở Hà Nội"


def test_show_more_pages_through_the_hits(tab, site: Path) -> None:
    tab.goto((site / "index.html").as_uri())
    assert len(search(tab, "ban tin")) == 10
    assert tab.locator("#find-panel .count").inner_text() == "16 bài khớp, hiển thị 10"
    tab.locator("#find-panel button.more").click()
    tab.wait_for_function("document.querySelectorAll('#find-results > li').length === 16")
    assert tab.locator("#find-panel button.more").count() == 0
