"""A segment's postings gathered term by term as documents arrive, instead of sorted one by one.

Whoosh's writer hands every posting to a ``PostingPool`` as a tuple
``(field, term, document, weight, value)``; at commit it sorts all of them,
and past its memory limit it pickles each tuple to a run file and unpickles
it again to merge.  An article yields some 1,600 postings, so that was a
third of the time of a build, spent per posting.

Documents get their numbers in ascending order as a writer adds them (merged
segments too, after the new documents), so a term's postings arrive already
sorted: only the terms need sorting.  Here each term keeps one flat list
(document, weight, value, document, ...); past the memory limit the pool
writes its terms in order to a run file, one ``marshal`` record a term, and
the runs are merged term by term, a term's lists joined in run order.

Part of :mod:`searchkit.backend`, the one room that knows Whoosh.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import marshal
import operator
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.util import random_name

#: Estimated bytes of memory per posting held (three list slots, a float, a bytes value's header)
#: and per term (its dict slot, key and list), for the memory limit.
POSTING_BYTES = 80
TERM_BYTES = 200

#: What a Whoosh format's ``word_values`` yields for a term of a document: bytes, frequency, weight, value.
WordValue = tuple[bytes, int, float, bytes]
#: One term's postings: field name, term bytes, document numbers, weights, values.
TermPostings = tuple[str, bytes, list[int], list[float], list[bytes]]


class TermPool:
    """Postings grouped by (field, term), spilled to sorted run files past ``limitmb``."""

    def __init__(self, tempstore: Any, limitmb: float = 128) -> None:
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.fieldnames: set[str] = set()
        self.runs: list[str] = []
        self._fields: dict[str, dict[bytes, list[Any]]] = {}

    def _terms_of(self, fieldname: str) -> dict[bytes, list[Any]]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add_field(self, fieldname: str, docnum: int, items: Iterable[WordValue], boost: float) -> int:
        """Add one document's postings in one field (Whoosh's ``word_values`` items); return its length."""
        terms = self._terms_of(fieldname)
        length = size = 0
        for tbytes, freq, weight, vbytes in items:
            held = terms.get(tbytes)
            if held is None:
                held = terms[tbytes] = []
                size += TERM_BYTES + len(tbytes)
            held += (docnum, weight * boost, vbytes or b"")
            length += freq
            size += POSTING_BYTES + len(vbytes or b"")
        self.size += size
        if self.size > self.limit:
            self.save()
        return length

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add one posting, as Whoosh's ``PostingPool.add`` takes it (merges copy postings this way)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_field(fieldname, docnum, ((tbytes, 0, weight, vbytes),), 1.0)

    def _in_order(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms[tbytes]

    def save(self) -> None:
        """Write the terms held to a new run file, in order, and start empty."""
        if not self._fields:
            return
        name = f"{random_name()}.run"
        with self.tempstore.create_file(name).raw_file() as handle:
            for record in self._in_order():
                marshal.dump(record, handle)
        self.runs.append(name)
        self._fields = {}
        self.size = 0

    def _read_run(self, name: str) -> Iterator[tuple[str, bytes, list[Any]]]:
        with self.tempstore.open_file(name).raw_file() as handle:
            while True:
                try:
                    yield marshal.load(handle)
                except EOFError:
                    return

    def terms(self) -> Iterator[TermPostings]:
        """Every term's postings, in Whoosh's order (field name, then term bytes)."""
        sources = [self._read_run(name) for name in self.runs]
        if self._fields:
            sources.append(self._in_order())
        if len(sources) == 1:
            merged: Iterable[tuple[str, bytes, list[Any]]] = sources[0]
        else:
            term = operator.itemgetter(0, 1)
            merged = (  # heapq.merge keeps equal keys in the order of its sources: the runs' order
                (key[0], key[1], list(itertools.chain.from_iterable(record[2] for record in group)))
                for key, group in itertools.groupby(heapq.merge(*sources, key=term), key=term)
            )
        for fieldname, tbytes, flat in merged:
            yield fieldname, tbytes, flat[0::3], flat[1::3], flat[2::3]

    def cleanup(self) -> None:
        """Remove the run files (Whoosh calls this when a segment is done or abandoned)."""
        for name in self.runs:
            with contextlib.suppress(OSError):
                self.tempstore.delete_file(name)
        self.runs = []
