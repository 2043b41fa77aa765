"""Near-duplicate articles: a MinHash signature per article, and folding copies under the best-ranked one.

Scraped news holds one agency story many times: re-titled, a byline added,
captions changed, a paragraph dropped.  The signature is a MinHash
(`datasketch`) over the article body's word shingles, folded (no marks, lower
case), so a new headline, byline or caption does not change it and a dropped
paragraph lowers the estimated Jaccard similarity only by its share of the text.
It is computed at index time and stored with the article (64 numbers, 256
bytes), so it follows every incremental run: an added copy is folded at the
next search, a removed original unfolds its copies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from searchkit.articles import Article
from searchkit.normalize import strip_marks

#: Hash functions in a signature: 64 keep it at 256 bytes with an error of about ±0.06 on Jaccard.
PERMUTATIONS = 64
#: Words per shingle: three words rarely repeat between distinct stories on one topic.
SHINGLE = 3
#: Estimated Jaccard similarity from which two articles are copies (bench/news_bench.py measures it).
THRESHOLD = 0.5
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _minhash() -> tuple[type, object]:
    """datasketch's MinHash, and its hash functions drawn once (it draws them for every MinHash otherwise).

    Imported on first use, at index time: datasketch imports scipy, which a search does not need.
    """
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=PERMUTATIONS, seed=1, scheme="affine32").permutations


def shingles(text: str) -> set[str]:
    """The folded word shingles of ``text`` (the words themselves when it has fewer than a shingle)."""
    words = _WORD.findall(strip_marks(text).lower())
    if len(words) < SHINGLE:
        return set(words)
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def text_signature(text: str) -> bytes:
    """The MinHash of ``text``'s shingles as bytes, or ``b""`` for a text without words (never a copy)."""
    found = shingles(text)
    if not found:
        return b""
    minhash_type, permutations = _minhash()
    minhash = minhash_type(num_perm=PERMUTATIONS, seed=1, scheme="affine32", permutations=permutations)
    minhash.update_batch([s.encode("utf-8") for s in found])
    return minhash.hashvalues.astype("<u4").tobytes()


def signature(article: Article) -> bytes:
    """The article's signature: of its body only, which copies share whatever their titles and captions."""
    return text_signature(article.body)


def as_matrix(signatures: Sequence[bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    """Signatures as rows of a matrix, with a mask of the rows that have one."""
    matrix = np.zeros((len(signatures), PERMUTATIONS), dtype=np.uint32)
    present = np.zeros(len(signatures), dtype=bool)
    for row, value in enumerate(signatures):
        if value and len(value) == PERMUTATIONS * 4:
            matrix[row] = np.frombuffer(value, dtype="<u4")
            present[row] = True
    return matrix, present


def fold(signatures: Sequence[bytes | None], threshold: float = THRESHOLD) -> list[list[int]]:
    """Group ranked articles into stories: each is ``[head, copy, …]`` in rank order, the best-ranked first.

    Each article is compared with the heads of the stories before it
    (estimated Jaccard: the share of equal MinHash values, pairwise with numpy
    over the window searched); it joins the best-ranked head it copies, or
    starts a story.  Articles without a signature are always their own story.
    """
    matrix, present = as_matrix(signatures)
    stories: list[list[int]] = []
    heads: list[int] = []
    for row in range(len(signatures)):
        if present[row] and heads:
            candidates = np.array(heads)
            similar = (matrix[candidates] == matrix[row]).mean(axis=1) >= threshold
            similar &= present[candidates]
            if similar.any():
                stories[int(np.argmax(similar))].append(row)
                continue
        heads.append(row)
        stories.append([row])
    return stories


def similarity(first: bytes | None, second: bytes | None) -> float:
    """The estimated Jaccard similarity of two signatures (0 when either has none)."""
    matrix, present = as_matrix([first, second])
    return float((matrix[0] == matrix[1]).mean()) if present.all() else 0.0
