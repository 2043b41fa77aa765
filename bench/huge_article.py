"""Time and peak memory of indexing, then searching, one huge article, beside a corpus of normal ones.

The size limit (``--max-article-mb``) must keep a run on one 50 MB file within
the memory of an ordinary run; the baseline, measured in the same run, is a
full build of ``bench/corpus-1000`` (1,000 generated articles).

    python bench/huge_article.py --mb 50 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, SEARCHKIT, corpus, machine, publish, run_measured


def write_huge_article(path: Path, megabytes: float) -> None:
    """One article of ``megabytes`` MB of paragraphs drawn from the seeds' words (deterministic)."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))).split()
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        out.write("Bài rất dài\n\n")
        written = 0
        while written < megabytes * 2**20:
            paragraph = " ".join(rng.choice(words) for _ in range(200)) + ".\n\n"
            out.write(paragraph)
            written += len(paragraph.encode("utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="Size of the huge article, in MB.")
    parser.add_argument("--write", type=Path, help="Markdown file whose huge-article section is replaced.")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="searchkit-huge-") as scratch:
        folder = Path(scratch) / "huge"
        folder.mkdir()
        write_huge_article(folder / "huge.txt", args.mb)
        runs = {
            "index 1,000 articles (baseline)": [*SEARCHKIT, "index", str(corpus(1000)), "--index", f"{scratch}/b"],
            f"index one {args.mb:g} MB article": [*SEARCHKIT, "index", str(folder), "--index", f"{scratch}/ix", "-q"],
            'search "chinh phu" in it': [*SEARCHKIT, "search", "chinh phu", "--index", f"{scratch}/ix"],
        }
        baseline = None
        for name, command in runs.items():
            run = run_measured([*command, "-q"] if command[3] == "index" else command)
            if run.returncode != 0:
                sys.exit(f"{name} failed with exit code {run.returncode}")
            baseline = baseline or run.peak_mb
            rows.append(f"| {name} | {run.seconds:.1f} s | {run.peak_mb:.0f} MB | {run.peak_mb / baseline:.2f}× |")
    table = "\n".join(
        [
            f"Machine: {machine()}. Command: `python bench/huge_article.py --mb {args.mb:g}` "
            "(default `--max-article-mb`).",
            "",
            "| run | time | peak memory (process tree) | memory vs. baseline |",
            "|---|---:|---:|---:|",
            *rows,
        ]
    )
    publish(table, args.write, "huge-article")
    return 0


if __name__ == "__main__":
    sys.exit(main())
