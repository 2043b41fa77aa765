"""The engine against a brute-force oracle, and its array files as a cache of the segments.

The oracle scores every live document one by one in plain Python from
Whoosh's public reader API (postings through Whoosh's own matchers, field
lengths, document frequencies), with the same BM25F formula and the same
order rules; the engine must agree on totals and on the top ten, ties included.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq
from whoosh.util.times import datetime_to_long

from searchkit.backend import engine as engine_module
from searchkit.backend.postings import ARRAYS_SUFFIX
from searchkit.backend.query import matching_part, parse, run_shingles
from searchkit.indexer import index_paths
from searchkit.normalize import fold, has_diacritics
from searchkit.search import Searcher
from tests.conftest import SEEDS, write_generated_articles

WORD = re.compile(r"[^\W\d_]{2,}")


@pytest.fixture(scope="module")
def grown_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """500 generated articles and the seeds in two runs (two segments), some rewritten (deletions)."""
    root = tmp_path_factory.mktemp("grown")
    corpus = root / "corpus"
    write_generated_articles(corpus, 360)
    shutil.copytree(SEEDS, corpus / "seeds")
    index_dir = root / "index"
    index_paths([str(corpus)], index_dir, workers=2)
    write_generated_articles(corpus, 140, start=360)
    for path in sorted(corpus.rglob("article-0000[0-4]*.txt")):  # rewritten: old copies become deletions
        path.write_text(path.read_text(encoding="utf-8") + "\n\nCập nhật thêm tin.", encoding="utf-8")
    index_paths([str(corpus)], index_dir, workers=1)
    return index_dir


class Oracle:
    """Every live document scored one at a time, from Whoosh's public API only."""

    def __init__(self, searcher: Searcher) -> None:
        self.reader = searcher.engine.reader
        self.size = self.reader.doc_count_all()
        self.live = [doc for doc in range(self.size) if not self.reader.is_deleted(doc)]
        self._lists: dict[tuple[str, str], dict[int, float]] = {}
        self.dates = {}
        for doc in self.live:
            text = self.reader.stored_fields(doc).get("date_text") or ""
            parts = [int(p) for p in text.split("-")] if text else []
            self.dates[doc] = datetime_to_long(datetime(*[*parts, 1, 1][:3])) if parts else None

    def postings(self, fieldname: str, text: str) -> dict[int, float]:
        key = (fieldname, text)
        if key not in self._lists:
            found: dict[int, float] = {}
            if (fieldname, text) in self.reader:
                matcher = self.reader.postings(fieldname, text)
                while matcher.is_active():
                    found[matcher.id()] = matcher.weight()
                    matcher.next()
            self._lists[key] = found
        return self._lists[key]

    def term_score(self, fieldname: str, text: str, doc: int, boost: float) -> float | None:
        weight = self.postings(fieldname, text).get(doc)
        if weight is None:
            return None
        if not self.reader.schema[fieldname].scorable:
            return boost * weight
        idf = math.log(self.size / (self.reader.doc_frequency(fieldname, text) + 1)) + 1
        average = self.reader.field_length(fieldname) / self.size or 1
        length = self.reader.doc_field_length(doc, fieldname)
        k1, b = engine_module.BM25_K1, engine_module.BM25_B
        return boost * idf * (weight * (k1 + 1)) / (weight + k1 * ((1 - b) + b * length / average))

    def score(self, q: wq.Query, doc: int) -> float | None:
        """The document's score under ``q``, or None when ``q`` does not match it."""
        kind = type(q)
        if kind is wq.Term:
            return self.term_score(q.fieldname, q.text, doc, q.boost)
        if kind in (wq.And, wq.Or):
            if len(q.subqueries) == 1:
                return self.score(q.subqueries[0], doc)
            parts = []
            for sub in q.subqueries:
                if kind is wq.And and isinstance(sub, wq.Not):
                    if self.score(sub.query, doc) is not None:
                        return None
                    continue
                parts.append(self.score(sub, doc))
            found = [p for p in parts if p is not None]
            if (kind is wq.And and len(found) < len(parts)) or not found:
                return None if kind is wq.Or or len(found) < len(parts) else sum(found) * q.boost
            return sum(found) * q.boost
        if kind is wq.AndMaybe:
            required = self.score(q.a, doc)
            optional = self.score(q.b, doc) if required is not None else None
            return None if required is None else required + (optional or 0.0)
        if kind is wq.AndNot:
            return None if self.score(q.b, doc) is not None else self.score(q.a, doc)
        if kind is wq.Not:
            return None if self.score(q.query, doc) is not None else 0.0
        if isinstance(q, wq.NumericRange):
            date = self.dates[doc]
            inside = date is not None and (q.start is None or date >= q.start) and (q.end is None or date <= q.end)
            return q.boost if inside else None
        raise AssertionError(f"the oracle does not know {q!r}")

    def positions(self, fieldname: str, text: str) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        if (fieldname, text) in self.reader:
            matcher = self.reader.postings(fieldname, text)
            while matcher.is_active():
                found[matcher.id()] = list(matcher.value_as("positions"))
                matcher.next()
        return found

    def proximity(self, runs: list[tuple[list[str], tuple[str, ...]]], doc: int) -> tuple[int, int]:
        """Most shingles chained one after the other in a field, and adjacent pairs present."""
        chained = pairs = 0
        for words, fields in runs:
            shingles = run_shingles(words)
            present = set()
            for fieldname in fields:
                ends: dict[int, int] = {}  # position of a shingle → chain length ending there
                for number, shingle in enumerate(shingles):
                    positions = self.positions(fieldname, shingle).get(doc, [])
                    if positions:
                        present.add(number)
                    ends = {p: ends.get(p - 1, 0) + 1 for p in positions}
                    chained = max([chained, *ends.values()])
            pairs += len(present)
        return chained, pairs

    def ranked(self, text: str, searcher: Searcher, by_date: bool) -> tuple[int, list[int]]:
        parsed = parse(text, searcher.ix.schema)
        q, exact = parsed.tree, None if by_date else parsed.exact
        scored = []
        for doc in self.live:
            score = self.score(matching_part(q) if by_date else q, doc)
            if score is None:
                continue
            first = exact is not None and self.score(exact, doc) is not None
            date = self.dates[doc]
            newest = -date if date is not None else math.inf
            chained, pairs = self.proximity(parsed.runs, doc)
            key = (newest, doc) if by_date else (not first, -chained, -pairs, -round(score, 6), newest, doc)
            scored.append((key, doc))
        scored.sort()
        return len(scored), [doc for _, doc in scored[:10]]


def drawn_queries(searcher: Searcher, count: int) -> list[tuple[str, bool]]:
    """Queries of every kind drawn from the indexed articles: (query, sorted by date)."""
    rng = random.Random(12)
    articles = [searcher.engine.stored(doc) for doc in range(0, searcher.engine.size, 7)]
    queries = []
    for number in range(count):
        article = rng.choice(articles)
        words = WORD.findall(str(article.get("body") or "")) or ["tin"]
        at = rng.randrange(max(1, len(words) - 3))
        one, two, three = [*words[at : at + 3], "tin", "tin", "tin"][:3]
        year = rng.randrange(2010, 2020)
        kinds = [
            (one, False),
            (f"{one} {two}", False),
            (fold(f"{one} {two}").lower(), False),
            (f'"{one} {two}"', False),
            (f"title:{rng.choice(WORD.findall(str(article.get('title'))) or ['tin'])}", False),
            (f"{one} date:[{year}-01 to {year}-12]", False),
            (f"{one} OR {three}", False),
            (f"{one} -{three}", False),
            (f"{one} {two}", True),
        ]
        queries.append(kinds[number % len(kinds)])
    return queries


def test_engine_agrees_with_a_brute_force_oracle(grown_index: Path) -> None:
    """Totals and top ten of every query kind, over two segments with deletions; the top ten of
    500 matches also exercises the page picked by partition against a full sort."""
    with Searcher(grown_index) as searcher:
        assert len(searcher.engine.leaves) >= 2 and searcher.engine.deleted.any()
        assert any(a is not None and a.terms for a in searcher.engine.arrays)  # both posting paths are exercised
        oracle = Oracle(searcher)
        for text, by_date in drawn_queries(searcher, 36):
            total, top = oracle.ranked(text, searcher, by_date)
            # the oracle ranks every article: copies stay unfolded (folding is tested in test_news.py)
            results = searcher.search(text, limit=10, sort="date" if by_date else "relevance", fold=False)
            if results.words_matched is not None:
                continue  # the fallback to most words is another query
            assert results.total == total, text
            found = [_docnum(searcher, hit.id) for hit in results.hits]
            assert found == top, text


def _docnum(searcher: Searcher, article_id: str) -> int:
    return next(iter(searcher.engine.searcher.document_numbers(id=article_id)))


def test_a_phrase_of_four_words_reads_positions(grown_index: Path) -> None:
    with Searcher(grown_index) as searcher:
        live = [int(doc) for doc in searcher.engine.live.nonzero()[0]]
        article = searcher.engine.stored(live[len(live) // 2])
        words = WORD.findall(str(article["body"]))[5:9]
        results = searcher.search('"' + " ".join(words) + '"', limit=1000, fold=False)  # generated articles share
        assert article["id"] in [hit.id for hit in results.hits]  # sentences: some are folded as copies
        spaced = re.compile(r"\W+".join(fold(word.lower()) for word in words))
        for hit in results.hits:  # every hit holds the words side by side, in order
            stored = searcher.get(hit.id)
            assert spaced.search(fold(" ".join([stored.title, stored.body, *stored.captions]).lower())), hit.id
        reordered = searcher.search('"' + " ".join([words[1], words[0], *words[2:]]) + '"', limit=1000, fold=False)
        assert article["id"] not in [hit.id for hit in reordered.hits]


def test_positions_kept_in_the_array_files_are_those_of_the_segments(grown_index: Path) -> None:
    with Searcher(grown_index) as searcher:
        engine = searcher.engine
        everyone = np.arange(engine.size)
        kept = [
            term
            for arrays in engine.arrays
            if arrays is not None
            for term in arrays.terms()
            if arrays.entry(*term).positions_bytes  # the term's positions are in the file
        ]
        assert len(kept) > 50, "frequent shingles keep their positions in the array file"
        for fieldname, text in random.Random(3).sample(kept, 50):
            from_blocks = [
                (doc << 32) + at for doc, found in engine._occurrences(fieldname, text, everyone) for at in found
            ]
            assert engine.position_keys(fieldname, text, everyone).tolist() == from_blocks, text


def test_whoosh_and_searchkit_read_the_same_compact_posting_lists(grown_index: Path) -> None:
    """Every text-field list of a two-segment index: ids, weights and positions, and Whoosh skipping blocks."""
    with Searcher(grown_index) as searcher:
        engine = searcher.engine
        several_blocks = 0
        for leaf, _ in engine.leaves:
            for (fieldname, btext), _info in leaf._terms.items():
                if fieldname not in engine.text_fields:
                    continue
                read = engine_module.sp.read_from_segment(leaf, fieldname, btext.decode("utf-8"), with_positions=True)
                assert read is not None
                postings, values = read
                form = leaf.schema[fieldname].format
                matcher = leaf._terms.matcher(fieldname, btext, form)  # deleted documents too
                ids, weights, positions = [], [], []
                while matcher.is_active():
                    ids.append(matcher.id())
                    weights.append(matcher.weight())
                    positions.append(matcher.value_as("positions"))
                    matcher.next()
                assert postings.ids.tolist() == ids
                assert postings.weights.tolist() == weights
                assert [engine_module.sp.decode_positions(value) for value in values] == positions
                if len(ids) > 150:  # two blocks (of 128) or more: skipping reads the block headers
                    several_blocks += 1
                    matcher = leaf._terms.matcher(fieldname, btext, form)
                    matcher.skip_to(ids[150])
                    assert matcher.id() == ids[150]
                    assert matcher.value_as("positions") == positions[150]
        assert several_blocks > 10


def test_array_files_are_a_cache_rebuilt_when_missing_or_damaged(grown_index: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(grown_index, index_dir)
    with Searcher(index_dir) as searcher:
        before = [(h.id, h.score) for h in searcher.search("bộ công an", limit=20).hits]
    files = sorted(index_dir.glob(f"*{ARRAYS_SUFFIX}"))
    assert files, "the index run writes an array file beside each segment"
    files[0].unlink()
    files[-1].write_bytes(files[-1].read_bytes()[:100])  # a torn write
    with Searcher(index_dir) as searcher:
        assert [(h.id, h.score) for h in searcher.search("bộ công an", limit=20).hits] == before
    assert len(sorted(index_dir.glob(f"*{ARRAYS_SUFFIX}"))) == len(files)
    assert all(path.stat().st_size > 100 for path in index_dir.glob(f"*{ARRAYS_SUFFIX}"))


@pytest.mark.parametrize("kept_bytes", [0, 5, 10, 11, 40])
def test_an_array_file_cut_anywhere_in_its_header_is_rebuilt_by_search(
    grown_index: Path, tmp_path: Path, kept_bytes: int
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(grown_index, index_dir)
    with Searcher(index_dir) as searcher:
        before = [(h.id, h.score) for h in searcher.search("bo cong an", limit=20).hits]
    damaged = sorted(index_dir.glob(f"*{ARRAYS_SUFFIX}"))[0]
    damaged.write_bytes(damaged.read_bytes()[:kept_bytes])
    with Searcher(index_dir) as searcher:
        assert [(h.id, h.score) for h in searcher.search("bo cong an", limit=20).hits] == before
    assert damaged.stat().st_size > 100


def test_an_index_run_rewrites_an_older_segments_cut_array_file(grown_index: Path, tmp_path: Path) -> None:
    """The commit checks every segment's array file, not only the new segment's: a cut one is written again."""
    index_dir = tmp_path / "index"
    shutil.copytree(grown_index, index_dir)
    damaged = sorted(index_dir.glob(f"*{ARRAYS_SUFFIX}"))[0]
    size = damaged.stat().st_size
    damaged.write_bytes(damaged.read_bytes()[:10])  # inside the header's length: struct, not json, complains
    corpus = tmp_path / "corpus"
    shutil.copytree(grown_index.parent / "corpus", corpus)
    write_generated_articles(corpus, 1, start=900)
    assert index_paths([str(corpus)], index_dir, workers=1).added == 1
    assert damaged.stat().st_size == size


def test_damaged_postings_in_an_array_file_are_read_from_the_segment_and_the_file_written_again(
    grown_index: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(grown_index, index_dir)
    with Searcher(index_dir) as searcher:
        arrays = searcher.engine.arrays[0]
        assert arrays is not None
        # a syllable typed with marks: the query looks up its exact form (this term), not only its fold
        fieldname, text = next((f, t) for f, t in arrays.terms() if f == "body" and t.isalpha() and has_diacritics(t))
        entry = arrays.entry(fieldname, text)
        assert entry is not None and entry.ids_bytes > 8
        where = arrays._blob_start + entry.offset + entry.ids_bytes // 2
        path = arrays.path
        before = [(h.id, h.score) for h in searcher.search(text, limit=50).hits]
        total = searcher.search(text).total
    data = bytearray(path.read_bytes())
    data[where] ^= 0xFF
    path.write_bytes(bytes(data))
    with Searcher(index_dir) as searcher:
        results = searcher.search(text, limit=50)
        assert [(h.id, h.score) for h in results.hits] == before
        assert results.total == total
    assert not path.exists()  # dropped, so that the next opening writes it again
    with Searcher(index_dir) as searcher:
        assert searcher.search(text).total == total
    assert path.stat().st_size == len(data)


def test_an_index_run_deletes_array_staging_files_of_dead_processes_only(tmp_path: Path) -> None:
    """A search killed while writing an array file leaves its staging file; the next run removes it."""
    folder = tmp_path / "news"
    write_generated_articles(folder, 3)
    index_dir = tmp_path / "index"
    index_paths([str(folder)], index_dir, workers=1)
    segment = sorted(index_dir.glob(f"*{ARRAYS_SUFFIX}"))[0].name
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE) as alive:
        dead = [index_dir / f"{segment}.{gone.pid}.{part}.tmp" for part in ("blob", "head")]
        live = index_dir / f"{segment}.{alive.pid}.blob.tmp"
        for path in [*dead, live]:
            path.write_bytes(b"half an array file")
        index_paths([str(folder)], index_dir, workers=1)
        assert not any(path.exists() for path in dead)
        assert live.exists()  # a search still writing it
        alive.communicate(b"")


def test_array_files_follow_their_segments(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    write_generated_articles(folder, 30)
    index_dir = tmp_path / "index"
    index_paths([str(folder)], index_dir, workers=1)
    first = {p.name for p in index_dir.glob(f"*{ARRAYS_SUFFIX}")}
    index_paths([str(folder)], index_dir, workers=1, full=True)
    second = {p.name for p in index_dir.glob(f"*{ARRAYS_SUFFIX}")}
    assert first and second and not first & second  # the replaced segment's file went with it


def test_shards_scored_with_summed_statistics_score_as_one_index(tmp_path: Path) -> None:
    from searchkit.backend.engine import CollectionStats
    from tests.conftest import FIXTURE_CORPUS

    files = sorted(FIXTURE_CORPUS.glob("*.txt"))
    halves = [tmp_path / "a", tmp_path / "b"]
    for number, path in enumerate(files):
        target = halves[number % 2] / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(path, target)
    for folder in halves:
        index_paths([str(folder)], tmp_path / f"index-{folder.name}", workers=1)
    index_paths([str(folder) for folder in halves], tmp_path / "index-all", workers=1)
    with (
        Searcher(tmp_path / "index-a") as a,
        Searcher(tmp_path / "index-b") as b,
        Searcher(tmp_path / "index-all") as whole,
    ):
        shared = CollectionStats.summed([a.engine, b.engine])
        for shard in (a, b):
            shard.engine.share_stats(shared)
        for query in ("bão", "thủy điện", "bo cong an", "title:(Thụy Điển)", "đường cao tốc"):
            expected = {hit.id: hit.score for hit in whole.search(query, limit=100).hits}
            found = {}
            for shard in (a, b):
                results = shard.search(query, limit=100)
                if results.words_matched is None:  # a shard without every word falls back to some of them
                    found.update({hit.id: hit.score for hit in results.hits})
            assert found == expected and expected, query
