"""The one room that knows Whoosh: storage, writers, posting arrays, the query engine and the query builder.

Everything outside this package uses searchkit's own objects (``ParsedQuery``,
``Engine``, ``SearchResults``); only :mod:`searchkit.analysis` also imports
Whoosh, for the analyzer's filter classes that the schema pickles.
``whoosh-reloaded`` is pinned below 2.8 in setup.cfg because these modules
read its internals (see :mod:`searchkit.backend.postings`).
"""
