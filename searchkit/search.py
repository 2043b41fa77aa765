"""Searching the index: ranked hits with highlighted snippets, facets, stored articles, stats.

Results are plain dataclasses, so the CLI, the JSON output and the HTML
report shape them without knowing Whoosh.  Snippets are lists of
``(text, matched)`` segments; each front end marks the matched ones its own way.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from whoosh import collectors, highlight
from whoosh import query as wq
from whoosh.searching import Results
from whoosh.sorting import FieldFacet

from searchkit.analysis import vietnamese_analyzer
from searchkit.errors import ArticleNotFound, QueryError
from searchkit.index import build_schema, index_size, open_index
from searchkit.query import Relaxed, check_wildcards, matching_part, parse_query, relax, spelled_as_typed
from searchkit.spelling import did_you_mean

Segments = list[tuple[str, bool]]

#: Characters of context around the matched words in a snippet.
SNIPPET_SURROUND = 60
#: Longest snippet fragment, in characters.
SNIPPET_MAX_CHARS = 220
#: Fragments per snippet.
SNIPPET_FRAGMENTS = 2
#: Separator between a snippet's fragments.
ELLIPSIS = " … "
SORTS = ("relevance", "date")


@dataclass
class Hit:
    """One ranked article of a result page."""

    rank: int
    score: float
    id: str
    path: str
    title: str
    date: str | None
    author: str
    snippet: Segments

    @property
    def snippet_text(self) -> str:
        return "".join(text for text, _ in self.snippet)


@dataclass
class SearchResults:
    """A page of hits for a query, with the total number of matches."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: When no article has every word: (words the hits have, words in the query).
    words_matched: tuple[int, int] | None = None
    #: The query with the words the index has never seen corrected, when some were.
    did_you_mean: str | None = None


@dataclass
class StoredArticle:
    """An article as the index stores it: what ``show``, the report and the API read."""

    id: str
    path: str
    title: str
    date: str | None
    author: str
    url: str
    body: str
    captions: list[str]

    @classmethod
    def from_stored(cls, stored: dict[str, object]) -> StoredArticle:
        return cls(
            id=str(stored["id"]),
            path=str(stored.get("path") or ""),
            title=str(stored.get("title") or ""),
            date=str(stored.get("date_text") or "") or None,
            author=str(stored.get("author") or ""),
            url=str(stored.get("url") or ""),
            body=str(stored.get("body") or ""),
            captions=[c for c in str(stored.get("captions") or "").split("\n") if c],
        )


@dataclass
class Stats:
    """What ``searchkit stats`` reports about an index."""

    articles: int
    first_date: str | None
    last_date: str | None
    size_bytes: int
    top_authors: list[tuple[str, int]]


class SegmentsFormatter(highlight.Formatter):
    """Turns Whoosh's fragments into ``(text, matched)`` segments.

    The analyzer puts several tokens on one span (syllable, folded form,
    shingle), so matched spans are merged before they are cut out.
    """

    def format(self, fragments: list[highlight.Fragment], replace: bool = False) -> Segments:
        segments: Segments = []
        for number, fragment in enumerate(fragments):
            if number:
                segments.append((ELLIPSIS, False))
            segments.extend(self._fragment_segments(fragment))
        return segments

    @staticmethod
    def _fragment_segments(fragment: highlight.Fragment) -> Segments:
        spans: list[list[int]] = []
        for token in sorted(fragment.matches, key=lambda t: (t.startchar, -t.endchar)):
            if spans and token.startchar <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], token.endchar)
            else:
                spans.append([token.startchar, token.endchar])
        text, index, segments = fragment.text, fragment.startchar, []
        for start, end in spans:
            start, end = max(start, index), min(end, fragment.endchar)
            if start >= end:
                continue
            if start > index:
                segments.append((text[index:start], False))
            segments.append((text[start:end], True))
            index = end
        if index < fragment.endchar:
            segments.append((text[index : fragment.endchar], False))
        return segments


def _query_terms(q: wq.Query, fieldname: str) -> frozenset[str]:
    return frozenset(text for name, text in q.iter_all_terms() if name == fieldname)


def query_terms(text: str, fieldname: str) -> frozenset[str]:
    """The terms query ``text`` looks up in ``fieldname``: what highlighting marks there."""
    return _query_terms(parse_query(text, build_schema()), fieldname)


def highlight_text(text: str, terms: frozenset[str], whole: bool = False) -> Segments:
    """Segments of ``text`` with the words matching ``terms`` marked.

    ``whole`` keeps the full text (an article page); otherwise only the best
    fragments are kept (a snippet).
    """
    if whole:
        fragmenter: highlight.Fragmenter = highlight.WholeFragmenter(charlimit=None)
        top = 1
    else:
        fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_MAX_CHARS, surround=SNIPPET_SURROUND, charlimit=None)
        top = SNIPPET_FRAGMENTS
    if not terms or not text:
        return [(text, False)] if whole and text else []
    segments = highlight.highlight(
        text, terms, vietnamese_analyzer(), fragmenter, SegmentsFormatter(), top=top, mode="highlight"
    )
    if whole and not segments:
        return [(text, False)]
    return segments


def leading_text(text: str) -> Segments:
    """The start of ``text``, cut at a space within SNIPPET_MAX_CHARS: a snippet when nothing matched."""
    if len(text) <= SNIPPET_MAX_CHARS:
        return [(text, False)] if text else []
    cut = text.rfind(" ", 0, SNIPPET_MAX_CHARS)
    return [(text[: cut if cut > 0 else SNIPPET_MAX_CHARS] + " …", False)]


def make_snippet(stored: dict[str, object], q: wq.Query) -> Segments:
    """The best matching fragments of the body (or captions), else the lead."""
    for fieldname in ("body", "captions"):
        text = str(stored.get(fieldname) or "")
        segments = highlight_text(text, _query_terms(q, fieldname))
        if segments:
            return segments
    return leading_text(str(stored.get("body") or ""))


#: Added to the score of a document holding every word as typed, so it ranks above the rest.
SPELLED_AS_TYPED_LIFT = 1e6


class _TopSpelledFirst(collectors.TopCollector):
    """The top ``limit`` hits, every match scored and counted in one pass, ``first`` ranked above the rest.

    Whoosh's default collector prunes: every few documents it replaces the
    matcher tree with one meant to skip what cannot beat the lowest kept score.
    On searchkit's queries that replacement loses documents, although each
    sub-query's quality bound holds: it ranked other articles above the best
    match for 86 of 200 drawn queries at 1,000 articles, and where it counted as
    it went (date ranges) it reported 850 of 1,621 matches at 20,000.  Scoring
    everything costs more time per query (docs/benchmarks.md) and gives the
    true ranking and total.  The documents of ``first`` (those holding every
    word as typed) are lifted through Whoosh's final-score hook, so the heap
    keeps them before any other.
    """

    def __init__(self, limit: int, first: set[int]) -> None:
        super().__init__(limit, usequality=False, replace=0)
        self.first = first

    def prepare(self, top_searcher: object, q: wq.Query, context: object) -> None:
        super().prepare(top_searcher, q, context)
        if self.first:
            self.final_fn = self._lift

    def _lift(self, searcher: object, docnum: int, score: float) -> float:
        return score + SPELLED_AS_TYPED_LIFT if docnum in self.first else score


class Searcher:
    """An open index, for many searches: the CLI opens one per command, a benchmark keeps one."""

    def __init__(self, index_dir: Path) -> None:
        self.ix = open_index(index_dir)
        self.searcher = self.ix.searcher()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.searcher.close()

    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        page: int = 1,
        sort: str = "relevance",
        facets: bool = False,
    ) -> SearchResults:
        """Run ``text`` against the index and return one page of ranked hits.

        ``sort="relevance"`` ranks by score, newer first among equal scores, and
        in a query typed with marks the articles with every word as typed first;
        ``sort="date"`` lists newest first.
        """
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
        if limit < 1 or page < 1:
            raise QueryError("--limit and --page must be 1 or more")
        q = parse_query(text, self.ix.schema)
        check_wildcards(q, self.searcher.reader())
        results, as_typed = self._run(q, sort, page * limit, facets, exact=spelled_as_typed(q, text))
        words_matched = None
        if results.is_empty() and (relaxed := relax(q, text)):
            allowed, best = self._with_most_words(relaxed)
            if allowed:
                results, as_typed = self._run(relaxed.query, sort, page * limit, facets, allowed)
                words_matched = (best, len(relaxed.words))
        suggestion = did_you_mean(self.searcher, text, q) if results.is_empty() or words_matched else None
        total = len(results)
        ranked = []
        for index, hit in enumerate(results):
            first = hit.docnum in as_typed
            score = (hit.score or 0.0) - (SPELLED_AS_TYPED_LIFT if first else 0.0)
            ranked.append((score, hit.fields(), index, first))
        if sort == "relevance":
            ranked.sort(key=lambda item: (not item[3], -round(item[0], 6), _newest_first(item[1]), item[2]))
        window = ranked[(page - 1) * limit : page * limit]
        hits = [
            Hit(
                rank=(page - 1) * limit + number,
                score=round(score, 4),
                id=str(stored["id"]),
                path=str(stored.get("path", "")),
                title=str(stored.get("title", "")),
                date=str(stored.get("date_text") or "") or None,
                author=str(stored.get("author", "")),
                snippet=make_snippet(stored, q),
            )
            for number, (score, stored, _, _) in enumerate(window, start=1)
        ]
        facet_counts: dict[str, dict[str, int]] = {}
        if facets:
            for name in ("month", "author"):
                groups = results.groups(name)
                facet_counts[name] = {str(key): len(docs) for key, docs in groups.items() if key not in (None, "")}
        return SearchResults(text, total, page, limit, hits, facet_counts, words_matched, suggestion)

    def _run(
        self,
        q: wq.Query,
        sort: str,
        limit: int,
        facets: bool,
        allowed: set[int] | None = None,
        exact: wq.Query | None = None,
    ) -> tuple[Results, set[int]]:
        """Whoosh's results for ``q``, and the documents that hold every word as typed (``exact``).

        By relevance: the top ``limit``, those documents first; by date: every match.
        """
        groups = {"month": FieldFacet("month"), "author": FieldFacet("author_name")} if facets else None
        if sort == "date":  # the same matches without the clauses that only rank
            results = self.searcher.search(
                matching_part(q),
                limit=limit,
                filter=allowed,
                sortedby=FieldFacet("date_text", reverse=True),  # undated ("") last
                groupedby=groups,
            )
            return results, set()
        as_typed = set(self.searcher.docs_for_query(exact)) if exact is not None else set()
        collector: collectors.Collector = _TopSpelledFirst(limit, as_typed)
        if groups:
            collector = collectors.FacetCollector(collector, groups)
        if allowed is not None:
            collector = collectors.FilterCollector(collector, allow=allowed)
        self.searcher.search_with_collector(q, collector)
        return collector.results(), as_typed

    def get(self, article_id: str) -> StoredArticle:
        """The stored article with ``article_id``, or the one whose path (as ``search`` prints it) is that."""
        stored = self.searcher.document(id=article_id) or self.searcher.document(path=article_id)
        if stored is None and os.path.exists(article_id):
            stored = self.searcher.document(source=os.path.abspath(article_id))
        if stored is None:
            raise ArticleNotFound(article_id)
        return StoredArticle.from_stored(stored)

    def articles(self) -> Iterator[StoredArticle]:
        """Every live article, newest first, undated last."""
        stored = sorted(
            (dict(s) for s in self.searcher.all_stored_fields()),
            key=lambda s: (str(s.get("date_text") or ""), str(s["id"])),
            reverse=True,
        )
        return (StoredArticle.from_stored(s) for s in stored)

    def _with_most_words(self, relaxed: Relaxed) -> tuple[set[int], int]:
        """The articles with the most of the query's words (and its dates), and how many words that is."""
        counts: Counter[int] = Counter()
        for word in relaxed.words:
            clause = wq.And([*relaxed.required, word]) if relaxed.required else word
            counts.update(self.searcher.docs_for_query(clause))
        best = max(counts.values(), default=0)
        return {docnum for docnum, count in counts.items() if count == best}, best


def search(
    index_dir: Path,
    text: str,
    *,
    limit: int = 10,
    page: int = 1,
    sort: str = "relevance",
    facets: bool = False,
) -> SearchResults:
    """One search on the index at ``index_dir`` (see :meth:`Searcher.search`)."""
    with Searcher(index_dir) as searcher:
        return searcher.search(text, limit=limit, page=page, sort=sort, facets=facets)


def _newest_first(stored: dict[str, object]) -> float:
    date = stored.get("date")
    return -date.timestamp() if isinstance(date, datetime) else 0.0


def get_article(index_dir: Path, article_id: str) -> StoredArticle:
    """One stored article, by id or by the path ``search`` prints."""
    with Searcher(index_dir) as searcher:
        return searcher.get(article_id)


def stats(index_dir: Path, top: int = 10) -> Stats:
    """Number of articles, date range, size on disk and the most frequent authors."""
    ix = open_index(index_dir)
    with ix.reader() as reader:
        count = reader.doc_count()
        authors: Counter[str] = Counter()
        dates: list[str] = []
        if reader.doc_count_all():
            author_column = reader.column_reader("author_name")
            date_column = reader.column_reader("date_text")
            for docnum in reader.all_doc_ids():
                if author_column[docnum]:
                    authors[author_column[docnum]] += 1
                if date_column[docnum]:
                    dates.append(date_column[docnum])
        first = min(dates) if dates else None
        last = max(dates) if dates else None
    return Stats(count, first, last, index_size(index_dir), authors.most_common(top))
