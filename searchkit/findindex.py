"""The report's offline search index: sharded script files a page loads only when a reader searches.

Browsers refuse ``fetch`` on ``file://``, so every file is a script that hands
its data to ``searchkitFind(kind, number, data)``, defined by ``find.js``:

* ``find/manifest.js``: the number of articles, term shards and article chunks;
* ``find/tN.js``: the terms whose hash falls in shard N.  A term is a
  syllable folded as searchkit folds it (``ha``, from ``hà``), with the exact
  spellings seen (``["hà", "hạ"]``), or an adjacent pair (``ha noi``); its
  postings are ``(doc gap, weight, spelling bits)`` (pairs without bits),
  written as one string of :data:`DIGITS` (see :func:`encode`), with their
  number: a third of the bytes of a JSON array of numbers;
* ``find/dN.js``: titles, pages, dates and opening text of ARTICLE_CHUNK articles.

Folding, tone placement and pairs are computed here by searchkit's own
``normalize`` functions; the page only folds what the reader types.  Weights
are BM25's term-frequency part (title words counted TITLE_WEIGHT times), so the
page adds the inverse document frequency and sums.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import orjson
from scipy import sparse

from searchkit.analysis import STOP_WORDS
from searchkit.normalize import canonical_text, fold, nfc

#: Words the page and the index split text into: runs of letters or digits (NFC).
TOKEN = re.compile(r"[^\W_]+")
#: A title word counts as this many body words.
TITLE_WEIGHT = 3
#: BM25 parameters.
K1 = 1.2
B = 0.75
#: Articles per ``dN.js`` chunk: a result page loads the chunks of its hits only (10 hits, 10 chunks).
ARTICLE_CHUNK = 8
#: Characters of article text kept for excerpts.
EXCERPT_CHARS = 600
#: Words (occurrences) of the articles grouped into postings at once: bounds the memory of a large report.
BLOCK_WORDS = 2_000_000
#: Numbers encoded at once (see :func:`encode`).
ENCODE_BLOCK = 1 << 20
#: Target bytes of a term shard: a query loads one per word and per pair of words.
SHARD_BYTES = 16_000
#: The 64 characters postings are written in (JSON-safe, no ``<``): a digit's value is its index.
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
#: Exact spellings tracked per folded syllable (bits of a posting's spelling mask).
MAX_SPELLINGS = 30
#: Name of the folder (under ``assets/``) and of the global loader function.
FOLDER = "find"
#: A token's folded number and spelling bit share one int: the bit below _BIT_WIDTH, the number above.
_BIT_WIDTH = MAX_SPELLINGS + 1
_BIT_MASK = (1 << _BIT_WIDTH) - 1
CALLBACK = "searchkitFind"


def term_hash(term: str) -> int:
    """FNV-1a over the term's code points: ``find.js`` computes the same to pick a shard."""
    value = 0x811C9DC5
    for char in term:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value


@lru_cache(maxsize=1 << 17)
def forms(token: str) -> tuple[str, str]:
    """A lower-case token's exact spelling (tone in canonical place) and its folded form."""
    exact = canonical_text(token)
    return exact, fold(exact)


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the page reads a query: NFC, lower case, runs of letters or digits."""
    return TOKEN.findall(nfc(text).lower())


@dataclass
class Postings:
    """Every (term, article) of the index, sorted by term then article: what shards and vectors are made of."""

    keys: list[str]
    #: Per posting: the term's number (into ``keys``), the article, its weighted count, its spelling bits.
    term: np.ndarray
    doc: np.ndarray
    count: np.ndarray
    bits: np.ndarray
    #: Where each term's postings start (``len(keys) + 1`` entries).
    starts: np.ndarray


@dataclass
class FindIndex:
    """Articles' words as numbered arrays, turned into postings and written as sharded scripts at the end."""

    docs: list[list[str]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    spellings: list[list[str]] = field(default_factory=list)  # folded syllable number → exact spellings seen
    _keys: dict[str, int] = field(default_factory=dict)  # folded syllable → its number
    _bits: dict[str, int] = field(default_factory=dict)  # token → folded number and spelling bit, packed
    _words: list[np.ndarray] = field(default_factory=list)  # per field of each article: its folded numbers
    _masks: list[np.ndarray] = field(default_factory=list)  # and the spelling bit of each word
    _fields: list[tuple[int, int]] = field(default_factory=list)  # (article, weight) of each entry above

    def add(self, *, title: str, body: str, more: str, page: str, date: str, author: str) -> None:
        """Add one article (``more``: captions and author); add newer articles first, they win ties."""
        number = len(self.docs)
        self.docs.append([title, page, date, author, _excerpt(body)])
        title_words, text_words = tokens(title), tokens(body + "\n" + more)
        bits, learn = self._bits, self._learn
        for words, weight in ((title_words, TITLE_WEIGHT), (text_words, 1)):
            packed = np.array([bits.get(word) or learn(word) for word in words], dtype=np.int64)
            self._words.append(((packed >> _BIT_WIDTH) - 1).astype(np.int32))
            self._masks.append((packed & _BIT_MASK).astype(np.int32))
            self._fields.append((number, weight))
        self.lengths.append(TITLE_WEIGHT * len(title_words) + len(text_words))

    def _learn(self, word: str) -> int:
        """The folded number of a new token and the bit of its exact spelling among that form's, packed in one int.

        Never 0 (the folded number is shifted up by one), so ``bits.get(word) or learn(word)`` works.
        """
        exact, key = forms(word)
        number = self._keys.setdefault(key, len(self._keys))
        if number == len(self.spellings):
            self.spellings.append([])
        known = self.spellings[number]
        if exact not in known and len(known) < MAX_SPELLINGS:
            known.append(exact)
        self._bits[word] = ((number + 1) << _BIT_WIDTH) | (1 << known.index(exact) if exact in known else 0)
        return self._bits[word]

    def postings(self) -> tuple[Postings, Postings]:
        """The postings of folded syllables (with spelling bits) and of adjacent pairs (bits 0).

        Articles are grouped a block at a time (:data:`BLOCK_WORDS` words), so
        memory holds one block's occurrences and every block's postings, not
        every occurrence at once; blocks follow the articles' order, so a stable
        sort by term keeps each term's articles ascending.
        """
        vocabulary = len(self._keys)
        singles: list[tuple[np.ndarray, ...]] = []
        pairs: list[tuple[np.ndarray, ...]] = []
        for first, last in self._blocks():
            words = np.concatenate([np.zeros(0, np.int64), *self._words[first:last]]).astype(np.int64)
            masks = np.concatenate([np.zeros(0, np.int64), *self._masks[first:last]]).astype(np.int64)
            sizes = np.array([len(w) for w in self._words[first:last]], dtype=np.int64)
            owner = np.array([doc for doc, _ in self._fields[first:last]], dtype=np.int64)
            weight = np.array([w for _, w in self._fields[first:last]], dtype=np.int64)
            part = np.repeat(np.arange(len(sizes)), sizes)
            docs, weights = owner[part], weight[part]
            singles.append(_grouped(words, docs, weights, masks))
            inside = part[1:] == part[:-1]  # pairs of adjacent words inside one field of one article
            codes = words[:-1][inside] * vocabulary + words[1:][inside]
            pairs.append(_grouped(codes, docs[1:][inside], weights[1:][inside], None))
        names = list(self._keys)
        term, doc, count, bits = _merged(singles)
        single_postings = Postings(names, term, doc, count, bits, np.searchsorted(term, np.arange(len(names) + 1)))
        codes, doc, count, bits = _merged(pairs)
        unique, numbers = np.unique(codes, return_inverse=True)
        pair_keys = [f"{names[c // vocabulary]} {names[c % vocabulary]}" for c in unique.tolist()]
        pair_postings = Postings(
            pair_keys, numbers, doc, count, bits, np.searchsorted(numbers, np.arange(len(pair_keys) + 1))
        )
        return single_postings, pair_postings

    def _blocks(self) -> list[tuple[int, int]]:
        """Ranges of ``_words`` entries of about BLOCK_WORDS words, never splitting an article's fields."""
        blocks, first, words = [], 0, 0
        for entry, (array, (doc, _)) in enumerate(zip(self._words, self._fields, strict=True)):
            if words >= BLOCK_WORDS and doc != self._fields[entry - 1][0]:
                blocks.append((first, entry))
                first, words = entry, 0
            words += len(array)
        blocks.append((first, len(self._words)))
        return blocks

    def vectors(self, postings: tuple[Postings, Postings]) -> tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray]:
        """Each article's terms (syllables, then pairs) as rows: weighted counts, BM25 weights, and function words.

        What :func:`searchkit.related.related_among` reads to find every page's related articles at once.
        """
        singles, pairs = postings
        width = len(singles.keys)
        rows = np.concatenate([singles.doc, pairs.doc])
        columns = np.concatenate([singles.term, pairs.term + width])
        counts = np.concatenate([singles.count, pairs.count]).astype(np.float32)
        shape = (len(self.docs), width + len(pairs.keys))
        lengths = np.array(self.lengths, dtype=np.float64)
        norms = K1 * (1 - B + B * lengths / (lengths.mean() if len(lengths) else 1.0))
        frequency = np.bincount(columns, minlength=shape[1])
        idf = np.log(1 + (len(self.docs) - frequency + 0.5) / (frequency + 0.5))
        bm25 = (idf[columns] * counts * (K1 + 1) / (counts + norms[rows])).astype(np.float32)
        stop = {fold(word) for word in STOP_WORDS}

        def weak(word: str) -> bool:  # a function word, or a number (a date's day finds the same day)
            return word in stop or not any(char.isalpha() for char in word)

        excluded = np.array(
            [weak(key) for key in singles.keys] + [any(map(weak, key.split())) for key in pairs.keys], dtype=bool
        )
        return (
            sparse.csr_matrix((counts, (rows, columns)), shape=shape),
            sparse.csr_matrix((bm25, (rows, columns)), shape=shape),
            excluded,
        )

    def write(self, folder: Path, postings: tuple[Postings, Postings] | None = None) -> int:
        """Write the scripts into ``folder``; returns the number of bytes written."""
        folder.mkdir(parents=True, exist_ok=True)
        singles, pairs = postings or self.postings()
        shards = self._shards(singles, pairs)
        written = 0
        for number, entries in enumerate(shards):
            written += _write_script(folder / f"t{number}.js", "t", number, entries)
        chunks = math.ceil(len(self.docs) / ARTICLE_CHUNK)
        for number in range(chunks):
            docs = self.docs[number * ARTICLE_CHUNK : (number + 1) * ARTICLE_CHUNK]
            written += _write_script(folder / f"d{number}.js", "d", number, docs)
        manifest = {
            "docs": len(self.docs),
            "shards": len(shards),
            "chunk": ARTICLE_CHUNK,
            "chunks": chunks,
            "digits": DIGITS,
        }
        written += _write_script(folder / "manifest.js", "m", 0, manifest)
        return written

    def _shards(self, singles: Postings, pairs: Postings) -> list[dict[str, object]]:
        lengths = np.array(self.lengths, dtype=np.float64)
        average = float(lengths.mean()) if len(lengths) else 1.0
        norms = K1 * (1 - B + B * lengths / average)
        encoded = []
        for found, spelled in ((singles, True), (pairs, False)):
            width = 3 if spelled else 2
            text, offsets = encode(_flat(found, norms, spelled), found.starts * width)
            encoded.append((found, spelled, text, offsets.tolist(), np.diff(found.starts).tolist()))
        count = max(1, math.ceil(sum(len(text) for *_, text, _, _ in encoded) / SHARD_BYTES))
        shards: list[dict[str, object]] = [{} for _ in range(count)]
        for found, spelled, text, offsets, sizes in encoded:
            hashes = term_hashes(found.keys) % count
            for number, (key, shard) in enumerate(zip(found.keys, hashes.tolist(), strict=True)):
                entry: dict[str, object] = {"n": sizes[number], "p": text[offsets[number] : offsets[number + 1]]}
                if spelled:
                    entry["s"] = self.spellings[number]
                shards[shard][key] = entry
        return shards


def encode(numbers: np.ndarray, starts: np.ndarray) -> tuple[str, np.ndarray]:
    """Non-negative integers as one string of base-32 digits, and where the numbers at ``starts`` begin in it.

    Each number is written most significant digit first, 5 bits a character of
    :data:`DIGITS`: digits before the last carry 32 (the "more follows" bit),
    so a gap of 1 or a spelling bit of 1 is one character, and ``find.js``
    reads the numbers back in one pass.  Numbers are written a block at a time
    (memory stays a few times the block's, whatever the report's size).
    """
    alphabet = np.frombuffer(DIGITS.encode("ascii"), dtype=np.uint8)
    offsets = np.zeros(len(starts), dtype=np.int64)
    pieces: list[bytes] = []
    written = 0
    for low in range(0, max(len(numbers), 1), ENCODE_BLOCK):
        block = numbers[low : low + ENCODE_BLOCK].astype(np.int64)
        width = np.ones(len(block), dtype=np.int64)  # characters per number
        for power in range(1, 13):
            width += block >= 32**power
        ends = np.cumsum(width)
        first = ends - width
        here = (starts >= low) & (starts < low + len(block))
        offsets[here] = written + first[starts[here] - low]
        owner = np.repeat(np.arange(len(block)), width)
        place = np.arange(len(owner)) - first[owner]  # 0: the most significant digit
        last = width[owner] - 1
        digit = (block[owner] >> (5 * (last - place))) & 31
        digit += 32 * (place < last)
        pieces.append(alphabet[digit].tobytes())
        written += len(owner)
    offsets[starts >= len(numbers)] = written
    return b"".join(pieces).decode("ascii"), offsets


def _grouped(
    terms: np.ndarray, docs: np.ndarray, weights: np.ndarray, masks: np.ndarray | None
) -> tuple[np.ndarray, ...]:
    """Occurrences (term, article, weight, spelling bit) summed into postings sorted by term, then article."""
    combined = terms * (int(docs.max(initial=0)) + 1) + docs
    order = np.argsort(combined, kind="stable")
    combined = combined[order]
    new = np.ones(len(combined), dtype=bool)
    new[1:] = combined[1:] != combined[:-1]
    firsts = order[new]
    starts = np.flatnonzero(new)
    counts = np.add.reduceat(weights[order], starts) if len(starts) else weights[:0]
    bits = np.bitwise_or.reduceat(masks[order], starts) if masks is not None and len(starts) else counts * 0
    return terms[firsts], docs[firsts].astype(np.int32), counts.astype(np.int32), bits.astype(np.int32)


def _merged(blocks: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """The postings of consecutive blocks of articles, sorted by term (each term's articles stay ascending)."""
    columns = [np.concatenate([block[i] for block in blocks]) for i in range(4)]
    order = np.argsort(columns[0], kind="stable")
    return tuple(column[order] for column in columns)


def _flat(found: Postings, norms: np.ndarray, spelled: bool) -> np.ndarray:
    """Per posting: article as a gap from the term's previous one, BM25 weight ×100 (up to 220), spelling bits."""
    gaps = found.doc.copy()
    gaps[1:] -= found.doc[:-1]
    firsts = found.starts[:-1][found.starts[:-1] < len(gaps)]
    gaps[firsts] = found.doc[firsts]  # a term's first article counts from 0
    counts = found.count.astype(np.float64)
    weights = np.floor(100 * (K1 + 1) * counts / (counts + norms[found.doc]) + 0.5).astype(np.int64)
    columns = [gaps, weights, found.bits] if spelled else [gaps, weights]
    return np.stack([column.astype(np.int32) for column in columns], axis=1).reshape(-1)


def term_hashes(terms: list[str]) -> np.ndarray:
    """:func:`term_hash` of many terms at once, with numpy over their code points."""
    if not terms:
        return np.zeros(0, dtype=np.int64)
    width = max(map(len, terms))
    points = np.zeros((len(terms), width), dtype=np.uint64)
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
    encoded = np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32)
    rows = np.repeat(np.arange(len(terms)), lengths)
    columns = np.arange(len(encoded)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    points[rows, columns] = encoded
    value = np.full(len(terms), 0x811C9DC5, dtype=np.uint64)
    for column in range(width):
        step = ((value ^ points[:, column]) * np.uint64(0x01000193)) & np.uint64(0xFFFFFFFF)
        value = np.where(column < lengths, step, value)
    return value.astype(np.int64)


def _excerpt(text: str) -> str:
    """The opening of the text, cut at a space: what a hit's excerpt is taken from."""
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text.rfind(" ", 0, EXCERPT_CHARS)
    return text[: cut if cut > 0 else EXCERPT_CHARS]


def _write_script(path: Path, kind: str, number: int, data: object) -> int:
    # "</" cannot end a script in a file of its own, but keep the data inert wherever it is pasted.
    # orjson: the shards are most of a report's build time spent in JSON, and it encodes them ~5× faster.
    payload = orjson.dumps(data).replace(b"</", b"<\\/")
    script = f"{CALLBACK}({json.dumps(kind)},{number},".encode() + payload + b");\n"
    path.write_bytes(script)
    return len(script)
