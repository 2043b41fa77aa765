"""Search speed at scale beside what users would otherwise run, measured in the same run.

For each corpus size (from ``bench/make_corpus.py``):

* in-process latency, p50 and p95, of searchkit (an open :class:`Searcher`)
  and of SQLite FTS5 (``unicode61 remove_diacritics 2``, an open connection)
  over the same articles, for queries drawn from the corpus: one word, two
  words, a phrase, diacritic-free words, a field query, a date range, and two
  words sorted by date;
* a whole cold ``searchkit search`` process beside ``rg -i`` over the raw files
  (medians of 5 runs each, searchkit's modules compiled as an installed package has them);
* index size on disk against the corpus size, and the peak memory of a search.

    python bench/search.py --sizes 1000 20000 100000 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    RESULTS,
    SEARCHKIT,
    corpus,
    corpus_files,
    corpus_megabytes,
    installed_bytecode,
    machine,
    replace_section,
    run_measured,
    searchkit_index,
)

from searchkit.articles import Article
from searchkit.backend.storage import index_size
from searchkit.fields import boosts, text_fields
from searchkit.ingest import discover, read_articles
from searchkit.normalize import fold
from searchkit.search import Searcher

KINDS = ("one word", "two words", "phrase", "no diacritics", "field", "date range", "sorted by date")
QUERIES_PER_KIND = 40
COLD_QUERIES = 8
#: Runs of each cold query (and of rg beside it), of which the median is shown: one run moves by a third.
COLD_RUNS = 5
WORD = re.compile(r"[^\W\d_]{2,}")


def load_articles(folder: Path) -> list[Article]:
    return [a for src in discover([str(folder)]) for a in read_articles(src)]


def draw_queries(articles: list[Article], seed: int = 7) -> list[tuple[str, str, str | None]]:
    """(kind, text, fts5 form) triples; text is searchkit syntax, fts5 form the same query for FTS5."""
    rng = random.Random(seed)
    drawn = []
    for kind in KINDS:
        for _ in range(QUERIES_PER_KIND):
            article = rng.choice(articles)
            words = WORD.findall(article.body)
            at = rng.randrange(0, max(1, len(words) - 3))
            one, two, three = words[at : at + 3] if len(words) >= 3 else (["tin"] * 3)
            title_words = WORD.findall(article.title) or ["tin"]
            year = rng.randrange(2015, 2024)
            drawn.append((kind, *_forms(kind, one, two, three, rng.choice(title_words), year)))
    return drawn


def _quoted(*words: str) -> str:
    return " ".join(f'"{w}"' for w in words)


def _forms(kind: str, one: str, two: str, three: str, title_word: str, year: int) -> tuple[str, str]:
    if kind == "one word":
        return one, _quoted(one)
    if kind == "two words":
        return f"{one} {two}", _quoted(one, two)
    if kind == "phrase":
        return f'"{one} {two} {three}"', f'"{one} {two} {three}"'
    if kind == "no diacritics":
        folded = fold(f"{one} {two}").lower()
        return folded, _quoted(*folded.split())
    if kind == "field":
        return f"title:{title_word}", f"title : {_quoted(title_word)}"
    if kind == "date range":
        return f"{one} date:[{year}-01 to {year}-12]", f"{_quoted(one)}|{year}"
    return f"{one} {two}", f"{_quoted(one, two)}|sort"


def fts5_database(articles: list[Article]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, date UNINDEXED, title, captions, body, author, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)",
        [(a.id, a.date.iso if a.date else "", a.title, "\n".join(a.captions), a.body, a.author) for a in articles],
    )
    return db


def fts5_search(db: sqlite3.Connection, form: str) -> list[str]:
    weights = ", ".join(str(boosts()[f]) for f in text_fields())
    expression, _, extra = form.partition("|")
    where, order = "docs MATCH ?", f"bm25(docs, 0, 0, {weights})"
    params: list[object] = [expression]
    if extra == "sort":
        order = "date DESC"
    elif extra:
        where += " AND date >= ? AND date < ?"
        params += [extra, str(int(extra) + 1)]
    rows = db.execute(f"SELECT id FROM docs WHERE {where} ORDER BY {order} LIMIT 10", params)
    return [row[0] for row in rows]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(run: Callable[[], object]) -> float:
    """CPU milliseconds of ``run``: both engines run in this process, and CPU time does not count waiting
    for a core on a loaded machine (the issue's calibration measured the same way)."""
    started = time.process_time()
    run()
    return (time.process_time() - started) * 1000


def in_process(index_dir: Path, db: sqlite3.Connection, queries: list[tuple[str, str, str]]) -> list[str]:
    rows = []
    with Searcher(index_dir) as searcher:
        for text, _ in ((q[1], q[2]) for q in queries[:5]):
            searcher.search(text)  # warm the caches as a long-running process would have them
        for kind in KINDS:
            ours, theirs = [], []
            for q_kind, text, form in queries:
                if q_kind != kind:
                    continue
                sort = "date" if kind == "sorted by date" else "relevance"
                ours.append(timed(lambda text=text, sort=sort: searcher.search(text, sort=sort)))
                theirs.append(timed(lambda form=form: fts5_search(db, form)))
            p50, p95 = percentile(ours, 0.5), percentile(ours, 0.95)
            f50, f95 = percentile(theirs, 0.5), percentile(theirs, 0.95)
            ratio = p95 / f95
            shown = f"{ratio:.1f}" if ratio >= 0.1 else f"{ratio:.2f}"  # 0.05, not 0.0
            rows.append(f"| {kind} | {len(ours)} | {p50:.1f} | {p95:.1f} | {f50:.1f} | {f95:.1f} | {shown}× |")
    return rows


def cold(index_dir: Path, folders: list[Path], queries: list[tuple[str, str, str]]) -> tuple[list[str], float]:
    """Each cold query run COLD_RUNS times, alternating with rg; the medians, and the highest peak memory."""
    installed_bytecode()
    rows, peak = [], 0.0
    for kind, text, _ in queries[:: max(1, len(queries) // COLD_QUERIES)][:COLD_QUERIES]:
        if kind not in ("one word", "two words", "phrase"):
            continue
        ours, theirs = [], []
        for _ in range(COLD_RUNS):
            ours.append(run_measured([*SEARCHKIT, "search", text, "--index", str(index_dir)], sample_every=0.01))
            literal = text.strip('"')
            theirs.append(run_measured(["rg", "-i", "-l", "-F", literal, *map(str, folders)], sample_every=0.01))
        peak = max(peak, *(run.peak_mb for run in ours))
        wall, rg_wall = median(run.seconds for run in ours), median(run.seconds for run in theirs)
        cpu, rg_cpu = median(run.cpu_seconds for run in ours), median(run.cpu_seconds for run in theirs)
        rows.append(
            f"| `{text}` | {wall * 1000:.0f} | {rg_wall * 1000:.0f} | {wall / rg_wall:.2f} "
            f"| {cpu * 1000:.0f} | {rg_cpu * 1000:.0f} |"
        )
    return rows, peak


def replicated(index_dir: Path, times: int) -> Path:
    """A view of ``index_dir`` whose table of contents lists its segments ``times`` over.

    Issue 12's calibration measured 100,000 articles this way: the posting
    lists, columns and deletions of ``times`` × the articles, without the
    hours a real build of that size takes on two cores.  FTS5 gets the same
    articles inserted ``times`` over.
    """
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    view = RESULTS / f"{index_dir.name}-x{times}"
    if view.exists():
        shutil.rmtree(view)
    view.mkdir(parents=True)
    for entry in index_dir.iterdir():
        if entry.is_file() and not entry.name.endswith(".toc"):
            (view / entry.name).symlink_to(entry.resolve())
    storage = FileStorage(str(view))
    toc = TOC.read(FileStorage(str(index_dir)), "MAIN")
    TOC(toc.schema, toc.segments * times, toc.generation).write(storage, "MAIN")
    return view


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000, 100000])
    parser.add_argument(
        "--replicate",
        type=int,
        default=1,
        help="Measure SIZE x REPLICATE articles: the index's segments listed that many times (see replicated()).",
    )
    parser.add_argument("--write", type=Path, help="Markdown file whose search-bench section is replaced.")
    args = parser.parse_args()
    if not shutil.which("rg"):
        sys.exit("rg (Debian package ripgrep) is needed for the cold-process comparison")
    replicate = f" --replicate {args.replicate}" if args.replicate > 1 else ""
    sections = [
        f"Machine: {machine()}. Command: `python bench/search.py --sizes {' '.join(map(str, args.sizes))}{replicate}`.",
    ]
    for size in args.sizes:
        folder = corpus(size)
        size_start = len(sections)
        index_dir = searchkit_index([folder], folder.name)
        articles = load_articles(folder)
        queries = draw_queries(articles)
        db = fts5_database(articles * args.replicate)
        if args.replicate > 1:
            index_dir = replicated(index_dir, args.replicate)
        latency = in_process(index_dir, db, queries)
        cold_rows, peak = cold(index_dir, [folder] * args.replicate, queries)
        raw_mb = corpus_megabytes(folder) * args.replicate
        total = size * args.replicate
        how = f" (the {size:,}-article index's segments listed {args.replicate} times)" if args.replicate > 1 else ""
        sections += [
            "",
            f"### {total:,} articles{how} ({raw_mb:.0f} MB of text, "
            f"{len(corpus_files(folder)) * args.replicate:,} files)",
            "",
            "| query kind | queries | searchkit p50 CPU ms | p95 | FTS5 p50 CPU ms | p95 | p95 ratio |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *latency,
            "",
            "| cold query | `searchkit search` ms | `rg -i -l -F` ms | ratio | searchkit CPU ms | rg CPU ms |",
            "|---|---:|---:|---:|---:|---:|",
            *cold_rows,
            "",
            (
                f"Index on disk: {index_size(index_dir) / 1e6:.0f} MB, {index_size(index_dir) / 1e6 / raw_mb:.2f}× the "
                "raw text."
                if args.replicate == 1
                else f"Index on disk: the {size:,}-article index's files, listed {args.replicate} times (not copied)."
            )
            + f" Peak memory of a cold search process: {peak:.0f} MB.",
        ]
        print("\n".join(sections[size_start:]), flush=True)
        if args.write:  # after every size, so a long run that is stopped keeps what it measured
            section = "search-bench" if args.replicate == 1 else "search-bench-replicated"
            replace_section(args.write, section, "\n".join(sections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
