"""Shapes search results, articles and stats for the terminal, JSON, JSON Lines and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import click

from searchkit.ingest import shown
from searchkit.search import Hit, SearchResults, Segments, Stats, StoredArticle


def segments_terminal(segments: Segments) -> str:
    """Matched words in bold yellow; click strips the styling when output is piped."""
    return "".join(click.style(text, fg="yellow", bold=True) if matched else text for text, matched in segments)


def segments_plain(segments: Segments) -> tuple[str, list[list[int]]]:
    """Plain snippet text and the [start, end) offsets of its matched words."""
    text, marks, offset = [], [], 0
    for piece, matched in segments:
        if matched:
            marks.append([offset, offset + len(piece)])
        text.append(piece)
        offset += len(piece)
    return "".join(text), marks


#: How ``show`` titles each kind of name an article holds (searchkit.names).
NAME_LABELS = {"name": "People", "place": "Places", "org": "Organisations"}
#: Columns of ``search --format csv``, in order.
CSV_COLUMNS = ("rank", "score", "id", "path", "title", "date", "author", "snippet", "similar")
#: Joins the ids of a hit's folded copies in its CSV cell.
CSV_ID_SEPARATOR = ";"
#: Values of each facet shown in the text output (JSON has them all).
TEXT_FACET_VALUES = 8


def hit_json(hit: Hit, scored: bool = True) -> dict[str, Any]:
    """One hit; ``score`` is null when the hits are not ranked by it (``--sort date``)."""
    snippet, highlights = segments_plain(hit.snippet)
    return {
        "rank": hit.rank,
        "score": hit.score if scored else None,
        "id": hit.id,
        "path": hit.path,
        "title": hit.title,
        "date": hit.date,
        "author": hit.author or None,
        "snippet": snippet,
        "highlights": highlights,
        "similar": hit.similar,
    }


def next_page(results: SearchResults) -> int | None:
    """The page after this one, or None when this is the last page with hits (of stories, when folded)."""
    shown_total = results.total if results.stories is None else results.stories
    return results.page + 1 if results.page * results.limit < shown_total else None


#: Facets listed most frequent first (dates are listed newest first).
MOST_FREQUENT_FIRST = ("author", "name", "place", "org")


def facet_counts(results: SearchResults, names: Iterable[str]) -> dict[str, dict[str, int]]:
    """Counts over the whole result set for each of ``names``: dates newest first, the others most frequent first.

    The years are summed from the months, so the search computes one date facet.
    """
    counts: dict[str, dict[str, int]] = {}
    for name in names:
        if name == "year":
            years: Counter[str] = Counter()
            for month, count in results.facets.get("month", {}).items():
                years[month[:4]] += count
            values = dict(years)
        else:
            values = results.facets.get(name, {})
        if name in MOST_FREQUENT_FIRST:
            counts[name] = dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))
        else:
            counts[name] = dict(sorted(values.items(), reverse=True))
    return counts


def results_json(results: SearchResults, scored: bool = True, facets: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "query": results.query,
        "total": results.total,
        "stories": results.stories,
        "page": results.page,
        "limit": results.limit,
        "next_page": next_page(results),
        "words_matched": _words_matched_json(results),
        "did_you_mean": results.did_you_mean,
        "facets": facet_counts(results, facets),
        "hits": [hit_json(hit, scored) for hit in results.hits],
    }


def results_jsonl(results: SearchResults, scored: bool = True) -> str:
    """One hit object per line, as in ``--format json``'s ``hits``: what ``jq`` and a pipe read."""
    return "".join(json.dumps(hit_json(hit, scored), ensure_ascii=False) + "\n" for hit in results.hits)


def results_csv(results: SearchResults, scored: bool = True) -> str:
    """A header row, then one row per hit of the page (snippets on one line): what a spreadsheet opens."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for hit in results.hits:
        row = hit_json(hit, scored)
        row["snippet"] = re.sub(r"\s*\n\s*", " ", row["snippet"])  # one line per row, as in the text output
        row["similar"] = CSV_ID_SEPARATOR.join(row["similar"])
        writer.writerow(row)
    return out.getvalue()


def show_key(hit: Hit) -> str:
    """What ``searchkit show`` takes for this hit: its file's path, or its id when a file holds several articles."""
    path = hit.path.replace("\\", "/")
    return hit.path if path == hit.id or path.endswith("/" + hit.id) else hit.id


def _words_matched_json(results: SearchResults) -> dict[str, int] | None:
    """Null when the hits have every word; else how many of the query's words they have."""
    if results.words_matched is None:
        return None
    found, words = results.words_matched
    return {"found": found, "of": words}


def results_text(results: SearchResults, scored: bool = True, facets: Iterable[str] = ()) -> str:
    """The hits for a terminal; ``scored`` False (``--sort date``) leaves the scores out."""
    suggestion = f"\nDid you mean: {results.did_you_mean}" if results.did_you_mean else ""
    if results.total == 0:
        return f"No articles match {results.query!r}.{suggestion}"
    first = (results.page - 1) * results.limit + 1
    if not results.hits:
        return f"{results.total} articles match {results.query!r}; page {results.page} is past the last one."
    last = first + len(results.hits) - 1
    noun = "article matches" if results.total == 1 else "articles match"
    header = f"{results.total} {noun} {results.query!r} (showing {first}–{last})"
    if results.stories is not None and results.stories != results.total:
        header = f"{results.total} articles, {results.stories} stories match {results.query!r} (showing {first}–{last})"
    if results.words_matched is not None:
        found, words = results.words_matched
        noun = "article has" if results.total == 1 else "articles have"
        header = (
            f"No article has all {words} words of {results.query!r}; "
            f"{results.total} {noun} {found} of them (showing {first}–{last})"
        )
    lines = [header + suggestion, ""]
    for hit in results.hits:
        copies = f" (+{len(hit.similar)} similar)" if hit.similar else ""
        lines.append(f"{hit.rank}. " + click.style(hit.title or hit.id, bold=True) + copies)
        meta = [hit.date or "undated"]
        if hit.author:
            meta.append(hit.author)
        meta.append(shown(show_key(hit)))
        lines.append("   " + " · ".join(meta) + (f"  [score {hit.score:.2f}]" if scored else ""))
        if hit.snippet:
            lines.append("   " + re.sub(r"\s*\n\s*", " ", segments_terminal(hit.snippet)))
        lines.append("")
    lines.extend(_facets_text(results, facets))
    return "\n".join(lines).rstrip()


def related_json(article: StoredArticle, hits: list[Hit]) -> dict[str, Any]:
    """The article asked about (id, path, title) and its related articles, as search hits."""
    return {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "related": [hit_json(hit) for hit in hits],
    }


def related_text(article: StoredArticle, hits: list[Hit]) -> str:
    """The related articles for a terminal, each with what ``show`` takes."""
    lines = ["Related to " + click.style(article.title or article.id, bold=True) + ":", ""]
    if not hits:
        return "No articles related to " + (article.title or article.id) + "."
    for hit in hits:
        copies = f" (+{len(hit.similar)} similar)" if hit.similar else ""
        lines.append(f"{hit.rank}. " + click.style(hit.title or hit.id, bold=True) + copies)
        meta = [hit.date or "undated", *([hit.author] if hit.author else []), shown(show_key(hit))]
        lines.append("   " + " · ".join(meta) + f"  [score {hit.score:.2f}]")
        lines.append("")
    return "\n".join(lines).rstrip()


def _facets_text(results: SearchResults, names: Iterable[str]) -> list[str]:
    """A short block after the hits: the top values of each facet, over every match."""
    counts = facet_counts(results, names)
    if not counts:
        return []
    lines = [click.style(f"Facets over all {results.total} matches:", bold=True)]
    for name, values in counts.items():
        shown = [f"{value} ({count})" for value, count in list(values.items())[:TEXT_FACET_VALUES]]
        more = len(values) - len(shown)
        tail = f" · … {more} more" if more > 0 else ""
        lines.append(f"  {name + ':':<8}" + (" · ".join(shown) + tail if shown else "none"))
    return lines


def article_json(article: StoredArticle) -> dict[str, Any]:
    return {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "date": article.date,
        "author": article.author or None,
        "url": article.url or None,
        "captions": article.captions,
        "body": article.body,
        "names": article.names,
    }


def article_text(article: StoredArticle) -> str:
    lines = [click.style(article.title or article.id, bold=True)]
    meta = [article.date or "undated"]
    if article.author:
        meta.append(article.author)
    meta.append(shown(article.path))
    lines.append(" · ".join(meta))
    if article.url:
        lines.append(article.url)
    lines.append("")
    lines.append(article.body)
    if article.captions:
        lines.append("")
        lines.append(click.style("Captions:", bold=True))
        lines.extend(f"  - {caption}" for caption in article.captions)
    named = [(NAME_LABELS.get(name, name), values) for name, values in article.names.items() if values]
    if named:
        lines.append("")
        lines.extend(click.style(f"{label}: ", bold=True) + "; ".join(values) for label, values in named)
    return "\n".join(lines)


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def stats_json(result: Stats) -> dict[str, Any]:
    return {
        "articles": result.articles,
        "first_date": result.first_date,
        "last_date": result.last_date,
        "size_bytes": result.size_bytes,
        "top_authors": [{"author": name, "articles": count} for name, count in result.top_authors],
    }


def stats_text(result: Stats) -> str:
    dates = f"{result.first_date} to {result.last_date}" if result.first_date else "no dated articles"
    lines = [
        f"articles:    {result.articles}",
        f"dates:       {dates}",
        f"size:        {_human_size(result.size_bytes)}",
        "top authors:" + ("" if result.top_authors else " none"),
    ]
    lines.extend(f"  {count:>6}  {name}" for name, count in result.top_authors)
    return "\n".join(lines)
