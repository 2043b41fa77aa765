"""Memory of ``searchkit index --full`` over the course of one run: does it level off or keep growing?

A peak alone cannot tell a memory leak from buffers filling up.  This samples
the resident memory of the whole process tree through one full build and
reports the peak of each tenth of the run beside the peak of the whole run:
if the writers' buffers are all that grows, the tenths level off early.

    python bench/index_memory.py 20000 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SEARCHKIT, corpus, machine, publish, run_measured

TENTHS = 10


def sample_build(folder: Path, index_dir: Path, every: float) -> list[tuple[float, float]]:
    """(seconds since start, MB) samples of a full build's process tree."""
    args = [*SEARCHKIT, "index", str(folder), "--index", str(index_dir), "--full", "--quiet"]
    build = run_measured(args, sample_every=every)
    if build.returncode != 0:
        sys.exit(f"searchkit index failed with exit code {build.returncode}")
    return build.samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="Articles in the generated corpus.")
    parser.add_argument("--every", type=float, default=0.25, help="Seconds between samples.")
    parser.add_argument("--write", type=Path, help="Markdown file whose index-memory section is replaced.")
    args = parser.parse_args()
    folder = corpus(args.size)
    with tempfile.TemporaryDirectory(prefix="searchkit-memory-") as scratch:
        samples = sample_build(folder, Path(scratch) / "index", args.every)
    duration = samples[-1][0]
    peak = max(mb for _, mb in samples)
    rows = []
    for tenth in range(TENTHS):
        low, high = duration * tenth / TENTHS, duration * (tenth + 1) / TENTHS
        in_tenth = [mb for at, mb in samples if low <= at <= high] or [0.0]
        rows.append(f"| {tenth * 10}–{(tenth + 1) * 10}% | {max(in_tenth):.0f} MB | {max(in_tenth) / peak:.2f} |")
    table = "\n".join(
        [
            f"Machine: {machine()}. Command: `python bench/index_memory.py {args.size}` "
            f"({args.size:,} articles, {duration:.0f} s, {len(samples)} samples of the whole process tree's RSS).",
            "",
            "| part of the run | peak memory in it | share of the run's peak |",
            "|---|---:|---:|",
            *rows,
        ]
    )
    publish(table, args.write, "index-memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
