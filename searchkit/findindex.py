"""The report's offline search index: sharded script files a page loads only when a reader searches.

Browsers refuse ``fetch`` on ``file://``, so every file is a script that hands
its data to ``searchkitFind(kind, number, data)``, defined by ``find.js``:

* ``find/manifest.js``: the number of articles, term shards and article chunks;
* ``find/tN.js``: the terms whose hash falls in shard N.  A term is a
  syllable folded as searchkit folds it (``ha``, from ``hà``), with the exact
  spellings seen (``["hà", "hạ"]``), or an adjacent pair (``ha noi``); its
  postings are flat ``[doc gap, weight, spelling bits]`` (pairs without bits);
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
#: Articles per ``dN.js`` chunk: a result page loads the chunks of its hits only.
ARTICLE_CHUNK = 32
#: Characters of article text kept for excerpts.
EXCERPT_CHARS = 600
#: Target bytes of a term shard: a query loads one per word and per pair of words.
SHARD_BYTES = 48_000
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
            self._words.append((packed >> _BIT_WIDTH) - 1)
            self._masks.append(packed & _BIT_MASK)
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
        """The postings of folded syllables (with spelling bits) and of adjacent pairs (bits 0), computed at once."""
        sizes = np.array([len(words) for words in self._words], dtype=np.int64)
        words = np.concatenate([*self._words, np.zeros(0, np.int64)])
        masks = np.concatenate([*self._masks, np.zeros(0, np.int64)])
        owner = np.array([doc for doc, _ in self._fields], dtype=np.int64)
        weight = np.array([w for _, w in self._fields], dtype=np.int64)
        part = np.repeat(np.arange(len(sizes)), sizes)
        docs, weights = owner[part], weight[part]
        vocabulary = len(self._keys)
        singles = _grouped(words, docs, weights, masks, list(self._keys))
        # Pairs of adjacent words inside one field of one article.
        inside = part[1:] == part[:-1]
        pair_codes = words[:-1][inside] * vocabulary + words[1:][inside]
        codes, pair_numbers = np.unique(pair_codes, return_inverse=True)
        names = list(self._keys)
        pair_keys = [f"{names[c // vocabulary]} {names[c % vocabulary]}" for c in codes.tolist()]
        pairs = _grouped(pair_numbers, docs[1:][inside], weights[1:][inside], None, pair_keys)
        return singles, pairs

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
        manifest = {"docs": len(self.docs), "shards": len(shards), "chunk": ARTICLE_CHUNK, "chunks": chunks}
        written += _write_script(folder / "manifest.js", "m", 0, manifest)
        return written

    def _shards(self, singles: Postings, pairs: Postings) -> list[dict[str, object]]:
        numbers = 3 * len(singles.doc) + 2 * len(pairs.doc)
        count = max(1, math.ceil(numbers * 4 / SHARD_BYTES))  # about 4 bytes a number as JSON
        shards: list[dict[str, object]] = [{} for _ in range(count)]
        lengths = np.array(self.lengths, dtype=np.float64)
        average = float(lengths.mean()) if len(lengths) else 1.0
        norms = K1 * (1 - B + B * lengths / average)
        for found, spelled in ((singles, True), (pairs, False)):
            flat = _flat(found, norms, spelled).tolist()
            width = 3 if spelled else 2
            starts = (found.starts * width).tolist()
            hashes = term_hashes(found.keys) % count
            for number, (key, shard) in enumerate(zip(found.keys, hashes.tolist(), strict=True)):
                postings = flat[starts[number] : starts[number + 1]]
                shards[shard][key] = {"s": self.spellings[number], "p": postings} if spelled else {"p": postings}
        return shards


def _grouped(
    terms: np.ndarray, docs: np.ndarray, weights: np.ndarray, masks: np.ndarray | None, keys: list[str]
) -> Postings:
    """Occurrences (term, article, weight, spelling bit) summed into postings sorted by term, then article."""
    combined = terms * (int(docs.max(initial=0)) + 1) + docs
    order = np.argsort(combined, kind="stable")
    combined, terms, docs, weights = combined[order], terms[order], docs[order], weights[order]
    new = np.ones(len(terms), dtype=bool)
    new[1:] = combined[1:] != combined[:-1]
    firsts = np.flatnonzero(new)
    counts = np.add.reduceat(weights, firsts) if len(firsts) else weights[:0]
    bits = np.bitwise_or.reduceat(masks[order], firsts) if masks is not None and len(firsts) else counts * 0
    term = terms[firsts]
    starts = np.searchsorted(term, np.arange(len(keys) + 1))
    return Postings(keys, term, docs[firsts], counts, bits, starts)


def _flat(found: Postings, norms: np.ndarray, spelled: bool) -> np.ndarray:
    """Per posting: article as a gap from the term's previous one, BM25 weight ×100 (up to 220), spelling bits."""
    gaps = found.doc.copy()
    gaps[1:] -= found.doc[:-1]
    firsts = found.starts[:-1][found.starts[:-1] < len(gaps)]
    gaps[firsts] = found.doc[firsts]  # a term's first article counts from 0
    counts = found.count.astype(np.float64)
    weights = np.floor(100 * (K1 + 1) * counts / (counts + norms[found.doc]) + 0.5).astype(np.int64)
    columns = [gaps, weights, found.bits] if spelled else [gaps, weights]
    return np.stack(columns, axis=1).reshape(-1)


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
