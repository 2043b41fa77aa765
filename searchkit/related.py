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
#: Candidates read (and compared for copies) per related article asked for.
CANDIDATES_PER_HIT = 4


def article_text(article: StoredArticle) -> str:
    return "\n".join([article.title, *article.captions, article.body])


def significant_terms(engine: Engine, text: str, count: int = TERMS) -> list[tuple[str, float]]:
    """The ``count`` words of ``text`` with the highest tf·idf, and that weight (words of no other article left out)."""
    counts: Counter[str] = Counter()
    for _, token, _, _ in analyze(text, mode="index"):
        if token.startswith("~") or " " in token or is_stop_word(token) or not any(c.isalpha() for c in token):
            continue  # folded syllables repeat the exact ones; shingles straddle words
        counts[token] += 1
    documents = max(engine.stats.documents, 1)
    weighted = []
    for token, tf in counts.items():
        frequency = max(engine.doc_frequency(name, token) for name in fields.text_fields())
        if frequency < 2:  # only this article has it: it finds nothing else
            continue
        weighted.append((token, tf * (math.log(documents / (frequency + 1)) + 1)))
    weighted.sort(key=lambda item: (-item[1], item[0]))
    return weighted[:count]


def related(engine: Engine, article: StoredArticle, limit: int = 5) -> list[Hit]:
    """The ``limit`` articles most related to ``article``, best first, its copies left out and theirs folded."""
    docnum = engine.document_number("id", article.id)
    if docnum is None:
        raise ArticleNotFound(article.id)
    stored = engine.stored(docnum)
    terms = significant_terms(engine, article_text(article))
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
    groups = similarity.fold([stored.get("minhash"), *(c.get("minhash") for c in candidates)])  # type: ignore[misc]
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
