"""Names benchmark: people, places and organisations found in the fixture articles, against a hand annotation.

``bench/names_gold.json`` lists, for each article of ``tests/fixtures/corpus``
and the two seeds, the people, places and organisations it names (annotated
by reading the articles; its ``about`` says how).  Each article is parsed as
``searchkit index`` parses it, its names extracted by
:func:`searchkit.names.extract` (title, captions and body; bylines are the
author field), and compared with the annotation as sets of folded names
(:func:`searchkit.names.name_key`, so ``Khánh Hoà`` equals ``Khánh Hòa``):
precision and recall per kind, and over all names whatever their kind.  The
baseline of the same run takes every run of capitalised words as a name
(what a "capitalised words" extractor does), so it has no kinds.

``--cost N`` also times the extraction against a full build of the N-article
generated corpus (``bench/make_corpus.py``), in CPU time of every process.

    python bench/names_bench.py [--misses] [--cost 300]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from searchkit.articles import Article  # noqa: E402
from searchkit.ingest import Limits, discover, read_articles  # noqa: E402
from searchkit.names import ORG, PERSON, PLACE, _names_of, _with_capitals, article_names, name_key  # noqa: E402
from searchkit.normalize import canonical_text  # noqa: E402

GOLD = ROOT / "bench" / "names_gold.json"
KINDS = (PERSON, PLACE, ORG)
_WORD = re.compile(r"[^\W\d_]+")


def load_articles() -> dict[str, Article]:
    """The fixture articles and seeds as ``searchkit index`` parses them, by file name."""
    found = {}
    for path in sorted((ROOT / "tests" / "fixtures" / "corpus").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt")):
        (src,) = discover([str(path)])
        (article,) = read_articles(src, Limits())
        found[path.name] = article
    return found


def capitalised_runs(article: Article) -> set[str]:
    """The baseline: every run of capitalised words (two or more letters, acronyms excepted) is a name."""
    text = canonical_text("\n\n".join([article.title, *article.captions, article.body]))
    names, run, end = set(), [], -1
    for match in _WORD.finditer(text):
        word = match.group(0)
        capital = word[:1].isupper() and not (word.isupper() and len(word) > 1)
        if capital and run and text[end : match.start()].strip(" \t") == "":
            run.append(word)
        else:
            if run:
                names.add(name_key(" ".join(run)))
            run = [word] if capital else []
        end = match.end()
    if run:
        names.add(name_key(" ".join(run)))
    return names


def score(found: dict[str, set[str]], gold: dict[str, set[str]]) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, found, expected: summed over articles."""
    hits = sum(len(found[a] & gold[a]) for a in gold)
    made = sum(len(found[a]) for a in gold)
    wanted = sum(len(gold[a]) for a in gold)
    return (hits / made if made else 0.0), (hits / wanted if wanted else 0.0), hits, made, wanted


def quality() -> tuple[list[tuple[str, str, tuple[float, float, int, int, int]]], dict[str, dict[str, list[str]]]]:
    annotated = json.loads(GOLD.read_text(encoding="utf-8"))["articles"]
    articles = load_articles()
    gold = {kind: {a: {name_key(n) for n in names[kind]} for a, names in annotated.items()} for kind in KINDS}
    extracted = {a: article_names(articles[a]) for a in annotated}
    ours = {
        PERSON: {a: {name_key(n) for n in extracted[a].people} for a in annotated},
        PLACE: {a: {name_key(n) for n in extracted[a].places} for a in annotated},
        ORG: {a: {name_key(n) for n in extracted[a].orgs} for a in annotated},
    }
    any_gold = {a: set().union(*(gold[k][a] for k in KINDS)) for a in annotated}
    any_ours = {a: set().union(*(ours[k][a] for k in KINDS)) for a in annotated}
    baseline = {a: capitalised_runs(articles[a]) for a in annotated}
    rows = [("searchkit", kind, score(ours[kind], gold[kind])) for kind in KINDS]
    rows.append(("searchkit", "any name", score(any_ours, any_gold)))
    rows.append(("capitalised words", "any name", score(baseline, any_gold)))
    misses = {
        a: {
            "missed": sorted(n for k in KINDS for n in gold[k][a] - ours[k][a]),
            "wrong": sorted(n for k in KINDS for n in ours[k][a] - gold[k][a]),
        }
        for a in annotated
    }
    return rows, misses


def cpu_now() -> float:
    """CPU seconds of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cost(size: int) -> dict[str, float]:
    """CPU time of extracting names from the N generated articles, and of a full build of them."""
    corpus = ROOT / "bench" / f"corpus-{size}"
    if not corpus.exists():
        make = [sys.executable, str(ROOT / "bench" / "make_corpus.py"), str(size), "--out", str(corpus)]
        subprocess.run(make, check=True)
    articles = [a for src in discover([str(corpus)]) for a in read_articles(src, Limits())]
    from searchkit.segment import get_pos_tagger, get_segmenter

    get_segmenter(), get_pos_tagger()
    started = time.process_time()
    for article in articles:
        _names_of.__wrapped__(article.title, tuple(article.captions), article.body)
    names_cpu = time.process_time() - started
    # The tagger alone, on the words it tags in extraction, for the share of the part-of-speech model.
    texts = [_with_capitals(canonical_text("\n\n".join([a.title, *a.captions, a.body]))) for a in articles]
    words = [["_".join(s.text for s in w) for w in get_segmenter().segment(text)] for text in texts]
    started = time.process_time()
    for sent in words:
        get_pos_tagger().tag(sent)
    pos_cpu = time.process_time() - started
    with tempfile.TemporaryDirectory() as index_dir:
        before = cpu_now()
        subprocess.run(
            [sys.executable, "-m", "searchkit", "index", "--full", str(corpus), "--index", index_dir, "--quiet"],
            check=True,
            cwd=ROOT,
        )
        build_cpu = cpu_now() - before
    return {"articles": len(articles), "names": names_cpu, "pos": pos_cpu, "build": build_cpu}


def markdown(rows: list[tuple[str, str, tuple[float, float, int, int, int]]], costs: dict[str, float] | None) -> str:
    lines = [
        "| extractor | kind | precision | recall | correct / found / annotated |",
        "|---|---|---:|---:|---:|",
    ]
    for who, kind, (p, r, hits, made, wanted) in rows:
        lines.append(f"| {who} | {kind} | {p:.2f} | {r:.2f} | {hits} / {made} / {wanted} |")
    if costs:
        n, build = costs["articles"], costs["build"]
        lines += [
            "",
            f"Cost on the {n}-article generated corpus (CPU seconds, every process):",
            "",
            "| step | CPU s | per article | share of the full build |",
            "|---|---:|---:|---:|",
        ]
        for label, key in (
            ("`searchkit index --full` (names included)", "build"),
            ("name extraction (segmentation, tags, rules)", "names"),
            ("of which pyvi's part-of-speech tagger", "pos"),
        ):
            lines.append(f"| {label} | {costs[key]:.1f} | {costs[key] / n * 1000:.1f} ms | {costs[key] / build:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cost", type=int, default=0, help="also time extraction against a full build of N articles")
    parser.add_argument("--misses", action="store_true", help="print each article's missed and wrong names")
    args = parser.parse_args()
    rows, misses = quality()
    if args.misses:
        for name, found in misses.items():
            if found["missed"] or found["wrong"]:
                print(name, json.dumps(found, ensure_ascii=False))
    print(markdown(rows, cost(args.cost) if args.cost else None))


if __name__ == "__main__":
    main()
