"""The public Python API: ``searchkit.Index``, what the CLI and the report use.

    from searchkit import Index
    with Index("index") as index:
        for hit in index.search("bo cong an", limit=5).hits:
            print(hit.rank, hit.title)

An :class:`Index` opens the index lazily, on the first search, and keeps it
open for the searches that follow; ``add`` updates it (and the next search sees
the change).  Results are the dataclasses of :mod:`searchkit.search`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from searchkit.search import Hit, Searcher, SearchResults, Stats, StoredArticle, stats

if TYPE_CHECKING:
    from searchkit.indexer import IndexSummary


class Index:
    """A searchkit index folder: search it, read its articles, add files to it."""

    def __init__(self, path: str | os.PathLike[str] = "index") -> None:
        self.path = Path(path)
        self._searcher: Searcher | None = None

    def __repr__(self) -> str:
        return f"Index({str(self.path)!r})"

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the open index (a later call opens it again)."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            self._searcher = Searcher(self.path)
        return self._searcher

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        page: int = 1,
        sort: str = "relevance",
        facets: bool = False,
        fold: bool = True,
    ) -> SearchResults:
        """One page of ranked hits for ``query`` (the CLI's query language); ``sort`` is one of SORTS.

        ``fold`` puts near-duplicates under the best-ranked copy (``Hit.similar``); False lists every copy.
        """
        return self.searcher.search(query, limit=limit, page=page, sort=sort, facets=facets, fold=fold)

    def get(self, article_id: str) -> StoredArticle:
        """The stored article with ``article_id``, or the one whose path ``search`` printed."""
        return self.searcher.get(article_id)

    def related(self, article_id: str, limit: int = 5) -> list[Hit]:
        """The ``limit`` articles most like this one (id or printed path), its near-duplicates left out."""
        from searchkit.related import related

        return related(self.searcher.engine, self.get(article_id), limit)

    def signatures(self) -> dict[str, bytes]:
        """Every article's near-duplicate signature by id, to compare many articles at once (the report does)."""
        return self.searcher.signatures()

    def articles(self) -> Iterator[StoredArticle]:
        """Every live article, newest first (undated last)."""
        return self.searcher.articles()

    def stats(self) -> Stats:
        """Number of articles, date range, size on disk and top authors."""
        return stats(self.path)

    def add(self, paths: Iterable[str | os.PathLike[str]], **options: object) -> IndexSummary:
        """Index ``paths`` incrementally (see :func:`searchkit.indexer.index_paths` for ``options``)."""
        from searchkit.indexer import index_paths  # here: searching alone never loads the writer

        self.close()
        return index_paths(list(paths), self.path, **options)  # type: ignore[arg-type]
