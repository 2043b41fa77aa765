"""The report's pages checked by axe-core in Chromium, at desktop and phone widths.

axe-core comes from npm (``npm install`` in the repository root, which reads
package.json).  Without it the tests are skipped with the reason, unless
SEARCHKIT_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.report import page_name

from .conftest import ROOT
from .report_corpus import build_index, report_args
from .test_report_browser import browser, open_tab  # noqa: F401  (the module's browser fixture)

AXE = Path(os.environ.get("SEARCHKIT_AXE", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
PAGES = [
    "index.html",
    "index.html#q1?month=2019-11",
    "index.html#q3",  # with the copies under its first hit opened
    "archive/index.html",
    "archive/2020-07-p2.html",
    "adjacent",
    "flood-original",  # with related articles
]


def require_axe() -> Path:
    if not AXE.is_file():
        reason = f"axe-core is not installed at {AXE} (run `npm install` in the repository root)"
        if os.environ.get("SEARCHKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = build_index(tmp_path_factory.mktemp("corpus"))
    out = tmp_path_factory.mktemp("site") / "out"
    result = CliRunner().invoke(cli, report_args(index, out, ("ban tin", "ha noi", "lu quet")))
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(browser, site: Path, name: str, width: int) -> None:  # noqa: F811
    axe = require_axe()
    tab = open_tab(browser, width, 900)
    target = page_name(name) if "." not in name else name
    path, _, fragment = target.partition("#")
    tab.goto((site / path).as_uri() + (f"#{fragment}" if fragment else ""))
    if fragment == "q3":
        tab.locator("section#q3 details.copies summary").first.click()
        assert tab.locator("section#q3 details.copies a").first.is_visible()
    if name == "adjacent":  # with the search panel open
        tab.locator("#find-box").fill("ha noi")
        tab.locator("#find-results a").first.wait_for()
    tab.add_script_tag(path=str(axe))
    result = tab.evaluate("axe.run(document, {resultTypes: ['violations'], preload: false})")
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert tab.problems == []
    tab.close()
