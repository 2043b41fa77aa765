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

import numpy as np

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
