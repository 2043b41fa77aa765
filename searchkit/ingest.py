"""Files to articles: find the files under the given paths, decode them, parse each format.

Supported: scraped plain text (``.txt``), JSON and JSON Lines exports of news
scrapers (``.json``, ``.jsonl``, ``.ndjson``) and HTML pages (``.html``,
``.htm``).  A file that cannot be read, decoded or parsed raises
:class:`SkippedFile` with a one-line reason; the caller reports it and goes on.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from searchkit.articles import Article, ParsedText, parse_date_value, parse_scraped_text
from searchkit.normalize import nfc

TEXT_SUFFIXES = frozenset({".txt", ".text"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES

#: JSON keys that hold an article's text, in order of preference.
BODY_KEYS = ("body", "content", "text", "article", "description")
#: JSON keys under which exports wrap their list of articles.
LIST_KEYS = ("articles", "items", "data", "results", "records")


class SkippedFile(Exception):
    """A file searchkit cannot index; the message is the one-line reason."""


@dataclass(frozen=True)
class SourceFile:
    """A file to index: its path as the user gave it, its absolute path and its id prefix."""

    path: str
    source: str
    root: str
    rel_id: str

    def file_hash(self) -> str:
        """Hash of the file's bytes: what incremental indexing compares."""
        digest = hashlib.blake2b(digest_size=16)
        with open(self.source, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def printable(path: str) -> str:
    """A path as it can be shown and stored: undecodable bytes of its name become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def discover(
    paths: Iterable[str | os.PathLike[str]], on_skip: Callable[[str, str], None] | None = None
) -> Iterator[SourceFile]:
    """The files to index under ``paths``, in a stable order.

    A folder is walked recursively for supported suffixes (hidden entries
    skipped); a file named directly is read whatever its suffix.  Folders
    that cannot be listed, and files whose names are not UTF-8 (an index
    stores text), go to ``on_skip(path, reason)`` instead.
    """

    def skip(path: str, reason: str) -> None:
        if on_skip:
            on_skip(printable(path), reason)

    def unlistable(error: OSError) -> None:
        skip(error.filename or "?", f"cannot list folder: {error.strerror or error}")

    for given in paths:
        given_str = os.fspath(given)
        absolute = os.path.abspath(given_str)
        if os.path.isfile(absolute):
            if printable(absolute) != absolute:
                skip(absolute, "file name is not valid UTF-8: rename the file")
            else:
                yield SourceFile(given_str, absolute, absolute, os.path.basename(absolute))
            continue
        for folder, dirnames, filenames in os.walk(absolute, onerror=unlistable):
            dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
            for name in sorted(filenames):
                if _is_hidden(name) or Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                    continue
                full = os.path.join(folder, name)
                if printable(full) != full:
                    skip(full, "file name is not valid UTF-8: rename the file")
                    continue
                rel = os.path.relpath(full, absolute)
                yield SourceFile(
                    os.path.join(given_str, rel),
                    full,
                    absolute,
                    Path(rel).as_posix(),
                )


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 with or without BOM, or UTF-16 with BOM."""
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SkippedFile(
            f"not {encoding.upper()} text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    if "\x00" in text:
        raise SkippedFile("binary file (contains NUL bytes)")
    return nfc(text)


def read_articles(src: SourceFile) -> list[Article]:
    """All articles of one file; raises :class:`SkippedFile` when there are none to take."""
    try:
        with open(src.source, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise SkippedFile(f"cannot read: {error.strerror or error}") from None
    text = decode(data)
    suffix = Path(src.source).suffix.lower()
    if suffix in JSON_SUFFIXES:
        articles = _json_articles(src, _json_records(text))
    elif suffix in JSONL_SUFFIXES:
        articles = _json_articles(src, _jsonl_records(text))
    elif suffix in HTML_SUFFIXES:
        articles = [_article(src, src.rel_id, _parse_html(text))]
    else:
        articles = [_article(src, src.rel_id, parse_scraped_text(text))]
    articles = [a for a in articles if a.title or a.body]
    if not articles:
        raise SkippedFile("no article text found")
    return articles


def _article(src: SourceFile, article_id: str, parsed: ParsedText, url: str = "") -> Article:
    return Article(
        id=article_id,
        path=src.path,
        source=src.source,
        title=parsed.title,
        body=parsed.body,
        captions=parsed.captions,
        author=parsed.author,
        date=parsed.date,
        url=url,
    )


def _json_records(text: str) -> list[object]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SkippedFile(f"invalid JSON at line {error.lineno}: {error.msg}") from None
    if isinstance(data, dict):
        for key in LIST_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    if isinstance(data, list):
        return data
    raise SkippedFile("JSON holds neither an object nor a list of objects")


def _jsonl_records(text: str) -> list[object]:
    records: list[object] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise SkippedFile(f"invalid JSON on line {number}: {error.msg}") from None
    return records


def _text_value(record: dict[str, object], *keys: str) -> str:
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return nfc(value)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return nfc(", ".join(value))  # type: ignore[arg-type]
    return ""


def _json_articles(src: SourceFile, records: list[object]) -> list[Article]:
    articles = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            continue
        body = _text_value(record, *BODY_KEYS)
        title = _text_value(record, "title", "headline") or None
        if not body and not title:
            continue
        parsed = parse_scraped_text(body, title=title)
        author = _text_value(record, "author", "authors", "byline")
        if author:
            parsed.author = author
        date = parse_date_value(record.get("date") or record.get("published") or record.get("published_at"))
        if date is not None:
            parsed.date = date
        given_id = record.get("id")
        article_id = str(given_id) if given_id not in (None, "") else f"{src.rel_id}#{number}"
        articles.append(_article(src, article_id, parsed, url=_text_value(record, "url", "link")))
    return articles


def _parse_html(text: str) -> ParsedText:
    """The article of an HTML page, as trafilatura reads real news layouts.

    trafilatura keeps the main text (navigation, related links, comments and
    footers left out) and reads title, date and author from the page's meta
    tags, JSON-LD and byline; nothing is fetched.  The captions of the figures
    that sit beside that text become captions, and the page's summary
    (``description``) opens the body when the text does not hold it, since
    news sites often set their lead paragraph apart from the article's body.
    """
    import trafilatura  # only HTML sources pay for it

    tree = trafilatura.load_html(text)
    if tree is None:
        raise SkippedFile("not an HTML page")
    figures = [(fig.getparent(), _one_line(fig.text_content())) for fig in tree.iter("figcaption")]
    document = trafilatura.bare_extraction(
        trafilatura.load_html(text),  # extraction prunes the tree it is given
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        config=_trafilatura_config(),
    )
    if document is None or document.body is None:
        raise SkippedFile("no article text found")
    title = _one_line(document.title or "")
    captions = [caption for _, caption in figures if caption]
    lines = [line for element in document.body for line in _element_lines(element) if line and line not in captions]
    if lines and title and lines[0] == title:
        lines.pop(0)  # the headline repeated at the top of the text
    summary = _one_line(document.description or "")
    if summary and summary != title and not any(summary in line for line in lines):
        lines.insert(0, summary)
    parsed = parse_scraped_text("\n".join(lines), title=title or None)
    parsed.captions = [caption for figure, caption in figures if caption and _beside(figure, lines)] + parsed.captions
    if document.author:
        parsed.author = nfc(document.author)
    parsed.date = parse_date_value(document.date) or parsed.date
    return parsed


def _trafilatura_config() -> object:
    """trafilatura's settings, with two changes for news archives.

    A short article is trusted (below 250 characters trafilatura falls back to
    the whole page, navigation included), and a date must be the page's own
    (the extensive search guesses one from a footer's "© 1997-2023").
    """
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
    return config


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _element_lines(element: object) -> list[str]:
    """Lines of one block of trafilatura's output: a paragraph, heading or quote; each list item or table row."""
    tag = getattr(element, "tag", "")
    if tag == "graphic":
        return []
    if tag in ("list", "table"):
        return [_one_line(" ".join(child.itertext())) for child in element]  # type: ignore[attr-defined]
    return [_one_line(" ".join(element.itertext()))]  # type: ignore[attr-defined]


def _beside(figure: object, lines: list[str]) -> bool:
    """True when the figure's surrounding block holds some of the article's text (a sidebar's figure does not)."""
    block = figure.getparent() if figure is not None else None  # type: ignore[attr-defined]
    if block is None:
        return False
    around = _one_line(block.text_content())
    return any(line in around for line in lines)
