"""What the index is made of: its bytes by part, and its postings per field and kind of token.

    python bench/index_composition.py [--sizes 1000 20000] [--write docs/benchmarks.md]

Issue 12 asks for the index at most 3× the raw text; this is the measure a
cut starts from.  For the index of ``bench/corpus-N`` (the one
``bench/search.py`` builds), it splits the bytes on disk by part (posting
lists, term dictionary, stored fields, columns, array files) and counts each field's terms, postings (one per
term and article) and occurrences (positions), and splits the text fields'
tokens by kind: syllables as written, their folded forms (``~``; apart, those
whose list repeats the written form's), adjacent folded pairs (shingles) and
pyvi's compounds.  The baseline beside each row is
the articles' own words: a posting list can be no shorter than one posting per
distinct word per article.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import corpus, corpus_megabytes, machine, publish, searchkit_index

from searchkit import fields
from searchkit.analysis import COMPOUND_SEPARATOR, FOLDED_MARK, SHINGLE_SEPARATOR
from searchkit.backend.storage import index_parts, index_size, open_index

TEXT_FIELDS = [field.name for field in fields.FIELDS if field.kind == fields.TEXT]


def kind(token: str) -> str:
    """The kind of a text field's token, as the analyzer makes them."""
    folded = token.startswith(FOLDED_MARK)
    core = token[len(FOLDED_MARK) :] if folded else token
    if SHINGLE_SEPARATOR in core:
        return "shingle (folded pair)"
    if COMPOUND_SEPARATOR in core:
        return "compound" + (" (folded)" if folded else "")
    return "syllable, folded" if folded else "syllable as written"


def composition(index_dir: Path) -> tuple[int, Counter[tuple[str, str]], Counter[tuple[str, str]], Counter[str]]:
    """Articles, and per (field, kind): postings and occurrences; terms per field.

    A folded syllable whose list holds the same articles as the syllable
    written the same way (``~an`` and ``an``: no written form with marks folds
    to it) is counted apart, as "(repeats the written list)".
    """
    postings: Counter[tuple[str, str]] = Counter()
    occurrences: Counter[tuple[str, str]] = Counter()
    terms: Counter[str] = Counter()
    with open_index(index_dir).reader() as reader:
        found = []
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            token = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)  # dates are bytes
            found.append((fieldname, token, info.doc_frequency(), int(info.weight())))
            terms[fieldname] += 1
        written = {(name, token): frequency for name, token, frequency, _ in found}
        for fieldname, token, frequency, weight in found:
            token_kind = kind(token) if fieldname in TEXT_FIELDS else ""
            if token_kind == "syllable, folded" and written.get((fieldname, token[len(FOLDED_MARK) :])) == frequency:
                token_kind += " (repeats the written list)"
            postings[(fieldname, token_kind)] += frequency
            occurrences[(fieldname, token_kind)] += weight
        return reader.doc_count(), postings, occurrences, terms


def table(size: int) -> str:
    folder = corpus(size)
    index_dir = searchkit_index([folder], folder.name)
    started = time.monotonic()
    articles, postings, occurrences, terms = composition(index_dir)
    total = sum(postings.values())
    words = sum(count for (name, token_kind), count in postings.items() if token_kind == "syllable as written")
    megabytes, text = index_size(index_dir) / 1e6, corpus_megabytes(folder)
    lines = [
        f"### {size:,} articles ({text:.0f} MB of text)",
        "",
        f"Index on disk {megabytes:.0f} MB, {megabytes / text:.2f}× "
        f"the raw text; {total:,} postings, {total / articles:,.0f} per article, against "
        f"{words / articles:,.0f} distinct written syllables per article (fields counted apart): "
        f"{total / words:.1f}× the baseline. Counted in {time.monotonic() - started:.0f} s.",
        "",
        "| part of the index | MB | × the raw text | share |",
        "|---|---:|---:|---:|",
        *[
            f"| {part} | {size / 1e6:,.1f} | {size / 1e6 / text:.2f}× | {size / 1e6 / megabytes:.0%} |"
            for part, size in index_parts(index_dir).items()
        ],
        "",
        "| field | token kind | postings per article | share | occurrences per article | terms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    shown_terms: set[str] = set()
    for (name, token_kind), count in sorted(postings.items(), key=lambda item: -item[1]):
        if count / total < 0.002:
            continue
        listed = f"{terms[name]:,}" if name not in shown_terms else ""
        shown_terms.add(name)
        lines.append(
            f"| {name} | {token_kind or '–'} | {count / articles:,.1f} | {count / total:.1%} | "
            f"{occurrences[(name, token_kind)] / articles:,.1f} | {listed} |"
        )
    rest = sum(count for count in postings.values() if count / total < 0.002)
    lines.append(f"| the other fields | | {rest / articles:,.1f} | {rest / total:.1%} | | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--write", type=Path, help="Markdown file whose index-composition section is replaced.")
    args = parser.parse_args()
    command = "python bench/index_composition.py --sizes " + " ".join(map(str, args.sizes))
    body = "\n\n".join(table(size) for size in args.sizes)
    publish(f"Machine: {machine()}. Command: `{command}`.\n\n{body}", args.write, "index-composition")
    return 0


if __name__ == "__main__":
    sys.exit(main())
