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
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from searchkit.normalize import canonical_text, fold

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


def words(text: str) -> list[str]:
    """The words of ``text`` as the page reads a query: canonical tones, lower case."""
    return TOKEN.findall(canonical_text(text).lower())


@dataclass
class FindIndex:
    """Postings built article by article, written as sharded scripts."""

    docs: list[list[str]] = field(default_factory=list)
    lengths: list[float] = field(default_factory=list)
    terms: dict[str, list[int]] = field(default_factory=dict)  # doc, tf×, spelling mask
    spellings: dict[str, list[str]] = field(default_factory=dict)
    pairs: dict[str, list[int]] = field(default_factory=dict)  # doc, tf×

    def add(self, *, title: str, body: str, more: str, page: str, date: str, author: str) -> None:
        """Add one article (``more``: captions and author); add newer articles first, they win ties."""
        number = len(self.docs)
        title_words, text_words = words(title), words(body + "\n" + more)
        self.docs.append([title, page, date, author, _excerpt(body)])
        self.lengths.append(TITLE_WEIGHT * len(title_words) + len(text_words))
        counts: Counter[str] = Counter()
        masks: dict[str, int] = {}
        pair_counts: Counter[str] = Counter()
        for weight, sequence in ((TITLE_WEIGHT, title_words), (1, text_words)):
            folded = [fold(word) for word in sequence]
            for word, key in zip(sequence, folded, strict=True):
                counts[key] += weight
                masks[key] = masks.get(key, 0) | self._spelling_bit(key, word)
            for pair in pairwise(folded):
                pair_counts[" ".join(pair)] += weight
        for key, count in counts.items():
            self.terms.setdefault(key, []).extend((number, count, masks[key]))
        for key, count in pair_counts.items():
            self.pairs.setdefault(key, []).extend((number, count))

    def _spelling_bit(self, key: str, word: str) -> int:
        known = self.spellings.setdefault(key, [])
        if word not in known:
            if len(known) >= MAX_SPELLINGS:
                return 0
            known.append(word)
        return 1 << known.index(word)

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
        postings = len(self.pairs) + sum(len(p) for p in self.terms.values()) + sum(len(p) for p in self.pairs.values())
        count = max(1, math.ceil(postings * 4 / SHARD_BYTES))  # about 4 bytes a number as JSON
        shards: list[dict[str, object]] = [{} for _ in range(count)]
        for key, flat in self.terms.items():
            entry: dict[str, object] = {"p": self._weighted(flat, 3, average)}
            if any(flat[2::3]):
                entry["s"] = self.spellings[key]
            shards[term_hash(key) % count][key] = entry
        for key, flat in self.pairs.items():
            shards[term_hash(key) % count][key] = {"p": self._weighted(flat, 2, average)}
        return shards

    def _weighted(self, flat: list[int], stride: int, average: float) -> list[int]:
        """Doc numbers as gaps and term frequencies as BM25 weights ×100 (0–220)."""
        out: list[int] = []
        previous = 0
        for start in range(0, len(flat), stride):
            doc, tf = flat[start], flat[start + 1]
            norm = K1 * (1 - B + B * self.lengths[doc] / average)
            out.extend((doc - previous, max(1, round(100 * tf * (K1 + 1) / (tf + norm)))))
            if stride == 3:
                out.append(flat[start + 2])
            previous = doc
        return out


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
