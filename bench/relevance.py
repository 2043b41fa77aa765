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


def query_cases(queries: list[dict[str, str]]) -> list[Case]:
    """Each hand-written query in every variant that applies to it, ``field`` for those naming one."""
    found = []
    for name in VARIANTS:
        for query in queries:
            if name == "field":
                text = f"{query['field']}:({query['query']})" if query.get("field") else None
            else:
                text = typed(query["query"], name)
            if text is not None:
                found.append(Case(name, text, query["target"]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="Replace the results table in this Markdown file.")
    parser.add_argument("--distractors", type=int, default=0, help="Add this many generated articles (make_corpus.py).")
    args = parser.parse_args()
    started = time.monotonic()
    runs = query_cases(json.loads(QUERIES.read_text("utf-8")))
    if args.distractors:
        folder = corpus(args.distractors)
        base = searchkit_index([folder], folder.name)
        sources = [*CORPUS, folder]
        index_dir = searchkit_index(sources, f"fixtures+{folder.name}", base=base)
    else:
        sources = CORPUS
        index_dir = searchkit_index(sources, "fixtures")
    articles = load_articles(sources)
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
