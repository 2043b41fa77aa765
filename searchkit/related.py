"""Related articles: "more like this" over the article's most significant words, copies left out.

As Lucene's MoreLikeThis: the article's words are weighed by tf·idf (how often
the article uses a word, how rare the word is in the index), the best
:data:`TERMS` are searched as one OR query scored with BM25F over the title,
captions and body, and the article itself and its near-duplicates
(:mod:`searchkit.similarity`) are left out; copies among the results fold
under the best-ranked one, as in a search.  Words are the analyzer's own: each
syllable as written and each pyvi compound in its folded form (``cong_an``),
so an article typed without marks still finds its relatives; function words
(``và``, ``của``) never count.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from searchkit import fields, similarity
from searchkit.analysis import analyze, is_stop_word
from searchkit.backend.engine import Engine
from searchkit.errors import ArticleNotFound
from searchkit.search import Hit, StoredArticle
from searchkit.snippets import leading_text

#: How many of the article's words the query holds (Lucene's MoreLikeThis default is 25).
TERMS = 25
#: A word used less often than this (weighted by field) is taken only when too few others are.
MIN_TERM_FREQUENCY = 2
#: Candidates read (and compared for copies) per related article asked for.
CANDIDATES_PER_HIT = 4


def article_fields(article: StoredArticle) -> dict[str, str]:
    return {"title": article.title, "captions": "\n".join(article.captions), "body": article.body}


def significant_terms(engine: Engine, texts: dict[str, str], count: int = TERMS) -> list[tuple[str, float]]:
    """The ``count`` words of the article with the highest tf·idf, and that weight.

    A word's frequency counts each use by its field's weight (a title word 3×,
    as search ranks it); as in Lucene's MoreLikeThis (``minTermFreq`` 2), words
    used once in the body only are passed over when enough others remain (a
    story's subject recurs, an incidental word does not), and words of no other
    article are left out (they find nothing).
    """
    boosts = fields.boosts()
    counts: Counter[str] = Counter()
    for name, text in texts.items():
        for _, token, _, _ in analyze(text, mode="index"):
            if token.startswith("~") or " " in token or is_stop_word(token) or not any(c.isalpha() for c in token):
                continue  # folded syllables repeat the exact ones; shingles straddle words
            counts[token] += boosts.get(name, 1.0)
    documents = max(engine.stats.documents, 1)
    weighted = []
    for token, tf in counts.items():
        frequency = max(engine.doc_frequency(name, token) for name in fields.text_fields())
        if frequency < 2:
            continue
        weighted.append((tf >= MIN_TERM_FREQUENCY, token, tf * (math.log(documents / (frequency + 1)) + 1)))
    weighted.sort(key=lambda item: (not item[0], -item[2], item[1]))
    return [(token, weight) for _, token, weight in weighted[:count]]


def related(engine: Engine, article: StoredArticle, limit: int = 5) -> list[Hit]:
    """The ``limit`` articles most related to ``article``, best first, its copies left out and theirs folded."""
    docnum = engine.document_number("id", article.id)
    if docnum is None:
        raise ArticleNotFound(article.id)
    terms = significant_terms(engine, article_fields(article))
    if not terms:
        return []
    best = terms[0][1]
    boosts = fields.boosts()
    found = engine.any_of(
        (name, token, boosts.get(name, 1.0) * weight / best) for token, weight in terms for name in boosts
    )
    allowed = np.ones(engine.size, dtype=bool)
    allowed[docnum] = False
    ranked = engine.rank(found, limit=limit * CANDIDATES_PER_HIT, allowed=allowed)
    candidates = [engine.stored(number) for number in ranked.docnums]
    groups = similarity.fold(engine.column_values("minhash", [docnum, *ranked.docnums]))  # type: ignore[arg-type]
    hits = []
    for group in groups[1:]:  # the first story is the article's own, with its copies
        head, *copies = (row - 1 for row in group)
        chosen = candidates[head]
        hits.append(
            Hit(
                rank=len(hits) + 1,
                score=round(ranked.scores[head], 4),
                id=str(chosen["id"]),
                path=str(chosen.get("path", "")),
                title=str(chosen.get("title", "")),
                date=str(chosen.get("date_text") or "") or None,
                author=str(chosen.get("author", "")),
                snippet=leading_text(str(chosen.get("body") or "")),
                similar=[str(candidates[row]["id"]) for row in copies],
            )
        )
        if len(hits) == limit:
            break
    return hits


def related_among(
    counts: sparse.csr_matrix,
    bm25: sparse.csr_matrix,
    signatures: Sequence[bytes | None],
    excluded: np.ndarray,
    limit: int = 5,
) -> list[list[int]]:
    """:func:`related` for every article of a set at once (the report's pages): the best ``limit`` others of each.

    ``counts`` holds each article's weighted term counts (one row an article),
    ``bm25`` the same terms' BM25 weights, ``excluded`` the terms never worth
    asking for (function words).  As :func:`related`, each article's best
    :data:`TERMS` by tf·idf (the recurring first) are one query, BM25-scored;
    here all the queries are one sparse product, so a thousand articles cost
    a few tenths of a second instead of a search each.  Its near-duplicates
    (by signature) are left out, and among the others one copy per story is kept.
    """
    articles = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log(max(articles, 1) / (frequency + 1.0)) + 1
    idf[(frequency < 2) | excluded] = 0.0  # a word of one article finds nothing
    weighted = counts.data * idf[counts.indices]  # tf·idf of each (article, term), in the rows' order
    rows, columns, values = [], [], []
    for row in range(articles):
        start, end = counts.indptr[row], counts.indptr[row + 1]
        weights = weighted[start:end]
        if not len(weights):
            continue
        rank = weights + (counts.data[start:end] >= MIN_TERM_FREQUENCY) * weights.max()  # recurring words first
        best = np.argpartition(-rank, TERMS)[:TERMS] if len(rank) > TERMS else np.arange(len(rank))
        best = best[weights[best] > 0]
        if len(best):
            rows += [row] * len(best)
            columns += counts.indices[start:end][best].tolist()
            values += (weights[best] / weights[best].max()).tolist()
    # Only the terms some article asks for are scored: a slice of the BM25 matrix, terms × articles.
    used, asked = np.unique(np.array(columns, dtype=np.int64), return_inverse=True)
    queries = sparse.csr_matrix((np.array(values, np.float32), (rows, asked)), shape=(articles, len(used)))
    scorer = bm25[:, used].T.tocsr()
    matrix, present = similarity.as_matrix(signatures)
    wanted = limit * CANDIDATES_PER_HIT
    found: list[list[int]] = []
    for first in range(0, articles, BATCH):
        scores = (queries[first : first + BATCH] @ scorer).tocsr()
        for offset in range(scores.shape[0]):
            row = first + offset
            start, end = scores.indptr[offset], scores.indptr[offset + 1]
            others, values = scores.indices[start:end], scores.data[start:end]
            keep = others != row
            others, values = others[keep], values[keep]
            if len(others) > wanted:
                top = np.argpartition(-values, wanted - 1)[:wanted]
                others, values = others[top], values[top]
            ranked = others[np.lexsort((others, -np.round(values, 6)))]
            found.append(_one_per_story(row, ranked, matrix, present, limit))
    return found


#: Articles whose related are scored together (a dense block of this many rows at most).
BATCH = 512


def _one_per_story(row: int, ranked: np.ndarray, matrix: np.ndarray, present: np.ndarray, limit: int) -> list[int]:
    """The first ``limit`` of ``ranked`` that copy neither the article nor one taken before them."""
    group = np.concatenate([[row], ranked])
    same = (matrix[group][:, None, :] == matrix[group][None, :, :]).mean(axis=2) >= similarity.THRESHOLD
    same &= present[group][:, None] & present[group][None, :]
    taken = [0]
    for position in range(1, len(group)):
        if not same[position, taken].any():
            taken.append(position)
            if len(taken) > limit:
                break
    return group[taken[1:]].tolist()
