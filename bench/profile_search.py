"""Where a search's time goes: pyinstrument over the queries search.py draws, kind by kind.

Needs ``pip install pyinstrument`` (a profiling tool, not a searchkit dependency)
and an index built by ``index_bench.py`` or ``search.py``:

    python bench/profile_search.py --size 100000 --kind "two words" --queries 10
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, corpus
from pyinstrument import Profiler
from search import KINDS, draw_queries, load_articles

from searchkit.search import Searcher

PERCENT = re.compile(r"(\d+\.\d)% ")


def condensed(tree: str, threshold: float, depth: int) -> str:
    """The profile tree without calls under ``threshold`` percent or nested deeper than ``depth``.

    Whoosh's frames stay in (``show_all``): they are where the time goes.
    """

    def keep(line: str) -> bool:
        share = PERCENT.search(line)
        return share is None or (float(share.group(1)) >= threshold and share.start() // 3 <= depth)

    return "\n".join(line for line in tree.splitlines() if keep(line))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--kind", choices=KINDS, default="two words")
    parser.add_argument("--queries", type=int, default=10, help="How many of the kind's drawn queries to profile.")
    parser.add_argument("--threshold", type=float, default=2.0, help="Hide calls under this percentage of the time.")
    parser.add_argument("--depth", type=int, default=9, help="Hide calls nested deeper than this.")
    args = parser.parse_args()
    index_dir = RESULTS / f"index-{args.size}"
    if not (index_dir / "searchkit-files.json").exists():
        sys.exit(f"no index at {index_dir}: run bench/index_bench.py or bench/search.py first")
    drawn = [text for kind, text, _ in draw_queries(load_articles(corpus(args.size))) if kind == args.kind]
    queries = drawn[: args.queries]
    sort = "date" if args.kind == "sorted by date" else "relevance"
    with Searcher(index_dir) as searcher:
        searcher.search(queries[0], sort=sort)  # warm, as search.py does
        profiler = Profiler(interval=0.005)
        with profiler:
            for text in queries:
                searcher.search(text, sort=sort)
    print(f"{len(queries)} {args.kind!r} queries on {args.size:,} articles")
    tree = profiler.output_text(unicode=True, show_all=True, time="percent_of_total")
    print(condensed(tree, args.threshold, args.depth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
