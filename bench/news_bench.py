"""Near-duplicate folding and related articles, measured on a generated archive with known answers.

    python bench/news_bench.py [--topics 40] [--stories 8] [--workers 2]

The archive: ``topics`` subjects, each with ``stories`` distinct articles
written from bench/make_corpus.py's sentence templates, their slots filled
from the subject's own six words, two places, organisations and people
(so distinct stories on one subject share vocabulary and the templates' fixed
phrases, as agency news does); ``--focus`` sets how often a sentence names
the subject (0.8: a story keeps to its subject).  A third of the stories are republished 1–3
times the way news sites copy: a new headline, a byline added or changed,
captions rewritten, one paragraph dropped, two paragraphs swapped.

Measured, in one run:

* folding: precision and recall over pairs of articles (a pair is folded when
  one is under the other in a result), through ``Index.search`` on a query per
  subject (every copy is in the folding window), and over all pairs of the
  archive at several thresholds (``similarity.fold`` on the stored signatures);
* the cost of the signatures: the time to compute them for every article,
  against the full build (``index --full``) of the same archive, which
  includes it;
* related articles: precision@5 (the share of the 5 related articles on the
  same subject) of ``Index.related``, of the "Bài liên quan" block the report
  writes on each article page (``report --all``), and of the title's words
  searched as an OR query (plain BM25F), all leaving out the article and its
  own copies.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from make_corpus import BYLINES, CAPTIONS, GIVEN, ORGS, PLACES, SENTENCES, Vocabulary, _fill, _name

from searchkit import Index, similarity
from searchkit.indexer import index_paths
from searchkit.ingest import Limits, discover, read_articles
from searchkit.report import page_name, write_report

HEADLINES = [
    "{place}: {w} và {w}",
    "{org} đẩy mạnh {w} tại {place}",
    "{title} {name} kiểm tra công tác {w}",
    "Người dân {place} lo lắng vì {w}",
    "Tháo gỡ khó khăn về {w} cho {place}",
    "{w}: {org} vào cuộc",
]


@dataclass
class Subject:
    """What the stories on one subject share: words, places, organisations, people."""

    words: list[str]
    places: list[str]
    orgs: list[str]
    names: list[str]


@dataclass
class Story:
    id: str
    subject: int
    story: int
    title: str
    paragraphs: list[str]
    captions: list[str]
    byline: str
    copies: list[str] = field(default_factory=list)


def _subject(rng: random.Random, vocab: Vocabulary) -> Subject:
    return Subject(
        rng.sample(vocab.words, 6),  # a subject's own words are specific, not the commonest
        rng.sample(PLACES, 2),
        rng.sample(ORGS, 2),
        [_name(rng) for _ in range(2)],
    )


#: The share of sentences whose slots name the subject (its words, places, organisations, people).
FOCUS = 0.8


def _write(template: str, rng: random.Random, vocab: Vocabulary, subject: Subject) -> str:
    """A template filled from the subject's own words, places, organisations and people (FOCUS of the time)."""
    text = _fill(template, rng, vocab, 2024)
    if rng.random() < FOCUS:
        keyed = template
        for slot, pool in (("{w}", subject.words), ("{place}", subject.places), ("{org}", subject.orgs)):
            keyed = keyed.replace(slot, rng.choice(pool))
        keyed = keyed.replace("{name}", rng.choice(subject.names))
        text = _fill(keyed, rng, vocab, 2024)
    return text


def _story(subject_no: int, story_no: int, subject: Subject, rng: random.Random, vocab: Vocabulary) -> Story:
    paragraphs = [
        " ".join(_write(rng.choice(SENTENCES), rng, vocab, subject) for _ in range(rng.randint(2, 4)))
        for _ in range(rng.randint(5, 9))
    ]
    captions = [_write(rng.choice(CAPTIONS), rng, vocab, subject) for _ in range(rng.randint(1, 2))]
    byline = rng.choice(BYLINES).replace("{NAME}", _name(rng).upper()).replace("{Name}", _name(rng))
    title = _write(rng.choice(HEADLINES), rng, vocab, subject)
    return Story(f"s{subject_no:02d}-{story_no:02d}", subject_no, story_no, title, paragraphs, captions, byline)


def _copy(original: Story, number: int, rng: random.Random, vocab: Vocabulary, subject: Subject) -> Story:
    """Another site's copy: a new headline and byline, captions rewritten, a paragraph dropped, two swapped."""
    paragraphs = list(original.paragraphs)
    if rng.random() < 0.6:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    if rng.random() < 0.6:
        i, j = rng.sample(range(1, len(paragraphs)), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
    captions = [_write(rng.choice(CAPTIONS), rng, vocab, subject) for _ in range(rng.randint(0, 2))]
    byline = rng.choice(["Theo TTXVN", f"PV {rng.choice(GIVEN)}", original.byline + " (tổng hợp)"])
    title = _write(rng.choice(HEADLINES), rng, vocab, subject)
    return Story(f"{original.id}-copy{number}", original.subject, original.story, title, paragraphs, captions, byline)


def _record(story: Story) -> dict[str, str]:
    parts = [*story.paragraphs]
    for caption in story.captions:
        parts.insert(min(2, len(parts)), "leftcenterrightdel\n" + caption)
    return {"id": story.id, "title": story.title, "body": "\n\n".join([*parts, story.byline])}


def generate(folder: Path, topics: int, stories: int, seed: int = 17) -> list[Story]:
    """The archive as one JSON Lines file per subject; returns every article, copies included."""
    vocab = Vocabulary()
    everything: list[Story] = []
    for subject_no in range(topics):
        rng = random.Random(f"{seed}:{subject_no}")
        subject = _subject(rng, vocab)
        written = []
        for story_no in range(stories):
            original = _story(subject_no, story_no, subject, rng, vocab)
            written.append(original)
            if rng.random() < 1 / 3:
                for number in range(1, rng.randint(1, 3) + 1):
                    written.append(_copy(original, number, rng, vocab, subject))
        with (folder / f"subject-{subject_no:02d}.jsonl").open("w", encoding="utf-8") as out:
            for story in written:
                out.write(json.dumps(_record(story), ensure_ascii=False) + "\n")
        everything.extend(written)
    return everything


def _story_of(articles: list[Story]) -> dict[str, tuple[int, int]]:
    return {a.id: (a.subject, a.story) for a in articles}


def _scores(predicted: set[frozenset[str]], truth: set[frozenset[str]]) -> tuple[float, float]:
    right = len(predicted & truth)
    return right / len(predicted) if predicted else 1.0, right / len(truth) if truth else 1.0


def _pairs(groups: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for group in groups for pair in itertools.combinations(group, 2)}


def folding_by_search(index: Index, articles: list[Story], topics: int) -> tuple[float, float, int]:
    """Precision and recall of the pairs folded in ``Index.search`` results, a query per subject."""
    stories = _story_of(articles)
    predicted: set[frozenset[str]] = set()
    truth: set[frozenset[str]] = set()
    for subject_no in range(topics):
        titles = [a.title for a in articles if a.subject == subject_no]
        words = sorted({w for t in titles for w in re.findall(r"\w+", t.lower()) if len(w) > 3})[:12]
        results = index.search(" OR ".join(f'"{w}"' for w in words), limit=200)
        groups = [[hit.id, *hit.similar] for hit in results.hits]
        predicted |= _pairs(groups)
        shown = [article_id for group in groups for article_id in group]
        truth |= {frozenset((a, b)) for a, b in itertools.combinations(shown, 2) if stories.get(a) == stories.get(b)}
    precision, recall = _scores(predicted, truth)
    return precision, recall, len(truth)


def folding_all_pairs(index: Index, articles: list[Story], threshold: float) -> tuple[float, float]:
    """Precision and recall of ``similarity.fold`` over every article at once, at ``threshold``."""
    stories = _story_of(articles)
    engine = index.searcher.engine
    docnums = np.flatnonzero(engine.live).tolist()
    random.Random(3).shuffle(docnums)
    ids = [str(i) for i in engine.column_values("id", docnums)]
    groups = similarity.fold(engine.column_values("minhash", docnums), threshold)  # type: ignore[arg-type]
    predicted = _pairs([[ids[row] for row in group] for group in groups])
    truth = {frozenset((a, b)) for a, b in itertools.combinations(ids, 2) if stories[a] == stories[b]}
    return _scores(predicted, truth)


def margins(index: Index, articles: list[Story]) -> tuple[float, float]:
    """The highest estimated Jaccard between distinct stories, and the lowest between an original and its copy."""
    stories = _story_of(articles)
    engine = index.searcher.engine
    docnums = np.flatnonzero(engine.live).tolist()
    stored = [str(i) for i in engine.column_values("id", docnums)]
    matrix, _ = similarity.as_matrix(engine.column_values("minhash", docnums))  # type: ignore[arg-type]
    keys = np.array([hash(stories[i]) for i in stored])
    originals = np.array(["-copy" not in i for i in stored])
    distinct, copies = 0.0, 1.0
    for row in range(len(stored)):
        estimated = (matrix[row + 1 :] == matrix[row]).mean(axis=1)
        same = keys[row + 1 :] == keys[row]
        if (~same).any():
            distinct = max(distinct, float(estimated[~same].max()))
        pairs = same & (originals[row + 1 :] | originals[row])
        if pairs.any():
            copies = min(copies, float(estimated[pairs].min()))
    return distinct, copies


def precision_at_5(index: Index, articles: list[Story]) -> tuple[float, float]:
    """Mean precision@5 of ``Index.related`` and of the title's words searched, over the original stories."""
    stories = _story_of(articles)
    related_scores, title_scores = [], []
    for article in articles:
        if "-copy" in article.id:
            continue
        own = stories[article.id]
        related = [hit.id for hit in index.related(article.id, limit=5)]
        related_scores.append(sum(stories[i][0] == own[0] for i in related) / 5)
        words = re.findall(r"\w+", article.title)
        hits = index.search(" OR ".join(f'"{w}"' for w in words), limit=20, fold=False).hits
        baseline = [hit.id for hit in hits if stories[hit.id] != own][:5]  # not itself, nor its own copies
        title_scores.append(sum(stories[i][0] == own[0] for i in baseline) / 5)
    return float(np.mean(related_scores)), float(np.mean(title_scores))


def report_precision_at_5(index_dir: Path, articles: list[Story], out: Path) -> float:
    """Mean precision@5 of the "Bài liên quan" block of ``searchkit report --all``'s article pages.

    The report ranks related articles for all its pages at once
    (``related.related_among``), not by ``Index.related``: read from the pages
    written, over the same original stories.
    """
    write_report(index_dir, [], out, archive=True)
    stories = _story_of(articles)
    by_page = {page_name(a.id): a.id for a in articles}
    scores = []
    for article in articles:
        if "-copy" in article.id:
            continue
        html = (out / page_name(article.id)).read_text("utf-8")
        block = html.split('class="related"', 1)[1].split("</nav>", 1)[0] if 'class="related"' in html else ""
        related = [by_page[link] for link in re.findall(r'href="(?:\.\./)?(articles/[0-9a-f]+\.html)"', block)]
        scores.append(sum(stories[i][0] == stories[article.id][0] for i in related[:5]) / 5)
    return float(np.mean(scores))


def signature_cost(folder: Path) -> tuple[float, int]:
    """Seconds to compute every article's signature, as the indexer does (articles read beforehand)."""
    read = [a for src in discover([folder]) for a in read_articles(src, Limits())]
    started = time.perf_counter()
    for article in read:
        similarity.signature(article)
    return time.perf_counter() - started, len(read)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=40)
    parser.add_argument("--stories", type=int, default=8, help="Distinct stories per subject.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--focus", type=float, default=FOCUS, help="Share of sentences that name the subject.")
    args = parser.parse_args()
    globals()["FOCUS"] = args.focus
    with tempfile.TemporaryDirectory() as tmp:
        folder, index_dir = Path(tmp) / "archive", Path(tmp) / "index"
        folder.mkdir()
        articles = generate(folder, args.topics, args.stories)
        copies = sum("-copy" in a.id for a in articles)
        started = time.perf_counter()
        index_paths([folder], index_dir, full=True, workers=args.workers)
        build = time.perf_counter() - started
        cost, count = signature_cost(folder)
        print(
            f"archive: {len(articles)} articles, {copies} of them copies, {args.topics} subjects, "
            f"{args.focus:.0%} of sentences naming the subject"
        )
        print(
            f"signatures: {cost / count * 1000:.2f} ms per article, {cost:.2f}s of a {build:.1f}s full build "
            f"({args.workers} workers): {cost / build:.1%}"
        )
        with Index(index_dir) as index:
            precision, recall, pairs = folding_by_search(index, articles, args.topics)
            print(
                f"folding in search results (threshold {similarity.THRESHOLD}): precision {precision:.3f}, "
                f"recall {recall:.3f} over {pairs} true pairs"
            )
            distinct, copies = margins(index, articles)
            print(f"estimated Jaccard: distinct stories ≤ {distinct:.3f}, an original and its copy ≥ {copies:.3f}")
            for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
                precision, recall = folding_all_pairs(index, articles, threshold)
                print(f"  all pairs at threshold {threshold}: precision {precision:.3f}, recall {recall:.3f}")
            related, title = precision_at_5(index, articles)
        in_report = report_precision_at_5(index_dir, articles, Path(tmp) / "report")
        print(
            f"related precision@5: more-like-this {related:.3f}, the report's pages {in_report:.3f}, "
            f"title words (BM25F) {title:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
