"""The static HTML report: search results as a site that opens from disk, with no server.

``index.html`` holds each query's ranked stories with highlighted snippets,
copies folded under each (as ``search`` folds them), and every facet the search
counts over all its matches; every hit and copy has its own page with the query
words marked and its related articles; ``--all`` adds the archive of the whole
index (years, months, numbered pages), so every article is reachable by links.
The search box loads :mod:`searchkit.findindex`'s scripts only when a reader
searches.  The site is built in a temporary folder beside the target and
swapped in, and only over an empty folder or an earlier report (MARKER).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, TemplateError, TemplateSyntaxError

from searchkit import __version__
from searchkit.api import Index
from searchkit.errors import SearchkitError
from searchkit.findindex import FOLDER, FindIndex, Postings
from searchkit.related import related_among
from searchkit.search import Hit, SearchResults, Segments, StoredArticle, highlight_text, leading_text, query_terms
from searchkit.snippets import Marks

#: Static files copied as they are from the template folders.
ASSETS = ("style.css", "find.js")
#: Articles per archive page.
ARCHIVE_PAGE_SIZE = 100
#: Facet values per facet that narrow the list (the most frequent).
FACET_VALUES = 8
#: Hits a chosen facet value shows at most (its own top hits among the first FACET_WINDOW stories).
FACET_HITS = 10
#: Stories a query's one search reads: the hits shown, and those of the facet values chosen later.
FACET_WINDOW = 200
#: How the page names a facet; a facet without a name here shows as its field's name.
FACET_LABELS = {"month": "tháng", "year": "năm", "author": "tác giả", "name": "người", "place": "nơi", "org": "tổ chức"}
#: Facets of dates: newest first, with a value for the articles without a date.
DATED = ("month", "year")
#: Related articles on each article page.
RELATED = 5
#: A file in every report folder: the folder may be replaced by the next report.
MARKER = ".searchkit-report"
UNDATED = "undated"
UNDATED_LABEL = "không rõ ngày"
TARGET_TAKEN = "{out} holds files that searchkit did not write; choose another folder or pass --force to replace it"
TARGET_HOLDS_INDEX = "{out} holds the index {index}: write the report somewhere else"
#: Characters a browser drops from a URL before reading its scheme.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f]")


class ReportTargetTaken(SearchkitError):
    """The output folder holds something that is not a searchkit report."""


@dataclass
class Written:
    """What ``write_report`` produced."""

    out_dir: Path
    pages: int = 0


@dataclass
class Listed:
    """An article that gets a page: the query words to mark and the pages that list it."""

    article: StoredArticle
    terms: dict[str, Marks]
    back: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Site:
    """Pages to write (relative path → HTML) and the articles that get pages."""

    pages: dict[str, str] = field(default_factory=dict)
    listed: dict[str, Listed] = field(default_factory=dict)

    def list_article(self, article: StoredArticle, terms: dict[str, Marks], label: str, href: str) -> None:
        entry = self.listed.setdefault(article.id, Listed(article, terms))
        if all(back["href"] != href for back in entry.back):
            entry.back.append({"label": label, "href": href})


class TemplateProblem(SearchkitError):
    """A template of the user's ``--templates`` folder fails to compile or to render."""

    exit_code = 2

    def __init__(self, folder: Path, error: Exception, where: tuple[str, int] | None) -> None:
        if isinstance(error, TemplateSyntaxError):
            where = (error.name or "?", error.lineno)
        place = f" ({where[0]}, line {where[1]})" if where else ""
        message = error.message if isinstance(error, TemplateError) and error.message else f"{error}"
        kind = "" if isinstance(error, TemplateError) else f"{type(error).__name__}: "
        super().__init__(f"template error in {folder}{place}: {kind}{message}")


def _template_line(error: BaseException, folder: Path) -> tuple[str, int] | None:
    """The template of ``folder`` (its name and line) running when ``error`` was raised, the innermost one."""
    root, found = folder.resolve(), None
    traceback = error.__traceback__
    while traceback is not None:
        path = Path(traceback.tb_frame.f_code.co_filename).resolve()
        if path.is_relative_to(root):
            found = (path.relative_to(root).as_posix(), traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


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


def safe_link(url: str) -> str | None:
    """``url`` if a browser would open it as http(s), else None (``javascript:``, ``data:``…).

    Browsers ignore blanks and control characters around and inside a scheme,
    and read it in any case, so the check does too.
    """
    cleaned = _URL_JUNK.sub("", url).lower()
    return url.strip() if cleaned.startswith(("http://", "https://")) else None


def month_key(date: str | None) -> str:
    return (date or "")[:7] or UNDATED


def month_label(key: str) -> str:
    return UNDATED_LABEL if key == UNDATED else key


def _hit_view(
    article: StoredArticle,
    snippet: Segments,
    extra: bool = False,
    facets: dict[str, list[str]] | None = None,
    copies: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    date = article.date or ""
    return {
        "facets": facets or {},
        "copies": copies or [],
        "id": article.id,
        "title": article.title,
        "date": date,
        "month": month_key(date),
        "author": article.author,
        "snippet": snippet,
        "page": page_name(article.id),
        "extra": extra,
    }


def _article_view(entry: Listed) -> dict[str, Any]:
    article, terms = entry.article, entry.terms

    def marked(name: str, text: str) -> Segments:
        return highlight_text(text, terms.get(name, Marks()), whole=True) or [(text, False)]

    return {
        "id": article.id,
        "title_segments": marked("title", article.title or article.id),
        "title": article.title,
        "date": article.date or "",
        "author": article.author,
        "url": article.url,
        "link": safe_link(article.url),
        "back": entry.back,
        "paragraphs": [marked("body", p) for p in article.body.split("\n\n") if p.strip()],
        "captions": [marked("captions", c) for c in article.captions if c.strip()],
    }


# ---------------------------------------------------------------- query sections


def facet_label(name: str) -> str:
    return FACET_LABELS.get(name, name)


def _facet_views(results: SearchResults) -> list[dict[str, Any]]:
    """Each facet the search counted (whatever fields define them): its most frequent values and their counts."""
    views = []
    for name, counts in results.facets.items():
        frequent = sorted(counts, key=lambda v: (-counts[v], v))[:FACET_VALUES]
        if name in DATED:
            frequent.sort(reverse=True)
        values = [(value, value, counts[value]) for value in frequent]
        missing = results.total - sum(counts.values())
        if name in DATED and missing > 0:
            values.append((UNDATED, UNDATED_LABEL, missing))
        views.append(
            {"name": name, "label": facet_label(name), "options": values, "more": max(0, len(counts) - FACET_VALUES)}
        )
    return views


def _hit_facets(hit: Hit) -> dict[str, list[str]]:
    """The hit's value of each facet, dated facets ``undated`` when it has none (what a facet link narrows to)."""
    return {name: values or ([UNDATED] if name in DATED else []) for name, values in hit.facets.items()}


def _section(index: Index, site: Site, number: int, text: str, limit: int) -> dict[str, Any]:
    """One query's stories (copies folded under each), facets over all its matches, each value's top hits.

    One search reads the first FACET_WINDOW stories: the page shows ``limit`` of
    them; the others are in the page, hidden, as the hits of the frequent facet
    values the shown ones lack, so choosing a value needs no search of its own.
    """
    anchor = f"q{number}"
    results = index.search(text, limit=max(limit, FACET_WINDOW), facets=True)
    terms = query_terms(text, ("title", "captions", "body"))
    label = f"Kết quả “{text}”"

    def listed(hit: Hit, extra: bool) -> dict[str, Any]:
        article = index.get(hit.id)
        site.list_article(article, terms, label, f"../index.html#{anchor}")
        copies = []
        for copy_id in hit.similar:
            copy = index.get(copy_id)
            site.list_article(copy, terms, label, f"../index.html#{anchor}")
            copies.append(_hit_view(copy, []))
        return _hit_view(article, hit.snippet, extra, _hit_facets(hit), copies)

    shown, rest = results.hits[:limit], results.hits[limit:]
    hits = [listed(hit, False) for hit in shown]
    views = _facet_views(results)
    wanted = min(limit, FACET_HITS)
    chosen: set[int] = set()
    for view in views:
        for value, _, _ in view["options"]:
            have = sum(1 for hit in hits if value in hit["facets"][view["name"]])
            for position, hit in enumerate(rest):
                if have >= wanted:
                    break
                if value in _hit_facets(hit)[view["name"]]:
                    have += 1
                    chosen.add(position)
    hits += [listed(rest[position], True) for position in sorted(chosen)]
    stories = results.total if results.stories is None else results.stories
    return {
        "query": text,
        "anchor": anchor,
        "total": results.total,
        "stories": stories,
        "shown": len(shown),
        "limit": limit,
        "words_matched": results.words_matched,
        "did_you_mean": results.did_you_mean,
        "hits": hits,
        "facets": views,
    }


# ---------------------------------------------------------------- archive


def archive_page_name(key: str, page: int) -> str:
    """``2020-07.html``, ``2020-07-p2.html``…: a month's (or the undated) numbered pages."""
    return f"{key}.html" if page == 1 else f"{key}-p{page}.html"


def _archive(index: Index, site: Site, env: Environment, per_page: int) -> None:
    """Years → months → numbered pages of ``per_page`` articles, newest first; undated last."""
    by_month: dict[str, list[StoredArticle]] = {}
    for article in index.articles():
        by_month.setdefault(month_key(article.date), []).append(article)
    keys = list(by_month)
    years: dict[str, list[dict[str, Any]]] = {}
    for key in keys:
        if key != UNDATED:
            month = {"key": key, "page": archive_page_name(key, 1), "count": len(by_month[key])}
            years.setdefault(key[:4], []).append(month)
    year_list = [{"year": y, "page": f"{y}.html", "count": sum(m["count"] for m in ms)} for y, ms in years.items()]
    undated = len(by_month.get(UNDATED, []))
    render = env.get_template("archive.html").render
    site.pages["archive/index.html"] = render(
        kind="root", heading="Lưu trữ", years=year_list, undated=undated, root="../"
    )
    for year in year_list:
        site.pages[f"archive/{year['page']}"] = render(
            kind="year", heading=f"Lưu trữ năm {year['year']}", year=year, months=years[year["year"]], root="../"
        )
    for position, key in enumerate(keys):
        listed = by_month[key]
        pages = max(1, -(-len(listed) // per_page))
        neighbours = {
            "newer": keys[position - 1] if position > 0 else None,
            "older": keys[position + 1] if position + 1 < len(keys) else None,
        }
        for page in range(1, pages + 1):
            name = archive_page_name(key, page)
            label = f"Lưu trữ {month_label(key)}" + (f", trang {page}" if pages > 1 else "")
            chunk = listed[(page - 1) * per_page : page * per_page]
            for article in chunk:
                site.list_article(article, {}, label, f"../archive/{name}")
            site.pages[f"archive/{name}"] = render(
                kind="month",
                heading=f"Lưu trữ {month_label(key)}",
                key=key,
                year=None if key == UNDATED else key[:4],
                hits=[_hit_view(a, leading_text(a.body)) for a in chunk],
                start=(page - 1) * per_page + 1,
                page=page,
                pages=pages,
                previous=archive_page_name(key, page - 1) if page > 1 else None,
                next=archive_page_name(key, page + 1) if page < pages else None,
                newer={"label": month_label(neighbours["newer"]), "page": archive_page_name(neighbours["newer"], 1)}
                if neighbours["newer"]
                else None,
                older={"label": month_label(neighbours["older"]), "page": archive_page_name(neighbours["older"], 1)}
                if neighbours["older"]
                else None,
                root="../",
            )


# ---------------------------------------------------------------- articles and the search index


def _article_pages(site: Site, env: Environment, signatures: dict[str, bytes]) -> tuple[FindIndex, Postings]:
    """A page per listed article with its related ones, and the offline search index over them.

    Newest first (they win ties in the page search).  Related articles are
    found among the listed ones only (they have pages), all at once from the
    search index's own term vectors (:func:`searchkit.related.related_among`).
    """
    find = FindIndex()
    ordered = sorted(site.listed.values(), key=lambda e: (e.article.date or "", e.article.id), reverse=True)
    for entry in ordered:
        article = entry.article
        find.add(
            title=article.title or article.id,
            body=article.body,
            more="\n".join([*article.captions, article.author]),
            page=page_name(article.id),
            date=article.date or "",
            author=article.author,
        )
    postings = find.postings()
    counts, bm25, excluded = find.vectors(postings)
    related = related_among(counts, bm25, [signatures.get(e.article.id) for e in ordered], excluded, RELATED)
    template = env.get_template("article.html")
    for entry, others in zip(ordered, related, strict=True):
        view = _article_view(entry)
        view["related"] = [_hit_view(ordered[other].article, []) for other in others]
        site.pages[page_name(entry.article.id)] = template.render(article=view, root="../")
    return find, postings


def write_report(
    index_dir: Path,
    queries: list[str],
    out_dir: Path,
    *,
    archive: bool = False,
    limit: int = 50,
    template_dir: Path | None = None,
    per_page: int = ARCHIVE_PAGE_SIZE,
    force: bool = False,
) -> Written:
    """Write the report site for ``queries`` (and the whole archive) into ``out_dir``.

    The index is only read.  ``out_dir`` must be absent, empty or an earlier
    report, unless ``force``; it is replaced as a whole: the new site is built
    in a sibling folder and renamed into place.
    """
    check_target(out_dir, index_dir, force)
    folders = template_folders(template_dir)
    env = environment(folders)
    env.globals.update(version=__version__, month_label=month_label, facet_label=facet_label)
    site = Site()
    try:
        with Index(index_dir) as index:
            sections = [_section(index, site, number, text, limit) for number, text in enumerate(queries, start=1)]
            if archive:
                _archive(index, site, env, per_page)
            signatures = index.signatures()
        site.pages["index.html"] = env.get_template("index.html").render(sections=sections, archive=archive, root="")
        find, postings = _article_pages(site, env, signatures)
    except Exception as error:
        if template_dir is None:
            raise  # the packaged templates: searchkit's own bug
        where = _template_line(error, template_dir)
        if where is None and not isinstance(error, TemplateError):
            raise  # raised by searchkit's code, not while the user's template ran
        raise TemplateProblem(template_dir, error, where) from None
    _publish(site, (find, postings), folders, out_dir, index_dir, force)
    return Written(out_dir, len(site.pages))


def check_target(out_dir: Path, index_dir: Path, force: bool) -> None:
    """Refuse to replace a folder that is neither empty nor a searchkit report (``force`` overrides)."""
    out, index = out_dir.resolve(), index_dir.resolve()
    if index == out or out in index.parents:
        raise ReportTargetTaken(TARGET_HOLDS_INDEX.format(out=out_dir, index=index_dir))
    if force or not out.exists() or (out / MARKER).is_file():
        return
    if not out.is_dir() or any(out.iterdir()):
        raise ReportTargetTaken(TARGET_TAKEN.format(out=out_dir))


def _publish(
    site: Site, find: tuple[FindIndex, Postings], folders: list[Path], out_dir: Path, index_dir: Path, force: bool
) -> None:
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        made: set[Path] = set()
        for name, html in site.pages.items():
            target = building / name
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(html.encode("utf-8"))
        assets = building / "assets"
        assets.mkdir(exist_ok=True)
        for asset in ASSETS:
            source = next(folder / asset for folder in folders if (folder / asset).exists())
            shutil.copyfile(source, assets / asset)
        find[0].write(assets / FOLDER, find[1])
        (building / MARKER).write_text(f"written by searchkit {__version__}; replaced by the next report\n")
        check_target(out_dir, index_dir, force)  # again: the folder may have changed while we built
        if out_dir.exists():
            os.rename(out_dir, old)
        os.rename(building, out_dir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
