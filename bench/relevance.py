"""Known-item relevance benchmark: does the intended article come first, however the query is typed?

Every query of ``bench/relevance_queries.json`` names the article it is
meant to find in ``tests/fixtures/corpus`` (plus the two seeds).  Each query
is run in the variants Vietnamese users type: exact, lower case, without
diacritics, NFD, the other tone-placement style, compounds joined with
underscores, and restricted to a field.  The same queries run, in the same
process, against searchkit and the baselines of ``engines.py`` (SQLite FTS5
with bm25 and as a phrase, Whoosh's StandardAnalyzer, a grep-like substring
scan) over the same parsed articles.  ``known_items.py`` asks the same
variants of queries drawn mechanically from generated corpora.

    python bench/relevance.py [--write docs/relevance.md]
    python bench/relevance.py --distractors 20000 [--write docs/relevance.md]

``--distractors N`` adds the N generated articles of ``bench/corpus-N``
(``make_corpus.py``) to every engine's index: the same known-item queries,
with thousands of articles sharing their vocabulary around the one they seek.
A query a distractor also holds (its words side by side, as typed: folded for
``no_diacritics``, with marks otherwise) no longer names one article; those
runs are scored apart, below the targets' table, with how many distractors
hold them.
The searchkit index of the corpus alone (``known_items.py``'s) is copied and
the fixtures added to it, so the two benches build it once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, corpus, publish, searchkit_index
from engines import Case, compare, load_articles, markdown, save
from uniqueness import Corpus, field, folded, written

from searchkit.normalize import WORD, fold
from searchkit.segment import get_segmenter

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [ROOT / "tests" / "fixtures" / "corpus", ROOT / "seeds"]
QUERIES = ROOT / "bench" / "relevance_queries.json"
#: The ways of typing a text, each derived mechanically from it.
TEXT_VARIANTS = ("exact", "lower", "no_diacritics", "nfd", "other_tone", "joined")
VARIANTS = (*TEXT_VARIANTS, "field")
TONES = "\u0300\u0301\u0303\u0309\u0323"
#: The engines whose success@1 searchkit must be ahead of (grep only finds exact spellings; it is shown, not a target).
RIVALS = ("fts5", "fts5-phrase", "whoosh-std")


def other_tone_syllable(word: str) -> str:
    """The syllable with its tone on the other vowel of a final open ``oa``/``oe``/``uy``; else unchanged.

    Both placements are in print (``hòa``/``hoà``, ``thủy``/``thuỷ``); closed
    syllables (``hoàn``) and ``qu`` onsets (``quý``) have one placement only.
    """
    decomposed = unicodedata.normalize("NFD", word)
    tones = [i for i, ch in enumerate(decomposed) if ch in TONES]
    if len(tones) != 1:
        return word
    base = decomposed[: tones[0]] + decomposed[tones[0] + 1 :]
    vowel, end = tones[0] - 1, len(base)
    if end < 2 or base[-2:].lower() not in ("oa", "oe", "uy") or base[-3:-2].lower() == "q":
        return word
    if vowel == end - 2:
        return unicodedata.normalize("NFC", base + decomposed[tones[0]])
    if vowel == end - 1:
        return unicodedata.normalize("NFC", base[:-1] + decomposed[tones[0]] + base[-1])
    return word


def other_tone_style(text: str) -> str:
    """Each syllable that has two tone placements in the one it is not written in (``hòa`` ↔ ``hoà``)."""
    return WORD.sub(lambda match: other_tone_syllable(match.group(0)), unicodedata.normalize("NFC", text))


def typed(text: str, name: str) -> str | None:
    """``text`` typed in variant ``name`` (one of TEXT_VARIANTS), or None when the variant does not apply."""
    if name == "exact":
        return text
    if name == "lower":
        return text.lower()
    if name == "no_diacritics":
        return fold(text).lower()
    if name == "nfd":
        return unicodedata.normalize("NFD", text)
    if name == "other_tone":
        swapped = other_tone_style(text)
        return swapped if swapped != text else None
    if name == "joined":
        joined = get_segmenter().tokenize(text)
        return joined if "_" in joined else None
    raise ValueError(name)


def query_runs(queries: list[dict[str, str]]) -> list[tuple[dict[str, str], Case]]:
    """Each hand-written query in every variant that applies to it (``field`` for those naming one), with its run."""
    found = []
    for name in VARIANTS:
        for query in queries:
            if name == "field":
                text = f"{query['field']}:({query['query']})" if query.get("field") else None
            else:
                text = typed(query["query"], name)
            if text is not None:
                found.append((query, Case(name, text, query["target"])))
    return found


def split_taken(
    runs: list[tuple[dict[str, str], Case]], distractors: list
) -> tuple[list[Case], list[Case], dict[str, int]]:
    """The runs no distractor holds as typed, those one does, and how many distractors hold each such query.

    A run typed without marks compares folded words; every other way of typing
    (lower case, NFD, the other tone style, joined) means the words as written,
    so it compares them with marks, tones in canonical place; a field query
    compares them in its field only.
    """
    pools = {"folded": Corpus(distractors, folded), "written": Corpus(distractors, written)}
    kept, taken, held = [], [], {}
    for query, run in runs:
        source, form = query["query"], "folded" if run.variant == "no_diacritics" else "written"
        if run.variant == "field":
            form = query["field"]
            if form not in pools:
                pools[form] = Corpus(distractors, written, field(form))
        count = pools[form].articles_with(source, most=10**9)
        if count:
            taken.append(run)
            label = fold(source).lower() if form == "folded" else source
            held[f"{form}:({label})" if run.variant == "field" else label] = count
        else:
            kept.append(run)
    return kept, taken, held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="Replace the results table in this Markdown file.")
    parser.add_argument("--distractors", type=int, default=0, help="Add this many generated articles (make_corpus.py).")
    args = parser.parse_args()
    started = time.monotonic()
    queries = query_runs(json.loads(QUERIES.read_text("utf-8")))
    runs = [run for _, run in queries]
    if args.distractors:
        folder = corpus(args.distractors)
        base = searchkit_index([folder], folder.name)
        sources = [*CORPUS, folder]
        index_dir = searchkit_index(sources, f"fixtures+{folder.name}", base=base)
    else:
        sources = CORPUS
        index_dir = searchkit_index(sources, "fixtures")
    articles = load_articles(sources)
    taken: list[Case] = []
    if args.distractors:
        runs, taken, held = split_taken(queries, load_articles([folder]))
    results, misses = compare(index_dir, articles, runs, VARIANTS)
    summary = (
        f"{len(runs)} query runs per engine over {len(articles):,} articles, in {time.monotonic() - started:.0f} s."
    )
    table = markdown(results, misses, summary)
    save(
        RESULTS / f"relevance-{'distractors-' + str(args.distractors) if args.distractors else 'fixtures'}.json",
        results,
        misses,
    )
    if taken:
        apart, apart_misses = compare(index_dir, articles, taken, VARIANTS)
        listed = ", ".join(f"`{query}` ({count:,})" for query, count in held.items())
        table += (
            f"\n\nRuns whose query a distractor also holds, side by side as typed (they no longer name one "
            f"article; distractors holding each: {listed}):\n\n"
            + markdown(apart, apart_misses, f"{len(taken)} query runs per engine.")
        )
    command = "python bench/relevance.py" + (f" --distractors {args.distractors}" if args.distractors else "")
    publish(f"Command: `{command}`.\n\n{table}", args.write, "results-distractors" if args.distractors else "results")
    ours = results["searchkit"]
    failing = [
        name
        for name, (success, _, count) in ours.items()
        if count and (success < 0.9 or any(success <= results[e][name][0] for e in RIVALS))
    ]
    if failing:
        print(f"targets missed in: {', '.join(failing)}", file=sys.stderr)
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
