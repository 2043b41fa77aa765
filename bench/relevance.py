"""Known-item relevance benchmark: does the intended article come first, however the query is typed?

Every query of ``bench/relevance_queries.json`` names the article it is
meant to find in ``tests/fixtures/corpus`` (plus the two seeds).  Each query
is run in the variants Vietnamese users type: exact, lower case, without
diacritics, NFD, the other tone-placement style, compounds joined with
underscores, and restricted to a field.  The same queries run, in the same
process, against searchkit, SQLite FTS5 (``unicode61 remove_diacritics 2``)
and Whoosh with its StandardAnalyzer over the same parsed articles.

    python bench/relevance.py [--write docs/relevance.md]
    python bench/relevance.py --distractors 20000 [--write docs/relevance.md]

``--distractors N`` adds the N generated articles of ``bench/corpus-N``
(``make_corpus.py``) to every engine's index: the same known-item queries,
with thousands of articles sharing their vocabulary around the one they seek.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import corpus, publish
from whoosh import collectors
from whoosh import fields as wf
from whoosh import index as wi
from whoosh.analysis import StandardAnalyzer
from whoosh.qparser import MultifieldParser

from searchkit.articles import Article
from searchkit.errors import QueryError
from searchkit.fields import boosts, text_fields
from searchkit.indexer import index_paths
from searchkit.ingest import discover, read_articles
from searchkit.normalize import canonical_syllable, fold
from searchkit.search import Searcher
from searchkit.segment import get_segmenter

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [ROOT / "tests" / "fixtures" / "corpus", ROOT / "seeds"]
QUERIES = ROOT / "bench" / "relevance_queries.json"
VARIANTS = ("exact", "lower", "no_diacritics", "nfd", "other_tone", "joined", "field")
TOP = 10
TONES = "\u0300\u0301\u0303\u0309\u0323"

Search = Callable[[str], list[str]]


@dataclass
class Query:
    target: str
    text: str
    field: str | None


def old_style(word: str) -> str:
    """The old tone placement of a syllable (``hoà`` → ``hòa``), or the word unchanged."""
    decomposed = unicodedata.normalize("NFD", canonical_syllable(word))
    tones = [ch for ch in decomposed if ch in TONES]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    lower = base.lower()
    for rhyme in ("oa", "oe", "uy"):
        at = lower.find(rhyme)
        if at >= 0 and lower.endswith(rhyme) and not lower.startswith("qu"):
            return unicodedata.normalize("NFC", base[: at + 1] + tones[0] + base[at + 1 :])
    return word


def other_tone_style(text: str) -> str:
    """Each syllable in the tone style it is not written in."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        new = canonical_syllable(word)
        return new if new != word else old_style(word)

    return re.sub(r"[^\W\d_]+", swap, unicodedata.normalize("NFC", text))


def variant(query: Query, name: str) -> str | None:
    """The query typed in variant ``name``, or None when the variant does not apply."""
    text = query.text
    if name == "exact":
        return text
    if name == "lower":
        return text.lower()
    if name == "no_diacritics":
        return fold(text).lower()
    if name == "nfd":
        return unicodedata.normalize("NFD", text)
    if name == "other_tone":
        swapped = other_tone_style(text)
        return swapped if swapped != text else None
    if name == "joined":
        joined = get_segmenter().tokenize(text)
        return joined if "_" in joined else None
    if name == "field":
        return f"{query.field}:({text})" if query.field else None
    raise ValueError(name)


def load_articles(sources: list[Path]) -> list[Article]:
    return [a for src in discover([str(p) for p in sources]) for a in read_articles(src)]


def searchkit_engine(workdir: Path, sources: list[Path]) -> Search:
    index_dir = workdir / "searchkit"
    index_paths([str(p) for p in sources], index_dir)
    searcher = Searcher(index_dir)

    def run(text: str) -> list[str]:
        try:
            return [hit.id for hit in searcher.search(text, limit=TOP).hits]
        except QueryError:
            return []

    return run


def fts5_engine(articles: list[Article]) -> Search:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, captions, body, author, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
        [(a.id, a.title, "\n".join(a.captions), a.body, a.author) for a in articles],
    )
    weights = ", ".join(str(boosts()[f]) for f in text_fields())

    def run(text: str) -> list[str]:
        field = None
        match = re.fullmatch(r"(\w+):\((.*)\)", text)
        if match:
            field, text = match.group(1), match.group(2)
        words = re.findall(r"[^\W_]+", text)
        if not words:
            return []
        expression = " ".join('"' + w.replace('"', "") + '"' for w in words)
        if field:
            expression = f"{field} : ({expression})"
        rows = db.execute(
            f"SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, {weights}) LIMIT {TOP}",
            (expression,),
        )
        return [row[0] for row in rows]

    return run


def whoosh_standard_engine(articles: list[Article], workdir: Path) -> Search:
    schema = wf.Schema(
        id=wf.ID(stored=True, unique=True), **{f: wf.TEXT(analyzer=StandardAnalyzer()) for f in text_fields()}
    )
    folder = workdir / "whoosh-standard"
    folder.mkdir()
    ix = wi.create_in(str(folder), schema)
    with ix.writer(limitmb=256) as writer:
        for a in articles:
            writer.add_document(id=a.id, title=a.title, captions="\n".join(a.captions), body=a.body, author=a.author)
    parser = MultifieldParser(list(text_fields()), schema, fieldboosts=boosts())
    searcher = ix.searcher()

    def run(text: str) -> list[str]:
        # Every match scored, as searchkit does: Whoosh's pruning collector can drop the best hits.
        collector = collectors.TopCollector(TOP, usequality=False, replace=0)
        searcher.search_with_collector(parser.parse(text), collector)
        return [hit["id"] for hit in collector.results()]

    return run


@dataclass
class Miss:
    variant: str
    text: str
    target: str
    first: str | None


def evaluate(engine: Search, queries: list[Query]) -> tuple[dict[str, tuple[float, float, int]], list[Miss]]:
    """Per variant: (success@1, MRR@10, number of queries); and every query not ranked first."""
    table = {}
    misses = []
    for name in VARIANTS:
        hits1, reciprocal, count = 0, 0.0, 0
        for query in queries:
            text = variant(query, name)
            if text is None:
                continue
            count += 1
            ranked = engine(text)
            if ranked[:1] == [query.target]:
                hits1 += 1
            else:
                misses.append(Miss(name, text, query.target, ranked[0] if ranked else None))
            if query.target in ranked:
                reciprocal += 1 / (ranked.index(query.target) + 1)
        table[name] = (hits1 / count if count else 0.0, reciprocal / count if count else 0.0, count)
    return table, misses


def markdown(
    results: dict[str, dict[str, tuple[float, float, int]]], misses: list[Miss], articles: int, seconds: float
) -> str:
    engines = list(results)
    lines = [
        "| variant | queries | " + " | ".join(f"{e} s@1 | {e} MRR@10" for e in engines) + " |",
        "|---|---:|" + "---:|---:|" * len(engines),
    ]
    for name in VARIANTS:
        count = results[engines[0]][name][2]
        cells = " | ".join(f"{results[e][name][0]:.3f} | {results[e][name][1]:.3f}" for e in engines)
        lines.append(f"| {name} | {count} | {cells} |")
    total = sum(results[engines[0]][name][2] for name in VARIANTS)
    lines.append("")
    lines.append(f"{total} query runs per engine over {articles:,} articles, in {seconds:.1f} s.")
    lines.append("")
    lines.append(f"Queries {engines[0]} does not rank first ({len(misses)}):")
    lines.append("")
    lines.append("| variant | query | intended | ranked first |")
    lines.append("|---|---|---|---|")
    for miss in misses:
        text = unicodedata.normalize("NFC", miss.text)
        shown = text if text == miss.text else f"{text} (NFD)"
        lines.append(f"| {miss.variant} | `{shown}` | {miss.target} | {miss.first or 'nothing'} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="Replace the results table in this Markdown file.")
    parser.add_argument("--distractors", type=int, default=0, help="Add this many generated articles (make_corpus.py).")
    args = parser.parse_args()
    queries = [Query(q["target"], q["query"], q.get("field")) for q in json.loads(QUERIES.read_text("utf-8"))]
    sources = [*CORPUS, corpus(args.distractors)] if args.distractors else CORPUS
    articles = load_articles(sources)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        results, misses = {}, {}
        engines = {
            "searchkit": lambda: searchkit_engine(workdir, sources),
            "fts5": lambda: fts5_engine(articles),
            "whoosh-std": lambda: whoosh_standard_engine(articles, workdir),
        }
        for name, make in engines.items():
            results[name], misses[name] = evaluate(make(), queries)
    table = markdown(results, misses["searchkit"], len(articles), time.monotonic() - started)
    command = "python bench/relevance.py" + (f" --distractors {args.distractors}" if args.distractors else "")
    publish(f"Command: `{command}`.\n\n{table}", args.write, "results-distractors" if args.distractors else "results")
    failing = [
        name
        for name in VARIANTS
        if results["searchkit"][name][2]
        and (
            results["searchkit"][name][0] < 0.9
            or any(results["searchkit"][name][0] <= results[e][name][0] for e in ("fts5", "whoosh-std"))
        )
    ]
    if failing:
        print(f"targets missed in: {', '.join(failing)}", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
