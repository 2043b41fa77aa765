"""searchkit: full-text search for Vietnamese news articles.

``from searchkit import Index`` is the Python API (see :mod:`searchkit.api`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Hit", "Index", "SearchResults", "Stats", "StoredArticle", "__version__"]

if TYPE_CHECKING:
    from searchkit.api import Index
    from searchkit.search import Hit, SearchResults, Stats, StoredArticle


def __getattr__(name: str) -> Any:
    """Load the API on first use, so ``searchkit --version`` and the CLI's imports stay cheap."""
    if name == "Index":
        from searchkit.api import Index

        return Index
    if name in ("Hit", "SearchResults", "Stats", "StoredArticle"):
        from searchkit import search

        return getattr(search, name)
    raise AttributeError(f"module 'searchkit' has no attribute {name!r}")
