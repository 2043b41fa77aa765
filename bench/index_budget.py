"""Where an article's indexing CPU goes, step by step, beside pyvi's segmentation of the same article.

``bench/index_bench.py`` measures throughput against the ceiling (pyvi's
``ViTokenizer`` alone); this splits the CPU of a full build in one process
(``--workers 1``, so every step runs where it can be timed) by step, in
milliseconds per article, and states the budget the 70% target leaves: the
ceiling's CPU per article divided by 0.7.

    python bench/index_budget.py --size 1000 --articles 300 --write docs/benchmarks.md

Each step is timed by wrapping the function that does it (``time.process_time``
around the call); the nested steps are subtracted from the ones that hold them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import corpus, corpus_files, machine, replace_section

#: The share of the ceiling issue 12 sets as the target.
TARGET_SHARE = 0.7

spent: Counter[str] = Counter()
_inside_names = False


def timed(step: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, adding the CPU seconds of each call to ``spent[step]``."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[step] += time.process_time() - started

    return wrapper


def instrument() -> None:
    """Wrap the steps of a build (module attributes the build looks up at call time)."""
    import searchkit.backend.codec as codec
    import searchkit.backend.postings as postings
    import searchkit.indexer as indexer
    import searchkit.names as names
    import searchkit.segment as segment
    import searchkit.similarity as similarity

    def names_of(*args: Any) -> Any:
        global _inside_names
        _inside_names = True
        try:
            return extract(*args)
        finally:
            _inside_names = False

    extract = timed("names", names.extract)
    names.extract = names_of
    segment_words = segment.Segmenter.segment

    def segment_split(self: Any, text: str) -> Any:
        return timed("names: segmentation" if _inside_names else "segmentation", segment_words)(self, text)

    segment.Segmenter.segment = segment_split  # type: ignore[method-assign]
    segment.PosTagger.tag = timed("names: part-of-speech tags", segment.PosTagger.tag)  # type: ignore[method-assign]
    similarity.text_signature = timed("signature", similarity.text_signature)
    indexer.document_fields = timed("the article's fields", indexer.document_fields)
    indexer.commit = timed("commit", indexer.commit)
    codec.CompactFieldWriter.add_terms = timed("commit: postings", codec.CompactFieldWriter.add_terms)  # type: ignore[method-assign]
    postings.write_arrays = timed("commit: array files", postings.write_arrays)


def ceiling_ms(texts: list[str]) -> float:
    """CPU milliseconds per article of pyvi's ``ViTokenizer.tokenize`` (what index_bench.py's ceiling runs)."""
    from pyvi import ViTokenizer

    ViTokenizer.ViTokenizer.tokenize("khởi động")
    started = time.process_time()
    for text in texts:
        ViTokenizer.ViTokenizer.tokenize(text)
    return (time.process_time() - started) * 1000 / len(texts)


def import_seconds(module: str) -> float:
    """CPU seconds a fresh process takes to import ``module`` (a fixed cost of every indexing run)."""
    script = f"import time; started = time.process_time(); import {module}; print(time.process_time() - started)"
    return float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="The corpus (bench/make_corpus.py SIZE).")
    parser.add_argument("--articles", type=int, default=300, help="Its first ARTICLES files are indexed.")
    parser.add_argument("--write", type=Path, help="Markdown file whose index-budget section is replaced.")
    args = parser.parse_args()
    files = corpus_files(corpus(args.size))[: args.articles]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "articles"
        folder.mkdir()
        for path in files:
            shutil.copy(path, folder / path.name)
        ceiling = ceiling_ms([path.read_text(encoding="utf-8") for path in files])

        from searchkit.indexer import index_paths
        from searchkit.similarity import _minhash

        _minhash()  # datasketch's import, timed apart below (pyvi's import above loaded most of it)
        instrument()
        started = time.process_time()
        summary = index_paths([folder], Path(scratch) / "index", full=True, workers=1)
        total = time.process_time() - started
    count = summary.added
    fixed = import_seconds("datasketch")
    names_alone = spent["names"] - spent["names: segmentation"] - spent["names: part-of-speech tags"]
    fields_rest = spent["the article's fields"] - spent["names"] - spent["signature"]
    commit_rest = spent["commit"] - spent["commit: postings"] - spent["commit: array files"]
    analysis = total - spent["the article's fields"] - spent["commit"] - spent["segmentation"]
    steps = [
        ("pyvi's CRF segmentation of the text fields (searchkit's own loop over pyvi's model)", spent["segmentation"]),
        ("the token stream (syllables, folds, compounds, shingles), postings into the pool, other fields", analysis),
        ("names: a second segmentation (sentences with capitals)", spent["names: segmentation"]),
        ("names: pyvi's part-of-speech tagger", spent["names: part-of-speech tags"]),
        ("names: the rules over the tagged words", names_alone),
        ("MinHash signatures", spent["signature"]),
        ("the other fields of an article", fields_rest),
        ("commit: the postings, a term at a time", spent["commit: postings"]),
        ("commit: the array files", spent["commit: array files"]),
        ("commit: the rest (stored fields, columns, table of contents)", commit_rest),
    ]
    budget = ceiling / TARGET_SHARE
    per_article = total * 1000 / count
    lines = [
        f"Machine: {machine()}. Command: `python bench/index_budget.py --size {args.size} --articles {args.articles}` "
        f"(one process, `--workers 1`; CPU ms per article).",
        "",
        "| step | ms per article | share |",
        "|---|---:|---:|",
        *(f"| {name} | {seconds * 1000 / count:.1f} | {seconds / total:.0%} |" for name, seconds in steps),
        f"| **the whole build** | **{per_article:.1f}** | 100% |",
        "",
        f"pyvi's `ViTokenizer.tokenize` of the same articles (the ceiling's work): **{ceiling:.1f} ms** an article. "
        f"{TARGET_SHARE:.0%} of the ceiling leaves the whole build **{budget:.1f} ms** an article: "
        f"{budget / per_article:.0%} of what it takes. Not counted above: datasketch's import (it imports "
        f"scipy), {fixed * 1000:.0f} ms of CPU once per indexing process.",
    ]
    print("\n".join(lines))
    if args.write:
        replace_section(args.write, "index-budget", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
