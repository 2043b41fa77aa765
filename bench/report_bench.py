"""The report with --all on generated corpora: build rate and size, page weight, page search speed.

    python bench/report_bench.py [--sizes 1000 20000] [--work DIR] [--write docs/benchmarks.md]

For each size: indexes ``bench/corpus-N`` into ``WORK/index-N`` (once; ``searchkit
index --full``), then times ``searchkit report QUERIES --all`` and opens the site in
Chromium from ``file://``: the bytes of script an article page loads before the
reader types, and for each typical query the bytes it loads, its answer time
the first time (loading included) and once loaded (median of 7, typed again).
Baselines from the same run: the build beside reading every article through
``searchkit.Index.articles()`` (what any report must do), and the page's answer
beside ``searchkit.Index.search`` of the same query on the index (in process).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SEARCHKIT, corpus, machine, publish, run_measured

QUERIES = ["ha noi", "bo cong an", "hội nghị giao ban", "thu tuong chinh phu"]
REPORT_QUERIES = ["bo cong an", "ha noi"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: Types the query once the page holds its data and waits for the hits: milliseconds.
ANSWER = """async (text) => {
  const box = document.getElementById('find-box'), panel = document.getElementById('find-panel');
  panel.dataset.query = '';
  const done = new Promise(resolve => {
    const watch = new MutationObserver(() => { if (panel.dataset.query === text) { watch.disconnect(); resolve(); } });
    watch.observe(panel, {attributes: true, childList: true});
  });
  const started = performance.now();
  box.value = text;
  box.dispatchEvent(new Event('input'));
  await done;
  return performance.now() - started;
}"""
SCRIPTS = "Array.from(document.scripts, s => s.src).filter(Boolean)"


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def script_bytes(urls: list[str]) -> int:
    return sum(Path(url.removeprefix("file://")).stat().st_size for url in urls)


def ensure_index(size: int, work: Path) -> Path:
    index = work / f"index-{size}"
    if not (index / "searchkit-format").exists():
        command = [*SEARCHKIT, "index", "--full", "--quiet", "--index", str(index), str(corpus(size))]
        subprocess.run(command, check=True)
    return index


def read_all_seconds(index: Path) -> float:
    from searchkit import Index

    started = time.perf_counter()
    with Index(index) as ix:
        count = sum(1 for _ in ix.articles())
    assert count
    return time.perf_counter() - started


def cli_search_ms(index: Path, query: str, runs: int = 7) -> float:
    from searchkit import Index

    with Index(index) as ix:
        ix.search(query, limit=10)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            ix.search(query, limit=10)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def related_costs(index: Path, sample: int = 40) -> tuple[float, float, float]:
    """CPU ms per article of the report's related articles (all at once) and of ``Index.related`` (one each).

    Also how many of ``Index.related``'s 5 the report's 5 hold (mean over a sample of articles).
    """
    from searchkit import Index
    from searchkit.findindex import FindIndex
    from searchkit.related import related_among

    with Index(index) as ix:
        articles = list(ix.articles())
        signatures = ix.signatures()
        find = FindIndex()
        for a in articles:
            find.add(title=a.title, body=a.body, more="\n".join(a.captions), page="", date="", author=a.author)
        postings = find.postings()
        started = time.process_time()
        counts, bm25, excluded = find.vectors(postings)
        batch = related_among(counts, bm25, [signatures.get(a.id) for a in articles], excluded, 5)
        batch_ms = (time.process_time() - started) * 1000 / len(articles)
        chosen = range(0, len(articles), max(1, len(articles) // sample))
        ix.related(articles[0].id)  # opens the index
        started = time.process_time()
        each = {n: {hit.id for hit in ix.related(articles[n].id)} for n in chosen}
        each_ms = (time.process_time() - started) * 1000 / len(each)
    shared = [len({articles[o].id for o in batch[n]} & ids) / len(ids) for n, ids in each.items() if ids]
    return batch_ms, each_ms, statistics.mean(shared)


def measure_pages(site: Path, index: Path) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    article = next((site / "articles").iterdir())
    out: dict[str, object] = {"queries": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        tab = browser.new_page()
        tab.goto(article.as_uri())
        out["article_html"] = article.stat().st_size
        out["before_typing"] = script_bytes(tab.evaluate(SCRIPTS))
        for query in QUERIES:
            tab.goto(article.as_uri())
            before = set(tab.evaluate(SCRIPTS))
            first = tab.evaluate(ANSWER, query)
            loaded = script_bytes([s for s in tab.evaluate(SCRIPTS) if s not in before])
            again = statistics.median(tab.evaluate(ANSWER, query) for _ in range(7))
            count = tab.locator("#find-panel .count").inner_text()
            out["queries"].append((query, count, loaded, first, again, cli_search_ms(index, query)))
        browser.close()
    return out


def bench(size: int, work: Path) -> list[str]:
    index = ensure_index(size, work)
    site = work / f"site-{size}"
    shutil.rmtree(site, ignore_errors=True)
    command = [*SEARCHKIT, "report", *REPORT_QUERIES, "--all", "-o", str(site), "--index", str(index)]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = run_measured(command, sample_every=0.5)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    if run.returncode:
        raise SystemExit(f"report failed: {' '.join(command)}")
    read = read_all_seconds(index)
    find = folder_bytes(site / "assets" / "find")
    total = folder_bytes(site)
    pages = measure_pages(site, index)
    batch_ms, each_ms, shared = related_costs(index)
    rate = size / run.seconds
    lines = [
        f"### {size:,} articles",
        "",
        "| measure | value | baseline (same run) | ratio | target |",
        "|---|---:|---:|---:|---:|",
        f"| build `report --all` | {run.seconds:.1f} s wall ({rate:.0f} articles/s), {cpu:.1f} s CPU "
        f"({size / cpu:.0f} articles per CPU-second), peak {run.peak_mb:.0f} MB "
        f"| read every article via `Index.articles()`: {read:.1f} s | {run.seconds / read:.1f}× "
        f"| ≥ 200 articles/s {'met' if rate >= 200 else 'NOT met'} |",
        f"| related articles (5 a page), CPU per article | {batch_ms:.2f} ms, all pages at once "
        f"| `Index.related`, one search per article: {each_ms:.1f} ms | {batch_ms / each_ms:.3f}× "
        f"| reported; the page's 5 hold {shared:.2f} of `Index.related`'s 5 |",
        f"| site size | {total / 1e6:.1f} MB, {total / size / 1024:.1f} KB/article "
        f"(search index {find / 1e6:.1f} MB, {find / size / 1024:.1f} KB/article) | | | reported |",
        f"| script an article page loads before typing | {pages['before_typing'] / 1024:.1f} KB "
        f"| the page's own HTML: {pages['article_html'] / 1024:.1f} KB "
        f"| {pages['before_typing'] / pages['article_html']:.2f}× "
        f"| ≤ 300 KB {'met' if pages['before_typing'] <= 300 * 1024 else 'NOT met'} |",
    ]
    for query, count, loaded, first, again, cli in pages["queries"]:
        lines.append(
            f"| query `{query}` ({count}): loads {loaded / 1024:.0f} KB, first answer {first:.0f} ms, "
            f"once loaded {again:.1f} ms | `Index.search` {cli:.1f} ms | {again / cli:.2f}× "
            f"| ≤ 1 MB {'met' if loaded <= 1024 * 1024 else 'NOT met'}, "
            f"≤ 50 ms {'met' if again <= 50 else 'NOT met'} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--work", type=Path, default=RESULTS / "report", help="Folder for the indexes and sites.")
    parser.add_argument("--write", type=Path, help="Markdown file whose report-bench section is replaced.")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = " ".join(str(s) for s in args.sizes)
    lines = [
        f"Machine: {machine()}, Chromium {chromium_version()}. Command: `python bench/report_bench.py --sizes {sizes}`"
        f" (report of {' and '.join(repr(q) for q in REPORT_QUERIES)} with `--all`; one run;"
        f" load average {os.getloadavg()[0]:.1f} when it started).",
        "",
    ]
    for size in args.sizes:
        lines += [*bench(size, args.work), ""]
    publish("\n".join(lines), args.write, "report-bench")
    return 0


def chromium_version() -> str:
    done = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True)
    return done.stdout.split()[1] if done.returncode == 0 and done.stdout else "?"


if __name__ == "__main__":
    sys.exit(main())
