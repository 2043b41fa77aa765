"""A cold ``searchkit search`` process on the seeds index beside pyvi's own import, in the same run.

pyvi's ``ViTokenizer`` import pulls in scikit-learn; a search must cost less
than that import alone (target: at most 0.4× its time).  searchkit's modules
are compiled first, as an installed package has them.

    python bench/cold_start.py [--runs 15] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, SEARCHKIT, installed_bytecode, machine, publish


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--write", type=Path, help="Markdown file whose cold-start section is replaced.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "ix"
        subprocess.run([*SEARCHKIT, "index", str(ROOT / "seeds"), "--index", str(index_dir), "--quiet"], check=True)
        installed_bytecode()
        search = median_seconds([*SEARCHKIT, "search", "bo cong an", "--index", str(index_dir)], args.runs)
        pyvi = median_seconds([sys.executable, "-c", "from pyvi import ViTokenizer"], args.runs)
    ratio = search / pyvi
    table = "\n".join(
        [
            f"Machine: {machine()}. Command: `python bench/cold_start.py --runs {args.runs}` (medians).",
            "",
            "| process | median | ratio | target |",
            "|---|---:|---:|---:|",
            f'| `python -m searchkit search "bo cong an"` (seeds index) | {search * 1000:.0f} ms '
            f"| {ratio:.2f}× | ≤ 0.40× {'met' if ratio <= 0.4 else 'NOT met'} |",
            f'| `python -c "from pyvi import ViTokenizer"` (baseline) | {pyvi * 1000:.0f} ms | 1.00× | |',
        ]
    )
    publish(table, args.write, "cold-start")
    return 0 if ratio <= 0.4 else 1


if __name__ == "__main__":
    sys.exit(main())
