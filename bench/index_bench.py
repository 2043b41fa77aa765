"""Indexing throughput, incremental cost and memory, each beside its baseline from the same run.

* throughput of ``searchkit index --full`` against the ceiling: pyvi's own
  segmentation alone of the same articles on every core;
* adding 10 new articles to the largest index, against that index's full build;
* peak memory (whole process tree) of the full build at each size.

    python bench/index_bench.py --sizes 1000 20000 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    RESULTS,
    SEARCHKIT,
    corpus,
    corpus_files,
    corpus_megabytes,
    machine,
    publish,
    run_measured,
)


def _segment(text: str) -> int:
    from pyvi import ViTokenizer

    return len(ViTokenizer.ViTokenizer.tokenize(text))


#: Seconds between memory samples of a full build.  A sample reads every /proc/<pid>/status (8 ms of
#: CPU here): every 0.05 s, run_measured's default, it took a seventh of a core from the build it timed.
BUILD_SAMPLING = 0.5


def segmentation_ceiling(folder: Path, workers: int) -> float:
    """Seconds pyvi alone takes to segment every article of ``folder`` on ``workers`` cores."""
    texts = [path.read_text(encoding="utf-8") for path in corpus_files(folder)]
    with Pool(workers) as pool:
        pool.map(_segment, ["khởi động"] * workers)  # import pyvi in every worker first
        started = time.perf_counter()
        pool.map(_segment, texts, chunksize=8)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--write", type=Path, help="Markdown file whose index-bench section is replaced.")
    args = parser.parse_args()

    rows, memory, full_seconds = [], [], {}
    for size in args.sizes:
        folder = corpus(size)
        megabytes = corpus_megabytes(folder)
        ceiling = segmentation_ceiling(folder, args.workers)
        index_dir = RESULTS / f"index-{size}"  # kept: search.py reuses it
        build = run_measured([*SEARCHKIT, "index", str(folder), "--index", str(index_dir), "--full"], BUILD_SAMPLING)
        assert build.returncode == 0, "full build failed"
        full_seconds[size] = build.seconds
        rows.append(
            f"| {size:,} | {megabytes:.1f} | {size / ceiling:.1f} art/s, {megabytes / ceiling:.2f} MB/s "
            f"| {size / build.seconds:.1f} art/s, {megabytes / build.seconds:.2f} MB/s "
            f"| {ceiling / build.seconds:.0%} |"
        )
        memory.append(f"| {size:,} | {build.peak_mb:.0f} MB |")
        print(rows[-1], memory[-1], build.stdout.strip(), flush=True)

    largest = max(args.sizes)
    index_dir = RESULTS / f"index-{largest}"
    extra = corpus(10, seed=1)
    target = corpus(largest) / "new-articles"
    shutil.copytree(extra, target, ignore=shutil.ignore_patterns(".complete"))
    try:
        update = run_measured([*SEARCHKIT, "index", str(corpus(largest)), "--index", str(index_dir)])
    finally:
        shutil.rmtree(target)
    print(update.stdout.strip())
    restore = run_measured([*SEARCHKIT, "index", str(corpus(largest)), "--index", str(index_dir)])
    print("restored:", restore.stdout.strip())
    incremental = (
        f"| 10 new articles into {largest:,} | {update.seconds:.2f} s | full build {full_seconds[largest]:.1f} s "
        f"| {update.seconds / full_seconds[largest]:.2%} | `{update.stdout.strip()}` |"
    )
    table = "\n".join(
        [
            f"Machine: {machine()}; {args.workers} workers. Command: "
            f"`python bench/index_bench.py --sizes {' '.join(map(str, args.sizes))}`.",
            "",
            "| articles | MB | ceiling: pyvi segmentation alone | `searchkit index --full` | share of ceiling |",
            "|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "| incremental run | time | baseline | ratio | summary line |",
            "|---|---:|---:|---:|---|",
            incremental,
            "",
            "| articles | peak memory of `searchkit index --full` (all its processes) |",
            "|---:|---:|",
            *memory,
        ]
    )
    publish(table, args.write, "index-bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
