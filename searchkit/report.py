"""The static HTML report: search results as a site that opens from disk, with no server.

``index.html`` holds each query's ranked hits with highlighted snippets and
month and author facets; every hit has its own page with the query words
marked; ``--all`` adds the archive of the whole index, a page per month.  A
search box works offline from ``assets/find-index.js``, a compact map of
folded words to articles loaded with a plain ``<script src>`` (browsers refuse
``fetch`` on ``file://``).  The site is written to a temporary folder beside
the target and swapped in, so a reader never sees half a report.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from searchkit import __version__
from searchkit.api import Index
from searchkit.search import Segments, StoredArticle, highlight_text, leading_text, query_terms

#: Static files copied as they are from the template folders.
ASSETS = ("style.css", "find.js")
#: Articles per archive page.
ARCHIVE_PAGE_SIZE = 100
UNDATED = "undated"
_WORDS = re.compile(r"[^0-9a-z]+")


@dataclass
class Written:
    """What ``write_report`` produced."""

    out_dir: Path
    pages: int = 0


@dataclass
class Site:
    """Pages to write, relative path → HTML, and the articles of the offline search box."""

    pages: dict[str, str] = field(default_factory=dict)
    find_docs: list[list[str]] = field(default_factory=list)
    find_terms: dict[str, list[int]] = field(default_factory=dict)


def template_folders(user_dir: Path | None = None) -> list[Path]:
    """The user's templates first, then the packaged ones.

    An installed searchkit carries them in ``searchkit/templates``; a source
    checkout or an editable install has them in ``templates/`` beside the package.
    """
    package = Path(__file__).resolve().parent
    packaged = package / "templates"
    folders = [user_dir] if user_dir else []
    folders.append(packaged if packaged.is_dir() else package.parent / "templates")
    return folders


def environment(folders: list[Path]) -> Environment:
    """Jinja2 with autoescaping on everywhere: article text and queries are untrusted."""
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def page_name(article_id: str) -> str:
    """A safe, stable file name for an article's page, whatever characters its id holds."""
    return "articles/" + hashlib.blake2b(article_id.encode("utf-8"), digest_size=10).hexdigest() + ".html"


def _hit_view(article: StoredArticle, snippet: Segments) -> dict[str, Any]:
    date = article.date or ""
    return {
        "id": article.id,
        "title": article.title,
        "date": date,
        "month": date[:7] or UNDATED,
        "author": article.author,
        "snippet": snippet,
        "page": page_name(article.id),
    }


def _article_view(article: StoredArticle, terms: dict[str, frozenset[str]]) -> dict[str, Any]:
    def marked(name: str, text: str) -> Segments:
        return highlight_text(text, terms.get(name, frozenset()), whole=True) or [(text, False)]

    return {
        "id": article.id,
        "title_segments": marked("title", article.title or article.id),
        "title": article.title,
        "date": article.date or "",
        "author": article.author,
        "path": article.path,
        "url": article.url,
        "paragraphs": [marked("body", p) for p in article.body.split("\n\n") if p.strip()],
        "captions": [marked("captions", c) for c in article.captions if c.strip()],
    }


def _add_to_find_index(site: Site, article: StoredArticle) -> None:
    """Fold the article's words as the page's script folds what the user types."""
    from searchkit.normalize import canonical_text, strip_marks

    number = len(site.find_docs)
    site.find_docs.append([article.title or article.id, page_name(article.id), article.date or ""])
    text = " ".join([article.title, "\n".join(article.captions), article.body, article.author])
    for word in set(_WORDS.split(strip_marks(canonical_text(text)).lower())):
        if word:
            site.find_terms.setdefault(word, []).append(number)


def _sections(index: Index, queries: list[str], limit: int, site: Site, env: Environment) -> list[dict[str, Any]]:
    sections = []
    articles: dict[str, tuple[StoredArticle, dict[str, frozenset[str]]]] = {}
    for number, text in enumerate(queries, start=1):
        results = index.search(text, limit=limit)
        terms = {name: query_terms(text, name) for name in ("title", "captions", "body")}
        hits = []
        for hit in results.hits:
            article = index.get(hit.id)
            hits.append(_hit_view(article, hit.snippet))
            articles.setdefault(hit.id, (article, terms))
        sections.append(
            {
                "query": text,
                "anchor": f"q{number}",
                "total": results.total,
                "words_matched": results.words_matched,
                "did_you_mean": results.did_you_mean,
                "hits": hits,
                "months": sorted(Counter(h["month"] for h in hits).items(), reverse=True),
                "authors": Counter(h["author"] for h in hits if h["author"]).most_common(),
            }
        )
    for article, terms in articles.values():
        _write_article(site, env, article, terms)
    return sections


def _write_article(site: Site, env: Environment, article: StoredArticle, terms: dict[str, frozenset[str]]) -> None:
    name = page_name(article.id)
    if name in site.pages:
        return
    view = _article_view(article, terms)
    site.pages[name] = env.get_template("article.html").render(article=view, root="../")
    _add_to_find_index(site, article)


def _archive(index: Index, site: Site, env: Environment) -> None:
    """A page per month (paged), newest first, and a page per article."""
    by_month: dict[str, list[StoredArticle]] = {}
    for article in index.articles():
        by_month.setdefault((article.date or "")[:7] or UNDATED, []).append(article)
        _write_article(site, env, article, {})
    pages = []
    for key, listed in by_month.items():
        for start in range(0, len(listed), ARCHIVE_PAGE_SIZE):
            suffix = "" if start == 0 else f"-{start // ARCHIVE_PAGE_SIZE + 1}"
            pages.append((key, f"{key}{suffix}.html", listed[start : start + ARCHIVE_PAGE_SIZE]))
    months = [
        {"key": key, "label": key if key != UNDATED else "không rõ ngày", "page": f"{key}.html", "count": len(v)}
        for key, v in by_month.items()
    ]
    site.pages["archive/index.html"] = env.get_template("archive.html").render(
        label="tất cả các tháng", months=months, current=None, hits=[], root="../"
    )
    for key, name, listed in pages:
        hits = [_hit_view(a, leading_text(a.body)) for a in listed]
        site.pages[f"archive/{name}"] = env.get_template("archive.html").render(
            label=key if key != UNDATED else "không rõ ngày",
            months=months,
            current=key,
            hits=hits,
            root="../",
        )


def write_report(
    index_dir: Path,
    queries: list[str],
    out_dir: Path,
    *,
    archive: bool = False,
    limit: int = 50,
    template_dir: Path | None = None,
) -> Written:
    """Write the report site for ``queries`` (and the whole archive) into ``out_dir``.

    The index is only read.  ``out_dir`` is replaced as a whole: the new site
    is built in a sibling folder and renamed into place.
    """
    folders = template_folders(template_dir)
    env = environment(folders)
    env.globals.update(version=__version__, index_name=str(index_dir))
    site = Site()
    with Index(index_dir) as index:
        sections = _sections(index, queries, limit, site, env)
        if archive:
            _archive(index, site, env)
    site.pages["index.html"] = env.get_template("index.html").render(sections=sections, archive=archive, root="")
    _publish(site, folders, out_dir)
    return Written(out_dir, len(site.pages))


def _publish(site: Site, folders: list[Path], out_dir: Path) -> None:
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        for name, html in site.pages.items():
            target = building / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
        assets = building / "assets"
        assets.mkdir(exist_ok=True)
        for asset in ASSETS:
            source = next(folder / asset for folder in folders if (folder / asset).exists())
            shutil.copyfile(source, assets / asset)
        payload = json.dumps(
            {"docs": site.find_docs, "terms": site.find_terms}, ensure_ascii=False, separators=(",", ":")
        )
        (assets / "find-index.js").write_text(f"window.SEARCHKIT_INDEX = {payload};\n", encoding="utf-8")
        if out_dir.exists():
            os.rename(out_dir, old)
        os.rename(building, out_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
