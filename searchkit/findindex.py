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
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

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
class FindIndex:
    """Postings built article by article, written as sharded scripts."""

    docs: list[list[str]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    terms: defaultdict[str, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    spellings: dict[str, list[str]] = field(default_factory=dict)
    pairs: defaultdict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    _bits: dict[str, tuple[str, int]] = field(default_factory=dict)  # token → folded form, spelling bit

    def add(self, *, title: str, body: str, more: str, page: str, date: str, author: str) -> None:
        """Add one article (``more``: captions and author); add newer articles first, they win ties."""
        number = len(self.docs)
        self.docs.append([title, page, date, author, _excerpt(body)])
        title_words, text_words = tokens(title), tokens(body + "\n" + more)
        masks: dict[str, int] = {}
        bits = self._bits
        for word in {*title_words, *text_words}:
            key, bit = bits.get(word) or self._learn(word)
            masks[key] = masks.get(key, 0) | bit
        title_folded = [forms(word)[1] for word in title_words]
        text_folded = [forms(word)[1] for word in text_words]
        counts = Counter(text_folded)
        pair_counts = Counter(map(" ".join, pairwise(text_folded)))
        title_pairs = list(map(" ".join, pairwise(title_folded)))
        for _ in range(TITLE_WEIGHT):  # a title word counts as TITLE_WEIGHT body words
            counts.update(title_folded)
            pair_counts.update(title_pairs)
        self.lengths.append(TITLE_WEIGHT * len(title_words) + len(text_words))
        terms, pairs = self.terms, self.pairs
        for key, count in counts.items():
            terms[key].append((number, count, masks[key]))
        for key, count in pair_counts.items():
            pairs[key].append((number, count))

    def _learn(self, word: str) -> tuple[str, int]:
        """The folded form of a new token, and the bit of its exact spelling among that form's spellings."""
        exact, key = forms(word)
        known = self.spellings.setdefault(key, [])
        if exact not in known and len(known) < MAX_SPELLINGS:
            known.append(exact)
        self._bits[word] = key, (1 << known.index(exact) if exact in known else 0)
        return self._bits[word]

    def write(self, folder: Path) -> int:
        """Write the scripts into ``folder``; returns the number of bytes written."""
        folder.mkdir(parents=True, exist_ok=True)
        average = sum(self.lengths) / len(self.lengths) if self.lengths else 1.0
        shards = self._shards(average)
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

    def _shards(self, average: float) -> list[dict[str, object]]:
        postings = 3 * sum(map(len, self.terms.values())) + 2 * sum(map(len, self.pairs.values()))
        count = max(1, math.ceil(postings * 4 / SHARD_BYTES))  # about 4 bytes a number as JSON
        shards: list[dict[str, object]] = [{} for _ in range(count)]
        norms = [K1 * (1 - B + B * length / average) for length in self.lengths]
        for key, triples in self.terms.items():
            shards[term_hash(key) % count][key] = {"s": self.spellings[key], "p": _flat(triples, norms)}
        for key, doubles in self.pairs.items():
            shards[term_hash(key) % count][key] = {"p": _flat(doubles, norms)}
        return shards


def _flat(postings: list[tuple[int, ...]], norms: list[float]) -> list[int]:
    """Doc numbers as gaps, term frequencies as BM25 weights ×100 (up to 220), then any spelling mask."""
    docs = [posting[0] for posting in postings]
    gaps = [doc - previous for doc, previous in zip(docs, [0, *docs], strict=False)]
    scale = 100 * (K1 + 1)
    weights = [int(scale * p[1] / (p[1] + norms[p[0]]) + 0.5) for p in postings]
    if len(postings[0]) == 3:
        return [n for row in zip(gaps, weights, [p[2] for p in postings], strict=True) for n in row]
    return [n for row in zip(gaps, weights, strict=True) for n in row]


def _excerpt(text: str) -> str:
    """The opening of the text, cut at a space: what a hit's excerpt is taken from."""
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text.rfind(" ", 0, EXCERPT_CHARS)
    return text[: cut if cut > 0 else EXCERPT_CHARS]


def _write_script(path: Path, kind: str, number: int, data: object) -> int:
    # "</" cannot end a script in a file of its own, but keep the data inert wherever it is pasted.
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    script = f"{CALLBACK}({json.dumps(kind)},{number},{payload});\n"
    path.write_text(script, encoding="utf-8")
    return len(script.encode("utf-8"))
