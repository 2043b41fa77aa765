"""The query engine: searchkit evaluates its query trees itself, vectorized with numpy.

Whoosh's own matchers walk and score every match of a query through a tree of
Python objects, a few microseconds per document and per clause: 0.7–4.3 s a
query at 100,000 articles.  Here each clause becomes two arrays over all the
documents of the index (a match mask and a score), combined with numpy:

* a term's postings come from the segment's array file (frequent terms) or
  are decoded from Whoosh's blocks (rare ones), see :mod:`searchkit.backend.postings`;
* a term scores with BM25F exactly as Whoosh's ``BM25F`` does (same IDF over
  ``doc_count_all``, same average field length, same one-byte field lengths);
* ``And`` sums its clauses where all match, ``Or`` sums those that match,
  ``AndMaybe`` adds its optional side where it matches, ``NOT`` only removes;
* phrases read positions, and only for the documents that have every word;
* dates, facets and date sorting read per-document columns, never stored fields.

Statistics (document count, document frequencies, field-length totals) are
gathered before scoring, so an index split into shards can sum them first.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh import query as wq
from whoosh.index import FileIndex
from whoosh.reading import SegmentReader
from whoosh.support.levenshtein import damerau_levenshtein

from searchkit.backend import postings as sp
from searchkit.fields import facet_columns as field_facets

#: Whoosh's BM25F constants (``whoosh.scoring.BM25F`` defaults), so scores stay what they were.
BM25_B = 0.75
BM25_K1 = 1.2
#: Decoded postings kept between queries (16 bytes each): a long-running process stays within ~64 MB.
POSTINGS_CACHE_LIMIT = 4_000_000
#: How many of the best-scored matches are rescored by proximity (with all that hold every pair).
RESCORE_WINDOW = 1000
_decoder_checked = False

edit_distance: Callable[[str, str], int] = damerau_levenshtein


@dataclass
class Match:
    """Which documents a clause matches, and the score it gives each (zero where it does not match)."""

    mask: np.ndarray
    score: np.ndarray


@dataclass
class CollectionStats:
    """What BM25F reads of the whole collection: gathered before scoring, so shards can sum theirs first."""

    documents: int
    field_lengths: dict[str, float]
    engines: Engine | list[Engine]

    def doc_frequency(self, fieldname: str, text: str) -> int:
        engines = self.engines if isinstance(self.engines, list) else [self.engines]
        return sum(engine.doc_frequency(fieldname, text) for engine in engines)

    def average_lengths(self) -> dict[str, float]:
        return {
            name: (total / self.documents if self.documents else 0) or 1 for name, total in self.field_lengths.items()
        }

    @classmethod
    def summed(cls, engines: list[Engine]) -> CollectionStats:
        """The statistics of several indexes searched as one."""
        lengths: Counter[str] = Counter()
        for engine in engines:
            lengths.update(engine.stats.field_lengths)
        return cls(sum(engine.size for engine in engines), dict(lengths), engines)


@dataclass
class Ranked:
    """What the engine found: the documents of one page, in order, with the totals and facets."""

    docnums: list[int]
    scores: list[float]
    total: int
    facets: dict[str, dict[str, int]]


class Facet(NamedTuple):
    """A facet over the whole index: its values, a code per document (or per value held), and the holders."""

    values: list[str]
    codes: np.ndarray
    #: For a multi-valued facet, the document holding each code (sorted); None when each document has one code.
    owners: np.ndarray | None


class Engine:
    """An open index, evaluated with numpy: one per search process, reused across queries."""

    def __init__(self, ix: FileIndex, index_dir: Path, text_fields: tuple[str, ...]) -> None:
        global _decoder_checked
        self.searcher = ix.searcher()
        self.reader = self.searcher.reader()
        self.text_fields = text_fields
        facet_columns = field_facets()
        # An index with no documents yet has an EmptyReader, no segment.
        self.leaves: list[tuple[SegmentReader, int]] = [
            (leaf, offset) for leaf, offset in self.reader.leaf_readers() if isinstance(leaf, SegmentReader)
        ]
        self.size = self.reader.doc_count_all()
        self.arrays = [sp.ensure_arrays(index_dir, leaf, text_fields, facet_columns) for leaf, _ in self.leaves]
        if not _decoder_checked and self.leaves:
            sp.check_decoder(self.leaves[-1][0], text_fields)
            _decoder_checked = True
        columns = [
            arrays.columns if arrays is not None else sp.read_columns(leaf, text_fields, facet_columns)
            for arrays, (leaf, _) in zip(self.arrays, self.leaves, strict=True)
        ]
        self.lengths = {
            name: sp.LENGTH_TABLE[_concat([c.length_bytes[name] for c in columns], np.uint8)] for name in text_fields
        }
        self.dates = _concat([c.dates for c in columns], np.int64)
        self.deleted = _concat([sp.deleted_mask(leaf) for leaf, _ in self.leaves], bool)
        self.live = ~self.deleted
        self._column_readers: dict[str, object] = {}
        self._columns = columns
        self._facets: dict[str, Facet] = {}
        totals: Counter[str] = Counter()
        for leaf, _ in self.leaves:
            totals.update(sp.field_length_totals(leaf))
        self.stats = CollectionStats(self.size, {name: float(totals[name]) for name in text_fields}, self)
        self.average_length = self.stats.average_lengths()
        self._postings_cache: OrderedDict[tuple[str, str], list[tuple[int, sp.Postings]]] = OrderedDict()
        self._cached_postings = 0

    def close(self) -> None:
        for arrays in self.arrays:
            if arrays is not None:
                arrays.close()
        self.searcher.close()

    # ------------------------------------------------------------ terms

    def postings(self, fieldname: str, text: str) -> list[tuple[int, sp.Postings]]:
        """The term's postings in each segment that has it, with the segment's document offset."""
        key = (fieldname, text)
        if key in self._postings_cache:
            self._postings_cache.move_to_end(key)
        else:
            found = []
            for arrays, (leaf, offset) in zip(self.arrays, self.leaves, strict=True):
                postings = arrays.postings(fieldname, text) if arrays is not None else None
                if postings is None:
                    read = sp.read_from_segment(leaf, fieldname, text)
                    postings = read[0] if read is not None else None
                if postings is not None and len(postings.ids):
                    found.append((offset, postings))
            self._postings_cache[key] = found
            self._cached_postings += sum(len(p.ids) for _, p in found)
            while self._cached_postings > POSTINGS_CACHE_LIMIT and len(self._postings_cache) > 1:
                _, dropped = self._postings_cache.popitem(last=False)
                self._cached_postings -= sum(len(p.ids) for _, p in dropped)
        return self._postings_cache[key]

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Documents holding the term, deleted ones included, as Whoosh counts them for IDF."""
        return sum(len(p.ids) for _, p in self.postings(fieldname, text))

    def idf(self, fieldname: str, text: str) -> float:
        documents = self.stats.documents
        return math.log(documents / (self.stats.doc_frequency(fieldname, text) + 1)) + 1

    def share_stats(self, stats: CollectionStats) -> None:
        """Score with statistics summed over several indexes (shards), as one index holding them all would."""
        self.stats = stats
        self.average_length = stats.average_lengths()

    def live_frequency(self, fieldname: str, text: str) -> int:
        """Live documents holding the term: a removed article's words stay in its segment until a merge."""
        return sum(int(np.count_nonzero(self.live[offset + p.ids])) for offset, p in self.postings(fieldname, text))

    def suggest(self, fieldname: str, text: str, limit: int, maxdist: int, prefix: int) -> list[str]:
        """Whoosh's corrector: terms of live documents within ``maxdist`` edits of ``text``."""
        found = self.searcher.suggest(fieldname, text, limit=limit, maxdist=maxdist, prefix=prefix)
        return [term for term in found if self.live_frequency(fieldname, term)]

    def stored(self, docnum: int) -> dict[str, object]:
        return dict(self.searcher.stored_fields(docnum))

    def document_number(self, fieldname: str, value: str) -> int | None:
        """The number of the live document whose ``fieldname`` (an ID field) is ``value``."""
        return self.searcher.document_number(**{fieldname: value})

    def any_of(self, terms: Iterable[tuple[str, str, float]]) -> Match:
        """The documents holding any of the weighted ``(field, term, boost)``, their BM25F scores summed.

        What "more like this" asks: an OR of many terms, without building a query tree.
        """
        combined = self.empty()
        for fieldname, text, boost in terms:
            found = self.term(fieldname, text, boost)
            combined.mask |= found.mask
            combined.score += found.score
        return combined

    def column_values(self, name: str, docnums: Iterable[int]) -> list[object]:
        """A column's values for some documents, without reading their stored fields."""
        docnums = list(docnums)
        if not docnums:  # also spares an index with no segment yet, whose reader has no columns
            return []
        if name not in self._column_readers:
            self._column_readers[name] = self.reader.column_reader(name)
        reader = self._column_readers[name]
        return [reader[docnum] for docnum in docnums]

    def all_stored(self) -> Iterable[dict[str, object]]:
        return (dict(s) for s in self.searcher.all_stored_fields())

    # ------------------------------------------------------------ evaluation

    def empty(self) -> Match:
        return Match(np.zeros(self.size, dtype=bool), np.zeros(self.size))

    def term(self, fieldname: str, text: str, boost: float = 1.0, within: np.ndarray | None = None) -> Match:
        """BM25F of one term in one field, as Whoosh scores it (a weight for unscored ID fields).

        With ``within`` (a mask), only those documents are scored and marked:
        what an optional clause needs, whose score counts only where the
        required part matched.
        """
        match = self.empty()
        lists = self.postings(fieldname, text)
        if not lists:
            return match
        ids = np.concatenate([p.ids + offset for offset, p in lists])
        weights = np.concatenate([p.weights for _, p in lists])
        if within is not None:
            kept = within[ids]
            ids, weights = ids[kept], weights[kept]
        match.mask[ids] = True
        if fieldname in self.lengths:
            idf = self.idf(fieldname, text)
            norm = BM25_K1 * ((1 - BM25_B) + BM25_B * self.lengths[fieldname][ids] / self.average_length[fieldname])
            match.score[ids] = boost * idf * (weights * (BM25_K1 + 1)) / (weights + norm)
        else:
            match.score[ids] = boost * weights
        return match

    def evaluate(self, q: wq.Query, within: np.ndarray | None = None) -> Match:
        """The documents ``q`` matches and their scores; with ``within``, exact only inside that mask."""
        kind = type(q)
        if kind is wq.Term:
            return self.term(q.fieldname, q.text, q.boost, within)
        if kind in (wq.And, wq.Or):
            return self._compound(q, within)
        if kind is wq.AndMaybe:
            required = self.evaluate(q.a, within)
            optional = self.evaluate(q.b, required.mask)
            required.score += np.where(required.mask & optional.mask, optional.score, 0.0)
            return required
        if kind is wq.AndNot:
            kept, excluded = self.evaluate(q.a), self.evaluate(q.b)
            kept.mask &= ~excluded.mask
            kept.score[~kept.mask] = 0.0
            return kept
        if kind is wq.Not:
            excluded = self.evaluate(q.query)
            return Match(~excluded.mask & self.live, np.zeros(self.size))
        if kind is wq.Phrase:  # every match counted: its number is the phrase's document frequency
            return self.phrase(q)
        if isinstance(q, wq.NumericRange) and q.fieldname == "date":
            return self._dates(q)
        if kind is wq.Every:
            return Match(self.live.copy(), np.full(self.size, q.boost))
        if isinstance(q, type(wq.NullQuery)):
            return self.empty()
        if isinstance(q, wq.MultiTerm):
            return self._any_term(q.fieldname, [text for _, text in self.expand(q)], q.boost)
        return self._with_whoosh(q)

    def count_matching(self, clauses: list[wq.Query], required: list[wq.Query]) -> np.ndarray:
        """For each live document, how many of ``clauses`` it matches along with all of ``required``."""
        counts = np.zeros(self.size, dtype=np.int32)
        for clause in clauses:
            counts += self.evaluate(wq.And([*required, clause]) if required else clause).mask
        counts[~self.live] = 0
        return counts

    def expand(self, q: wq.Query) -> list[tuple[str, str]]:
        """The index terms a wildcard, prefix, fuzzy or range query stands for."""
        return [(name, _text(text)) for name, text in q.expanded_terms(self.reader)]

    def _compound(self, q: wq.CompoundQuery, within: np.ndarray | None = None) -> Match:
        subs = q.subqueries
        if not subs:
            return self.empty()
        if len(subs) == 1:  # Whoosh drops the boost of a one-clause compound
            return self.evaluate(subs[0], within)
        is_and = type(q) is wq.And
        combined: Match | None = None
        for sub in subs:
            if is_and and isinstance(sub, wq.Not):
                excluded = self.evaluate(sub.query)
                if combined is None:
                    combined = Match(self.live.copy(), np.zeros(self.size))
                combined.mask &= ~excluded.mask
                continue
            found = self.evaluate(sub, within)
            if combined is None:
                combined = found
            elif is_and:
                combined.mask &= found.mask
                combined.score += found.score
            else:
                combined.mask |= found.mask
                combined.score += found.score
        assert combined is not None
        if is_and:
            combined.score[~combined.mask] = 0.0
        if q.boost != 1.0:
            combined.score *= q.boost
        return combined

    def _any_term(self, fieldname: str, texts: list[str], boost: float) -> Match:
        combined = self.empty()
        for text in texts:
            found = self.term(fieldname, text, boost)
            combined.mask |= found.mask
            combined.score += found.score
        return combined

    def _dates(self, q: wq.NumericRange) -> Match:
        dated = self.dates != np.iinfo(np.int64).min
        mask = dated.copy()
        if q.start is not None:
            mask &= self.dates > q.start if q.startexcl else self.dates >= q.start
        if q.end is not None:
            mask &= self.dates < q.end if q.endexcl else self.dates <= q.end
        return Match(mask, np.where(mask, q.boost, 0.0))

    def phrase(self, q: wq.Phrase) -> Match:
        """Documents with the words in order, at most ``slop`` positions apart, scored as one term."""
        words = list(q.words)
        candidates = self.live.copy()
        for word in words:
            candidates &= self._holding(q.fieldname, word)
        counts = np.zeros(self.size)
        wanted = np.flatnonzero(candidates)
        if len(wanted) and q.slop <= 1:
            counts = self._adjacent_counts(q.fieldname, words, wanted)
        elif len(wanted):
            positions = [self.positions(q.fieldname, word, wanted) for word in words]
            for doc in wanted.tolist():
                counts[doc] = phrase_count([p[doc] for p in positions], q.slop)
        match = Match(counts > 0, np.zeros(self.size))
        if match.mask.any() and q.fieldname in self.lengths:
            idf = math.log(self.stats.documents / (int(match.mask.sum()) + 1)) + 1
            tf = counts[match.mask]
            lengths = self.lengths[q.fieldname][match.mask]
            norm = BM25_K1 * ((1 - BM25_B) + BM25_B * lengths / self.average_length[q.fieldname])
            match.score[match.mask] = q.boost * idf * (tf * (BM25_K1 + 1)) / (tf + norm)
        return match

    def _adjacent_counts(self, fieldname: str, words: list[str], docnums: np.ndarray) -> np.ndarray:
        """How often ``words`` stand side by side, in order, in each of ``docnums``: arrays, no loop per document."""
        starts = self.position_keys(fieldname, words[0], docnums)
        for distance, word in enumerate(words[1:], start=1):
            if not len(starts):
                break
            starts = starts[_in_sorted(self.position_keys(fieldname, word, docnums), starts + distance)]
        return np.bincount(starts >> 32, minlength=self.size).astype(np.float64)

    def _occurrences(self, fieldname: str, text: str, docnums: np.ndarray) -> Iterator[tuple[int, list[int]]]:
        """(global document number, positions) of a term in each of ``docnums`` (sorted) that holds it."""
        for leaf, offset in self.leaves:
            local = docnums[(docnums >= offset) & (docnums < offset + leaf.doc_count_all())]
            if len(local):
                yield from self._segment_occurrences(leaf, offset, fieldname, text, local)

    def _segment_occurrences(
        self, leaf: SegmentReader, offset: int, fieldname: str, text: str, docnums: np.ndarray
    ) -> Iterator[tuple[int, list[int]]]:
        """The same for one segment's ``docnums`` (global numbers), decoded from its blocks."""
        read = sp.read_from_segment(leaf, fieldname, text, with_positions=True)
        if read is None:
            return
        postings, values = read
        local = docnums - offset
        at = np.minimum(np.searchsorted(postings.ids, local), len(postings.ids) - 1)
        held = postings.ids[at] == local
        for doc, index in zip(local[held].tolist(), at[held].tolist(), strict=True):
            yield doc + offset, sp.decode_positions(values[index])

    def positions(self, fieldname: str, text: str, docnums: np.ndarray) -> dict[int, np.ndarray]:
        """Positions of a term in each of ``docnums`` that holds it."""
        return {doc: np.array(found, dtype=np.int64) for doc, found in self._occurrences(fieldname, text, docnums)}

    def _with_whoosh(self, q: wq.Query) -> Match:
        """A clause searchkit does not evaluate itself, run through Whoosh's matcher."""
        match = self.empty()
        matcher = q.matcher(self.searcher)
        while matcher.is_active():
            match.mask[matcher.id()] = True
            match.score[matcher.id()] = matcher.score()
            matcher.next()
        return match

    # ------------------------------------------------------------ ranking

    def position_keys(self, fieldname: str, text: str, docnums: np.ndarray) -> np.ndarray:
        """Each occurrence of a term in ``docnums`` (sorted) as one sorted number, ``document << 32 | position``.

        Frequent shingles' positions come from the array files as whole arrays;
        other terms' are decoded from Whoosh's blocks, one document at a time.
        """
        parts = []
        chosen = np.zeros(self.size, dtype=bool)
        chosen[docnums] = True
        for arrays, (leaf, offset) in zip(self.arrays, self.leaves, strict=True):
            local = docnums[(docnums >= offset) & (docnums < offset + leaf.doc_count_all())]
            if not len(local):
                continue
            kept = arrays.positions(fieldname, text) if arrays is not None else None
            if kept is not None:
                docs, positions = kept
                docs = docs + offset
                wanted = chosen[docs]
                parts.append((docs[wanted] << 32) + positions[wanted])
            else:
                parts.append(
                    np.array(
                        [
                            (doc << 32) + at
                            for doc, found in self._segment_occurrences(leaf, offset, fieldname, text, local)
                            for at in found
                        ],
                        dtype=np.int64,
                    )
                )
        return _concat(parts, np.int64)

    def _holding(self, fieldname: str, text: str) -> np.ndarray:
        """The documents holding a term in a field (a mask, from postings without positions)."""
        mask = np.zeros(self.size, dtype=bool)
        for offset, postings in self.postings(fieldname, text):
            mask[postings.ids + offset] = True
        return mask

    def proximity(
        self, runs: Iterable[tuple[list[str], tuple[str, ...]]], window: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """How closely each document holds each run of query words, read from the runs' shingles.

        For a run of adjacent query words (given as their folded shingles and the
        fields they are searched in): ``pairs``, how many of the run's adjacent
        pairs stand side by side somewhere (from postings alone, for every
        document), and ``chained``, the most shingles found one after the other
        in one field (a run of n words as typed is n − 1).  Positions are read
        only where a chain longer than one shingle is possible (two consecutive
        shingles in one field) and only for the documents of ``window``.
        """
        chained = np.zeros(self.size, dtype=np.int32)
        pairs = np.zeros(self.size, dtype=np.int32)
        for shingles, fields in runs:
            holding = {(f, s): self._holding(f, s) for f in fields for s in set(shingles)}
            anywhere = [np.logical_or.reduce([holding[f, s] for f in fields]) for s in shingles]
            pairs += np.sum(anywhere, axis=0, dtype=np.int32)
            chained = np.maximum(chained, np.logical_or.reduce(anywhere).astype(np.int32))
            for fieldname in fields:
                chainable = np.zeros(self.size, dtype=bool)
                for first, second in itertools.pairwise(shingles):
                    chainable |= holding[fieldname, first] & holding[fieldname, second]
                docnums = np.flatnonzero(chainable & window)
                if not len(docnums):
                    continue
                previous: tuple[np.ndarray, np.ndarray] | None = None
                for shingle in shingles:
                    keys = self.position_keys(fieldname, shingle, docnums)
                    chain = np.ones(len(keys), dtype=np.int32)
                    if previous is not None and len(previous[0]) and len(keys):
                        at = np.minimum(np.searchsorted(previous[0], keys - 1), len(previous[0]) - 1)
                        follows = previous[0][at] == keys - 1
                        chain[follows] = previous[1][at[follows]] + 1
                    np.maximum.at(chained, keys >> 32, chain)
                    previous = (keys, chain)
        return chained, pairs

    def holding_every_pair(self, runs: Iterable[tuple[list[str], tuple[str, ...]]]) -> np.ndarray:
        """Documents that have every adjacent pair of some run side by side in one of its fields."""
        found = np.zeros(self.size, dtype=bool)
        for shingles, fields in runs:
            every = self.live.copy()
            for shingle in shingles:
                every &= np.logical_or.reduce([self._holding(f, shingle) for f in fields])
            found |= every
        return found

    def rank(
        self,
        found: Match,
        *,
        limit: int,
        offset: int = 0,
        by_date: bool = False,
        first: np.ndarray | None = None,
        allowed: np.ndarray | None = None,
        facets: Iterable[str] = (),
        runs: Iterable[tuple[list[str], tuple[str, ...]]] = (),
    ) -> Ranked:
        """One page of the live matches, best first (or newest first), with totals and facet counts.

        By relevance: the documents of ``first`` (every word as typed) before
        the rest; then those holding the most query words one after the other
        as typed, then the most adjacent pairs (``runs``: the query's shingles);
        then the score (rounded to 6 decimals, so float noise cannot reorder
        ties), then the newer article, then index order.
        """
        mask = found.mask & self.live
        if allowed is not None:
            mask &= allowed
        docnums = np.flatnonzero(mask)
        total = len(docnums)
        counts = {name: self.facet_counts(name, docnums) for name in facets}
        newest_first = -self.dates[docnums].astype(np.float64)  # undated (the smallest long) last
        if by_date:
            keys = [docnums, newest_first]
        else:
            tier = first[docnums] if first is not None else np.zeros(total, dtype=bool)
            rounded = np.round(found.score[docnums], 6)
            chained = pairs = np.zeros(total, dtype=np.int32)
            if runs:
                chained, pairs = self._rescored(docnums, tier, rounded, runs, offset + limit)
            keys = [docnums, newest_first, -rounded, -pairs, -chained, ~tier]
            wanted = offset + limit
            if total > wanted * 4:  # keep the candidates for the page: a coarser key, in the same order
                coarse = ((tier * 64 + np.minimum(chained, 63)) * 64 + np.minimum(pairs, 63)) * 1e6
                primary = coarse + rounded
                cut = np.partition(primary, total - wanted)[total - wanted]
                keep = primary >= cut
                keys = [key[keep] for key in keys]
                docnums = docnums[keep]
        order = np.lexsort(keys)[offset : offset + limit]
        page = docnums[order]
        return Ranked(page.tolist(), found.score[page].tolist(), total, counts)

    def _rescored(
        self,
        docnums: np.ndarray,
        tier: np.ndarray,
        rounded: np.ndarray,
        runs: list[tuple[list[str], tuple[str, ...]]],
        wanted: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Proximity of the candidates: the best RESCORE_WINDOW by score, and every document with all the pairs.

        As Elasticsearch's rescoring, positions are read for a window of the
        best candidates only; the documents holding every adjacent pair of a run
        (which includes all that hold it as a phrase) join the window whatever
        their score, so an article with the phrase is never left out.
        """
        window = max(RESCORE_WINDOW, wanted)
        inside = np.zeros(len(docnums), dtype=bool)
        if len(docnums) > window:
            primary = tier * 1e12 + rounded
            inside[np.argpartition(-primary, window - 1)[:window]] = True
        else:
            inside[:] = True
        inside |= self.holding_every_pair(runs)[docnums]
        window_mask = np.zeros(self.size, dtype=bool)
        window_mask[docnums[inside]] = True
        chained, pairs = self.proximity(runs, window_mask)
        return chained[docnums], pairs[docnums]

    def facet(self, name: str) -> Facet:
        """The facet ``name`` over every segment, one vocabulary for all: built on first use.

        Each segment's array file codes its own values; merging the
        vocabularies costs a Python step per distinct value (0.3 s at
        100,000 articles), which a search that shows no facet never pays.
        """
        known = self._facets.get(name)
        if known is not None:
            return known
        vocabulary: dict[str, int] = {}
        parts, owners = [], []
        for c, (_, offset) in zip(self._columns, self.leaves, strict=True):
            values, codes, held_by = c.facets[name]
            remap = np.array([vocabulary.setdefault(v, len(vocabulary)) for v in values], dtype=np.int32)
            parts.append(remap[codes] if len(codes) else codes)
            if held_by is not None:
                owners.append(held_by.astype(np.int64) + offset)
        facet = Facet(list(vocabulary), _concat(parts, np.int32), _concat(owners, np.int64) if owners else None)
        self._facets[name] = facet
        return facet

    def facet_of(self, name: str, docnum: int) -> list[str]:
        """The values of the facet ``name`` a document holds (several for names and places, none when empty)."""
        values, codes, owners = self.facet(name)
        if owners is not None:  # sorted: segments in order, documents in order within each
            held = codes[np.searchsorted(owners, docnum, "left") : np.searchsorted(owners, docnum, "right")]
        else:
            held = codes[docnum : docnum + 1]
        return [values[code] for code in held.tolist() if values[code]]

    def facet_counts(self, name: str, docnums: np.ndarray) -> dict[str, int]:
        """How many of ``docnums`` hold each value (an article counts once per value it holds)."""
        values, codes, owners = self.facet(name)
        if owners is not None:
            chosen = np.zeros(self.size, dtype=bool)
            chosen[docnums] = True
            codes = codes[chosen[owners]]
        else:
            codes = codes[docnums]
        counts = np.bincount(codes, minlength=len(values))
        return {values[code]: int(n) for code, n in enumerate(counts.tolist()) if n and values[code]}


def _in_sorted(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """Which ``needles`` are in ``haystack`` (sorted): a binary search each, cheaper than ``np.isin``'s hashing."""
    if not len(haystack):
        return np.zeros(len(needles), dtype=bool)
    at = np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)
    return haystack[at] == needles


def phrase_count(positions: list[np.ndarray | None], slop: int) -> int:
    """How many times the words occur in order, each at most ``slop`` positions after the one before."""
    if any(p is None or not len(p) for p in positions):
        return 0
    count = 0
    for start in positions[0].tolist():
        at = start
        for following in positions[1:]:
            later = following[(following > at) & (following <= at + slop)]
            if not len(later):
                break
            at = int(later[0])
        else:
            count += 1
    return count


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _concat(parts: list[np.ndarray], dtype: object) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
