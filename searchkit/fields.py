"""The article's fields, defined once: the schema, query fields, boosts, facets and views derive from here.

Adding a field is one :class:`Field` in :data:`FIELDS` (and a template line to
show it), then a bump of ``SCHEMA_VERSION``: the test of this module compares
the table's fingerprint with the one recorded for the current version, so a
schema change cannot ship without the bump that makes old indexes rebuild.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from searchkit.articles import Article

#: Bumped when the schema or analyzer changes in a way old indexes cannot follow
#: (4: shingles stop at sentence ends; 5: compact posting blocks, searchkit.backend.codec, and
#: column-only fields no longer indexed).
SCHEMA_VERSION = "5"
#: The fingerprint of :data:`FIELDS` each schema version was released with.
SCHEMA_FINGERPRINTS = {
    "1": "ab94eca3948f",
    "2": "7a4a49b39921",
    "3": "f003803c9d35",
    "4": "f003803c9d35",
    "5": "075361aca87b",
}

#: What a field is: analyzed Vietnamese text, an exact identifier, a date, or only stored (or only a column);
#: NAMES and PLACES hold names (one a line), each matched whole by its folded form (searchkit.names).
TEXT, ID, DATE, STORED, NAMES, PLACES = "text", "id", "date", "stored", "names", "places"
#: Separates the values of a multi-valued field or column.
MULTI_SEPARATOR = "\n"


@dataclass(frozen=True)
class Field:
    """One field of an indexed article, with everything searchkit derives from it."""

    name: str
    kind: str
    #: The field's value for an article ("" or None when the article has none).
    value: Callable[[Article], Any]
    stored: bool = True
    #: Searched by words that name no field, with this weight in ranking.
    default_boost: float | None = None
    #: Users may name it in a query (``title:…``).
    queryable: bool = False
    #: Kept as a per-document column (sorting, reindexing, facets).
    column: bool = False
    #: Counted as this facet over a result set.
    facet: str | None = None
    #: The column holds several values (joined by MULTI_SEPARATOR), each counted by the facet.
    multiple: bool = False
    unique: bool = False
    #: Its values are index terms.  A field only read from its column (a facet's shown values, a
    #: hash) or evaluated from one (dates) is not indexed: each value would be one more term.
    indexed: bool = True

    def __post_init__(self) -> None:
        if not self.indexed and (self.unique or not (self.column or self.stored)):
            raise ValueError(f"field {self.name!r}: an unindexed field cannot be unique and must be a column or stored")


def _names(kind: str) -> Callable[[Article], str]:
    """One kind of the article's names (searchkit.names), one a line."""

    def value(article: Article) -> str:
        from searchkit.names import article_names  # here: only indexing extracts names, a search never does

        return MULTI_SEPARATOR.join(getattr(article_names(article), kind))

    return value


def _signature(article: Article) -> bytes:
    from searchkit.similarity import signature  # here: numpy and datasketch load only when indexing

    return signature(article)


def _date(article: Article) -> object:
    return article.date.value if article.date else None


def _date_part(width: int) -> Callable[[Article], str]:
    return lambda article: article.date.iso[:width] if article.date else ""


FIELDS: tuple[Field, ...] = (
    Field("id", ID, lambda a: a.id, queryable=True, column=True, unique=True),
    Field("path", ID, lambda a: a.path, queryable=True),
    Field("source", ID, lambda a: a.source, column=True),
    Field("title", TEXT, lambda a: a.title, default_boost=3.0, queryable=True),
    Field("captions", TEXT, lambda a: "\n".join(a.captions), default_boost=1.5, queryable=True),
    Field("body", TEXT, lambda a: a.body, default_boost=1.0, queryable=True),
    Field("author", TEXT, lambda a: a.author, default_boost=1.0, queryable=True),
    Field("author_name", ID, lambda a: a.author, stored=False, column=True, facet="author", indexed=False),
    #: Queried (``date:2020-07``) but evaluated from the ``date_text`` column, never from index terms.
    Field("date", DATE, _date, queryable=True, column=True, indexed=False),
    Field("date_text", ID, _date_part(10), column=True, facet="date", indexed=False),
    Field("year", ID, _date_part(4), queryable=True, column=True, facet="year"),
    Field("month", ID, _date_part(7), queryable=True, column=True, facet="month"),
    Field("url", STORED, lambda a: a.url),
    Field("content_hash", ID, lambda a: a.content_hash, stored=False, column=True, indexed=False),
    #: The MinHash of the body (searchkit.similarity), to fold near-duplicates in results: a column
    #: only, since a search reads it for 30 or more articles and stored fields are read whole.
    Field("minhash", STORED, _signature, stored=False, column=True),
    #: People, places and organisations the article names (searchkit.names): matched whole, by their
    #: folded form (``place:"ha noi"``), outside the default fields so ranking is unchanged; the
    #: ``*_shown`` columns keep the names as shown, for the facets.
    Field("name", NAMES, _names("people"), stored=False, queryable=True),
    Field("place", PLACES, _names("places"), stored=False, queryable=True),
    Field("org", NAMES, _names("orgs"), stored=False, queryable=True),
    Field("name_shown", ID, _names("people"), stored=False, column=True, facet="name", multiple=True, indexed=False),
    Field("place_shown", ID, _names("places"), stored=False, column=True, facet="place", multiple=True, indexed=False),
    Field("org_shown", ID, _names("orgs"), stored=False, column=True, facet="org", multiple=True, indexed=False),
)


#: The facets a search counts over its matches, in the order results show them (the day, ``date``,
#: dates the archive: ``stats``).  A test checks each is a facet of :data:`FIELDS`.
RESULT_FACETS = ("month", "year", "author", "name", "place", "org")


def text_fields() -> tuple[str, ...]:
    """The analyzed text fields, in order of weight."""
    return tuple(f.name for f in FIELDS if f.kind == TEXT)


def default_fields() -> tuple[str, ...]:
    """The fields words that name no field are searched in."""
    return tuple(f.name for f in FIELDS if f.default_boost is not None)


def boosts() -> dict[str, float]:
    """The weight of each default field in ranking."""
    return {f.name: f.default_boost for f in FIELDS if f.default_boost is not None}


def query_fields() -> tuple[str, ...]:
    """The names a query may use before a colon."""
    return tuple(f.name for f in FIELDS if f.queryable)


def facet_columns() -> dict[str, str]:
    """Facet name → the column it counts."""
    return {f.facet: f.name for f in FIELDS if f.facet}


def multi_valued_facets() -> tuple[str, ...]:
    """The facets whose column holds several values per article (the names: people, places, organisations)."""
    return tuple(f.facet for f in FIELDS if f.facet and f.multiple)


def document(article: Article) -> dict[str, object]:
    """The fields of ``article`` as the index stores them.

    Columns get a value on every document ("" when there is none): Whoosh's
    variable-length column reader fails on a segment whose last documents lack one.
    """
    doc: dict[str, object] = {}
    for f in FIELDS:
        value = f.value(article)
        if value is None:
            continue
        doc[f.name] = value
    return doc


def fingerprint() -> str:
    """A short hash of what the schema is made of: names, kinds, storage, uniqueness, columns."""
    parts = [
        f"{f.name}:{f.kind}:{f.stored}:{f.unique}:{f.column}{':multiple' * f.multiple}{':unindexed' * (not f.indexed)}"
        for f in FIELDS
    ]
    return hashlib.blake2b("|".join(parts).encode("utf-8"), digest_size=6).hexdigest()
