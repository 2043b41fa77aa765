"""The report as a person sees it: opened from file:// in a real headless Chromium.

Needs Debian's ``chromium`` and Playwright for Python.  Without them the tests
are skipped with the reason, unless SEARCHKIT_REQUIRE_BROWSER=1 (CI) makes
that a failure.
"""

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.report import page_name

from .conftest import ROOT, SEED_MEETING

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "report.png"


def _require_browser():
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
def site(seeds_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    result = CliRunner().invoke(cli, ["report", "bo cong an", "công binh", "-o", str(out), "--index", str(seeds_index)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def page(site: Path):
    sync_playwright = _require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        tab = browser.new_page(viewport={"width": 1100, "height": 900})
        problems: list[str] = []
        tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        tab.on("pageerror", lambda error: problems.append(str(error)))
        tab.problems = problems
        tab.goto((site / "index.html").as_uri())
        yield tab
        browser.close()


def test_visible_hits_and_highlights(page, site: Path, tmp_path: Path) -> None:
    first = page.locator("section#q1")
    assert first.locator("h2").inner_text() == "“bo cong an”: 2 bài"
    titles = first.locator("li.hit h3 a").all_inner_texts()
    assert titles[0].startswith("Ngày 31/7, tại Hà Nội")
    assert "Bộ Công an" in first.locator("mark").all_inner_texts()
    assert page.locator("section#q2 li.hit").count() == 1
    shot = page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    if os.environ.get("SEARCHKIT_UPDATE_SCREENSHOT") == "1":  # refreshes docs/report.png
        SCREENSHOT.write_bytes(shot)
    assert page.problems == []


def test_facet_link_narrows_the_list(page) -> None:
    page.goto(page.url.split("#")[0])
    page.locator("section#q1 a.facet[data-value='2020-07']").click()
    visible = page.locator("section#q1 li.hit:visible h3 a").all_inner_texts()
    assert len(visible) == 1 and visible[0].startswith("Ngày 31/7")
    page.locator("section#q1 a.facet[data-facet='']").click()
    assert page.locator("section#q1 li.hit:visible").count() == 2
    assert page.problems == []


def test_article_link_opens_the_article_page(page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    page.locator("section#q1 li.hit h3 a").first.click()
    assert page.url.endswith(page_name(SEED_MEETING))
    assert page.locator("h1").inner_text().startswith("Ngày 31/7")
    assert "Toàn cảnh hội nghị" in page.locator("aside.captions").inner_text()
    assert "Bộ Công an" in page.locator("article p mark").all_inner_texts()
    page.locator("p.back a").click()
    assert page.url.endswith("index.html")
    assert page.problems == []


def test_offline_search_box_finds_the_article_without_diacritics(page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())
    page.locator("#find-box").fill("bo cong an")
    results = page.locator("#find-results a")
    results.first.wait_for()
    texts = results.all_inner_texts()
    assert any(text.startswith("Ngày 31/7") and "(2020-07-31)" in text for text in texts)
    page.locator("#find-box").fill("Thiếu tướng Trần Trung Hoà")
    assert page.locator("#find-results a").all_inner_texts()[0].startswith("Thiếu tướng Trần Trung Hòa")
    page.locator("#find-box").fill("khong co tu nay")
    assert page.locator("#find-results").inner_text() == "Không tìm thấy bài nào."
    assert page.problems == []
