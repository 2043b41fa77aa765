"""Searching the index: ranked hits with highlighted snippets, facets, stored articles, stats.

Results are plain dataclasses, so the CLI, the JSON output and the HTML
report shape them without knowing Whoosh.  Snippets are lists of
``(text, matched)`` segments; each front end marks the matched ones its own way.
"""

from __future__ import annotations

import os
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from searchkit import fields, similarity
from searchkit.backend.engine import Engine
from searchkit.backend.query import ParsedQuery, Relaxed, check_wildcards, matching_part, parse, run_shingles
from searchkit.backend.storage import build_schema, index_size, open_index
from searchkit.errors import ArticleNotFound, QueryError
from searchkit.snippets import Marks, Segments, highlight_whole, leading_text, snippet
from searchkit.spelling import did_you_mean

SORTS = ("relevance", "date")
#: Near-duplicates are looked for among the first ``page * limit * FOLD_WINDOW`` ranked matches only:
#: enough for a page whose hits have two copies each, at the cost of reading that many stored articles.
FOLD_WINDOW = 3


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
    #: Ids of the near-duplicates folded under this hit (searchkit.similarity), best-ranked first.
    similar: list[str] = field(default_factory=list)
    #: With ``facets=True``: the hit's values of each facet counted (empty when it has none).
    facets: dict[str, list[str]] = field(default_factory=dict)

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
    #: Matches less the copies folded under a hit (None when not folded); see :meth:`Searcher.search`.
    stories: int | None = None


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
    #: People, places and organisations named (facet → names as shown); filled by ``get`` only.
    names: dict[str, list[str]] = field(default_factory=dict)

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


def query_terms(text: str, fieldnames: Iterable[str]) -> dict[str, Marks]:
    """What highlighting marks in each of ``fieldnames`` for the query ``text`` (parsed once)."""
    parsed = parse(text, build_schema())
    return {name: parsed.marks(name) for name in fieldnames}


def highlight_text(text: str, marks: Marks, whole: bool = False) -> Segments:
    """Segments of ``text`` with the query's words marked: all of it (``whole``) or the best fragments."""
    return highlight_whole(text, marks) if whole else snippet(text, marks)


def make_snippet(stored: dict[str, object], parsed: ParsedQuery) -> Segments:
    """The best matching fragments of the body (or captions), else the lead; not the title again."""
    title = str(stored.get("title") or "")
    for fieldname in ("body", "captions"):
        segments = snippet(str(stored.get(fieldname) or ""), parsed.marks(fieldname), skip_prefix=title)
        if segments:
            return segments
    return leading_text(str(stored.get("body") or ""))


def make_hit(stored: dict[str, object], score: float, rank: int, parsed: ParsedQuery) -> Hit:
    """A hit from the article's stored fields, with the snippet for ``parsed``."""
    return Hit(
        rank=rank,
        score=round(score, 4),
        id=str(stored["id"]),
        path=str(stored.get("path", "")),
        title=str(stored.get("title", "")),
        date=str(stored.get("date_text") or "") or None,
        author=str(stored.get("author", "")),
        snippet=make_snippet(stored, parsed),
    )


class Searcher:
    """An open index, for many searches: the CLI opens one per command, a benchmark keeps one."""

    def __init__(self, index_dir: Path) -> None:
        self.ix = open_index(index_dir)
        self.schema = self.ix.schema  # Whoosh rereads its table of contents on every ``ix.schema``
        self.engine = Engine(self.ix, index_dir, fields.text_fields())

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()

    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        page: int = 1,
        sort: str = "relevance",
        facets: bool = False,
        fold: bool = True,
    ) -> SearchResults:
        """Run ``text`` against the index and return one page of ranked hits.

        ``sort="relevance"`` ranks by score, newer first among equal scores, and
        in a query typed with marks the articles with every word as typed first;
        ``sort="date"`` lists newest first.  ``facets`` counts months, years,
        authors and the people, places and organisations named, over every match,
        and gives each hit its values (``Hit.facets``).  ``fold`` puts
        near-duplicates under the best-ranked copy (:meth:`_folded`);
        ``fold=False`` lists every copy.
        """
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
        if limit < 1 or page < 1:
            raise QueryError("--limit and --page must be 1 or more")
        parsed = parse(text, self.schema)
        check_wildcards(parsed.tree, self.engine.reader)
        by_date = sort == "date"
        first = self.engine.evaluate(parsed.exact).mask if parsed.exact is not None and not by_date else None
        # A list sorted by date has no use for the clauses that only rank.
        found = self.engine.evaluate(parsed.matching() if by_date else parsed.tree)
        page_args = {
            "limit": page * limit * FOLD_WINDOW if fold else limit,
            "offset": 0 if fold else (page - 1) * limit,
            "by_date": by_date,
            "facets": fields.RESULT_FACETS if facets else (),
        }
        runs = () if by_date else [(run_shingles(words), fields) for words, fields in parsed.runs]
        ranked = self.engine.rank(found, first=first, runs=runs, **page_args)
        words_matched = None
        if ranked.total == 0 and (relaxed := parsed.relaxed()):
            allowed, best = self._with_most_words(relaxed)
            if best:
                found = self.engine.evaluate(matching_part(relaxed.query) if by_date else relaxed.query)
                ranked = self.engine.rank(found, allowed=allowed, runs=runs, **page_args)
                words_matched = (best, len(relaxed.words))
        suggestion = did_you_mean(self.engine, parsed) if ranked.total == 0 or words_matched else None
        scores = dict(zip(ranked.docnums, ranked.scores, strict=True))
        stories = None
        if fold:
            groups = similarity.fold(self.engine.column_values("minhash", ranked.docnums))  # type: ignore[arg-type]
            stories = ranked.total - (len(ranked.docnums) - len(groups))
            page_groups = [[ranked.docnums[row] for row in group] for group in groups[(page - 1) * limit :][:limit]]
        else:
            page_groups = [[docnum] for docnum in ranked.docnums]
        hits = []
        for number, (docnum, *copies) in enumerate(page_groups, start=1):
            hit = make_hit(self.engine.stored(docnum), scores[docnum], (page - 1) * limit + number, parsed)
            hit.similar = [str(copy_id) for copy_id in self.engine.column_values("id", copies)]
            if facets:
                hit.facets = {name: self.engine.facet_of(name, docnum) for name in fields.RESULT_FACETS}
            hits.append(hit)
        return SearchResults(text, ranked.total, page, limit, hits, ranked.facets, words_matched, suggestion, stories)

    def get(self, article_id: str) -> StoredArticle:
        """The stored article with ``article_id``, or the one whose path (as ``search`` prints it) is that.

        A name typed composed (NFC) also finds a file named decomposed (NFD, as
        macOS writes names), and the other way round.
        """
        docnum = None
        for spelling in dict.fromkeys(
            [article_id, *(unicodedata.normalize(form, article_id) for form in ("NFC", "NFD"))]
        ):
            docnum = self._document_number(spelling)
            if docnum is not None:
                break
        if docnum is None:
            raise ArticleNotFound(article_id)
        article = StoredArticle.from_stored(self.engine.stored(docnum))
        article.names = {name: self.engine.facet_of(name, docnum) for name in fields.multi_valued_facets()}
        return article

    def _document_number(self, article_id: str) -> int | None:
        docnum = self.engine.document_number("id", article_id)
        if docnum is None:
            docnum = self.engine.document_number("path", article_id)
        if docnum is None and os.path.exists(article_id):
            docnum = self.engine.document_number("source", os.path.abspath(article_id))
        return docnum

    def articles(self) -> Iterator[StoredArticle]:
        """Every live article, newest first, undated last."""
        stored = sorted(
            self.engine.all_stored(),
            key=lambda s: (str(s.get("date_text") or ""), str(s["id"])),
            reverse=True,
        )
        return (StoredArticle.from_stored(s) for s in stored)

    def signatures(self) -> dict[str, bytes]:
        """Every live article's near-duplicate signature (:mod:`searchkit.similarity`) by id, from columns."""
        live = np.flatnonzero(self.engine.live).tolist()
        ids = self.engine.column_values("id", live)
        return {str(i): s for i, s in zip(ids, self.engine.column_values("minhash", live), strict=True)}  # type: ignore[misc]

    def stats(self, top: int = 10) -> Stats:
        """Number of articles, date range, size on disk and the most frequent authors."""
        live = np.flatnonzero(self.engine.live)
        dates = sorted(self.engine.facet_counts("date", live))
        authors = Counter(self.engine.facet_counts("author", live))
        return Stats(len(live), dates[0] if dates else None, dates[-1] if dates else None, 0, authors.most_common(top))

    def _with_most_words(self, relaxed: Relaxed) -> tuple[np.ndarray, int]:
        """The articles with the most of the query's words (and its dates), and how many words that is."""
        counts = self.engine.count_matching(relaxed.words, relaxed.required)
        best = int(counts.max(initial=0))
        return counts == best, best


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


def get_article(index_dir: Path, article_id: str) -> StoredArticle:
    """One stored article, by id or by the path ``search`` prints."""
    with Searcher(index_dir) as searcher:
        return searcher.get(article_id)


def stats(index_dir: Path, top: int = 10) -> Stats:
    """Number of articles, date range, size on disk and the most frequent authors."""
    with Searcher(index_dir) as searcher:
        found = searcher.stats(top)
    found.size_bytes = index_size(index_dir)
    return found
