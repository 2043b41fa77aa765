"""Errors a user can act on: each carries the one line the CLI prints and its exit code."""

from __future__ import annotations

from pathlib import Path


class SearchkitError(Exception):
    """Base of every error the CLI turns into one line on stderr."""

    exit_code = 1


class QueryError(SearchkitError):
    """The query cannot be understood: empty, malformed, unknown field, bad date."""

    exit_code = 2


class IndexProblem(SearchkitError):
    """The index cannot be used as it is (damaged, unwritable)."""


class IndexMissing(IndexProblem):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(
            f"no index at {index_dir}: create it with `searchkit index PATH...` (or point --index at an existing one)"
        )


class IndexBusy(IndexProblem):
    def __init__(self, index_dir: Path, waited: float) -> None:
        waited_text = f" after waiting {waited:g}s" if waited else ""
        super().__init__(
            f"another `searchkit index` run is writing to {index_dir}{waited_text}; "
            "try again when it ends, or pass --wait SECONDS"
        )


class ArticleNotFound(SearchkitError):
    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id {article_id!r} in the index (see `searchkit search`)")
