"""The engines the relevance benches compare, and how a known-item run is scored.

Each engine is a function from a query as the user typed it to the ids of the
articles it ranks first (at most :data:`TOP`).  searchkit is asked through its
public API only (``searchkit.Index``), so the benches measure whatever engine
is behind it.  The baselines are what a team would otherwise reach for:

* ``fts5``: SQLite FTS5, ``unicode61 remove_diacritics 2``, every word required,
  ranked by bm25 with searchkit's field weights;
* ``fts5-phrase``: the same index asked for the words as one phrase
  (``"w1 w2 …"``), then the ``fts5`` hits after those: the strongest ranking
  FTS5 offers for words typed side by side;
* ``whoosh-std``: Whoosh with its ``StandardAnalyzer`` and the same field boosts;
* ``grep``: a case-insensitive substring scan of the raw files for the query as
  typed, files in path order, as ``grep -ril`` lists them.  It finds the
  spelling it is given and nothing else.

Built indexes are kept under ``bench/results/indexes``: one per corpus, reused by
every variant, every baseline and later runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from itertools import accumulate
from pathlib import Path

from common import RESULTS, cached
from whoosh import collectors
from whoosh import fields as wf
from whoosh import index as wi
from whoosh.analysis import StandardAnalyzer
from whoosh.qparser import MultifieldParser

from searchkit import Index
from searchkit.articles import Article
from searchkit.errors import QueryError
from searchkit.fields import boosts, text_fields
from searchkit.ingest import discover, read_articles

TOP = 10
#: A word as a baseline's query parser sees it: letters and digits, with the combining marks of NFD input.
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
FIELD_QUERY = re.compile(r"(\w+):\((.*)\)")

Search = Callable[[str], list[str]]


def load_articles(sources: Iterable[Path]) -> list[Article]:
    return [a for src in discover([str(p) for p in sources]) for a in read_articles(src)]


def split_field(text: str) -> tuple[str | None, str]:
    """(field, words) of a query written ``field:(words)``; (None, text) for any other."""
    match = FIELD_QUERY.fullmatch(text)
    return (match.group(1), match.group(2)) if match else (None, text)


def searchkit_engine(index_dir: Path) -> Search:
    index = Index(index_dir)

    def run(text: str) -> list[str]:
        try:
            return [hit.id for hit in index.search(text, limit=TOP).hits]
        except QueryError:
            return []

    return run


def _fts5_build(articles: list[Article]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        folder.mkdir(parents=True)
        db = sqlite3.connect(folder / "fts5.sqlite")
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, captions, body, author, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
            [(a.id, a.title, "\n".join(a.captions), a.body, a.author) for a in articles],
        )
        db.commit()
        db.close()

    return build


def fts5_engine(articles: list[Article], name: str, phrase: bool) -> Search:
    folder = cached(RESULTS / "indexes" / f"fts5-{name}", _fts5_build(articles))
    db = sqlite3.connect(folder / "fts5.sqlite", check_same_thread=False)
    weights = ", ".join(str(boosts()[f]) for f in text_fields())

    def ask(expression: str, field: str | None) -> list[str]:
        if field:
            expression = f"{field} : ({expression})"
        rows = db.execute(
            f"SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, {weights}) LIMIT {TOP}",
            (expression,),
        )
        return [row[0] for row in rows]

    def run(text: str) -> list[str]:
        field, text = split_field(text)
        words = WORD.findall(text)
        if not words:
            return []
        ranked = ask(" ".join(f'"{w}"' for w in words), field)
        if phrase and len(words) > 1:
            first = ask('"' + " ".join(words) + '"', field)
            ranked = first + [i for i in ranked if i not in first]
        return ranked[:TOP]

    return run


def _whoosh_build(articles: list[Article]) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        folder.mkdir(parents=True)
        ix = wi.create_in(str(folder), _whoosh_schema())
        with ix.writer(limitmb=256) as writer:
            for a in articles:
                writer.add_document(
                    id=a.id, title=a.title, captions="\n".join(a.captions), body=a.body, author=a.author
                )

    return build


def _whoosh_schema() -> wf.Schema:
    analyzed = {f: wf.TEXT(analyzer=StandardAnalyzer()) for f in text_fields()}
    return wf.Schema(id=wf.ID(stored=True, unique=True), **analyzed)


def whoosh_standard_engine(articles: list[Article], name: str) -> Search:
    folder = cached(RESULTS / "indexes" / f"whoosh-std-{name}", _whoosh_build(articles))
    ix = wi.open_dir(str(folder))
    parser = MultifieldParser(list(text_fields()), ix.schema, fieldboosts=boosts())
    searcher = ix.searcher()

    def run(text: str) -> list[str]:
        # Every match scored, as searchkit does: Whoosh's pruning collector can drop the best hits.
        collector = collectors.TopCollector(TOP, usequality=False, replace=0)
        searcher.search_with_collector(parser.parse(text), collector)
        return [hit["id"] for hit in collector.results()]

    return run


def substring_engine(articles: list[Article]) -> Search:
    """grep -ril: the files whose raw text holds the query, lower-cased, in path order."""
    ids: dict[str, list[str]] = {}
    for a in articles:
        ids.setdefault(a.source, []).append(a.id)
    files = sorted(ids)
    texts = [Path(f).read_bytes().decode("utf-8", "replace").lower() + "\0" for f in files]
    starts = list(accumulate((len(t) for t in texts[:-1]), initial=0))
    haystack = "".join(texts)

    def run(text: str) -> list[str]:
        needle = split_field(text)[1].lower()
        found: list[str] = []
        at = haystack.find(needle) if needle else -1
        while at >= 0 and len(found) < TOP:
            file = bisect_right(starts, at) - 1
            found += ids[files[file]]
            at = haystack.find(needle, starts[file + 1]) if file + 1 < len(starts) else -1
        return found[:TOP]

    return run


def articles_stamp(articles: list[Article]) -> str:
    """A short hash of the parsed articles: a baseline index of other articles is not reused."""
    digest = hashlib.blake2b(digest_size=6)
    for a in articles:
        digest.update(f"{a.id}\x1f{a.content_hash}\x1e".encode())
    return digest.hexdigest()


def engines(index_dir: Path, articles: list[Article]) -> dict[str, Search]:
    """searchkit with the index at ``index_dir`` and every baseline over the same articles."""
    name = articles_stamp(articles)
    return {
        "searchkit": searchkit_engine(index_dir),
        "fts5": fts5_engine(articles, name, phrase=False),
        "fts5-phrase": fts5_engine(articles, name, phrase=True),
        "whoosh-std": whoosh_standard_engine(articles, name),
        "grep": substring_engine(articles),
    }


@dataclass(frozen=True)
class Case:
    """One query run: the variant it is typed in, the text, and the article it should find first."""

    variant: str
    text: str
    target: str


@dataclass
class Miss:
    case: Case
    rank: int | None
    first: str | None


Scores = dict[str, tuple[float, float, int]]


def evaluate(engine: Search, cases: list[Case], variants: Iterable[str]) -> tuple[Scores, list[Miss]]:
    """Per variant: (success@1, MRR@10, number of queries); and every case not ranked first."""
    totals = {name: [0, 0.0, 0] for name in variants}
    misses = []
    for case in cases:
        ranked = engine(case.text)
        rank = ranked.index(case.target) + 1 if case.target in ranked else None
        total = totals[case.variant]
        total[0] += rank == 1
        total[1] += 1 / rank if rank else 0.0
        total[2] += 1
        if rank != 1:
            misses.append(Miss(case, rank, ranked[0] if ranked else None))
    return {name: (h / n if n else 0.0, r / n if n else 0.0, n) for name, (h, r, n) in totals.items()}, misses


def compare(
    index_dir: Path, articles: list[Article], cases: list[Case], variants: Iterable[str]
) -> tuple[dict[str, Scores], list[Miss]]:
    """Every engine's scores on ``cases``, and searchkit's misses; progress on stderr."""
    results, misses = {}, []
    for name, engine in engines(index_dir, articles).items():
        started = time.monotonic()
        results[name], missed = evaluate(engine, cases, variants)
        if name == "searchkit":
            misses = missed
        print(f"{name}: {len(cases)} queries in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return results, misses


def markdown(results: dict[str, Scores], misses: list[Miss], summary: str) -> str:
    """The scores table, a summary line, and the first engine's misses (folded away: they are many)."""
    engines = list(results)
    first = results[engines[0]]
    lines = [
        "| variant | queries | " + " | ".join(f"{e} s@1 | MRR@10" for e in engines) + " |",
        "|---|---:|" + "---:|---:|" * len(engines),
    ]
    for name, (_, _, count) in first.items():
        cells = " | ".join(f"{results[e][name][0]:.3f} | {results[e][name][1]:.3f}" for e in engines)
        lines.append(f"| {name} | {count} | {cells} |")
    lines += [
        "",
        summary,
        "",
        f"<details><summary>Queries {engines[0]} does not rank first ({len(misses)})</summary>",
        "",
    ]
    lines += ["| variant | query | intended | rank | ranked first |", "|---|---|---|---:|---|"]
    for miss in misses:
        text = unicodedata.normalize("NFC", miss.case.text)
        text = text if text == miss.case.text else f"{text} (NFD)"
        rank = miss.rank or "–"
        lines.append(f"| {miss.case.variant} | `{text}` | {miss.case.target} | {rank} | {miss.first or 'nothing'} |")
    lines += ["", "</details>"]
    return "\n".join(lines)


def save(path: Path, results: dict[str, Scores], misses: list[Miss]) -> None:
    """The run's scores and searchkit's misses as JSON, for comparing runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"scores": results, "misses": [{**asdict(m.case), "rank": m.rank, "first": m.first} for m in misses]}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
