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
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from searchkit.articles import Article, ParsedText, parse_date_value, parse_scraped_text, text_size, truncated
from searchkit.normalize import nfc

TEXT_SUFFIXES = frozenset({".txt", ".text"})
JSON_SUFFIXES = frozenset({".json"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
MB = 1024 * 1024
#: Articles longer than this (UTF-8 text) are cut at a word boundary: ``--max-article-mb``.
#: 1 MB is some 150,000 words, far beyond any news story; indexing one such article peaks at
#: about 290 MB (2 MB: 540 MB, over the corpus-wide peak in docs/benchmarks.md).
DEFAULT_MAX_ARTICLE_BYTES = 1 * MB
#: Of a file holding one article (text, HTML), at most this many bytes per byte of the limit
#: are read: room for UTF-16 and for markup around the text.
READ_FACTOR = 4
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | HTML_SUFFIXES

#: JSON keys that hold an article's text, in order of preference.
BODY_KEYS = ("body", "content", "text", "article", "description")
TITLE_KEYS = ("title", "headline")
AUTHOR_KEYS = ("author", "authors", "byline")
URL_KEYS = ("url", "link")
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
        """Hash of the file's bytes and of the id it is listed under: what incremental indexing compares.

        The same file listed under another root (a folder above the one first
        indexed) gives its articles other ids, so it is read again.
        """
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.rel_id.encode("utf-8") + b"\0")
        with open(self.source, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


NOT_REGULAR = "not a regular file (a pipe, socket or device)"


def _regular_or_missing(path: str) -> bool:
    """False for a pipe, socket or device; a dangling link is reported when it is read."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def printable(path: str) -> str:
    """A path as it can be shown and stored: undecodable bytes of its name become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def shown(path: str) -> str:
    """A file name as printed: with repr-style escapes when it holds control characters.

    A newline in a file name would otherwise split a skip line, or a search
    result's meta line, in two.
    """
    return path if path.isprintable() else repr(path)


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
        if not os.path.isdir(absolute) and not _regular_or_missing(absolute):
            skip(absolute, NOT_REGULAR)
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
                if not _regular_or_missing(full):  # a pipe would block the run on its first read
                    skip(full, NOT_REGULAR)
                    continue
                rel = os.path.relpath(full, absolute)
                yield SourceFile(
                    os.path.join(given_str, rel),
                    full,
                    absolute,
                    Path(rel).as_posix(),
                )


def decode(data: bytes, complete: bool = True) -> str:
    """Text of a file: UTF-8 with or without BOM, or UTF-16 with BOM.

    ``complete=False`` is for the first part of a longer file: a character
    cut in two at its end is dropped, not an error.
    """
    if data.startswith(codecs.BOM_UTF8):
        encoding, data = "utf-8", data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(data, final=complete)
    except UnicodeDecodeError as error:
        raise SkippedFile(
            f"not {encoding.upper()} text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    if "\x00" in text:
        raise SkippedFile("binary file (contains NUL bytes)")
    return nfc(text)


Report = Callable[[str, str], None]


def _ignore(where: str, reason: str) -> None:
    """The default report: nothing."""


@dataclass
class Limits:
    """The article size limit and where to report what was cut or skipped inside a file."""

    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES
    #: ``(file:line, reason)`` for a record skipped inside a file whose other records are indexed.
    on_skip: Report = _ignore
    #: ``(file, message)`` for an article cut to the size limit.
    on_warning: Report = _ignore


def _read(src: SourceFile, max_bytes: int | None) -> tuple[bytes, bool]:
    """The file's bytes, at most ``max_bytes`` of them; and whether it had more."""
    try:
        with open(src.source, "rb") as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as error:
        raise SkippedFile(f"cannot read: {error.strerror or error}") from None
    if max_bytes is not None and len(data) > max_bytes:
        return data[:max_bytes], True
    return data, False


def read_articles(src: SourceFile, limits: Limits | None = None) -> list[Article]:
    """All articles of one file; raises :class:`SkippedFile` when there are none to take.

    Records of JSON and JSON Lines files are read one by one: a bad one goes
    to ``limits.on_skip`` and the others are kept.  A text or HTML file holds
    one article, so only its first ``READ_FACTOR`` × limit bytes are read:
    memory stays bounded whatever the file's size.
    """
    limits = limits or Limits()
    suffix = Path(src.source).suffix.lower()
    records = suffix in JSON_SUFFIXES or suffix in JSONL_SUFFIXES
    data, cut = _read(src, None if records else limits.max_article_bytes * READ_FACTOR)
    text = "" if suffix in JSONL_SUFFIXES else decode(data, complete=not cut)
    skipped: list[str] = []

    def skip(where: str, reason: str) -> None:
        skipped.append(where)
        limits.on_skip(where, reason)

    if suffix in JSON_SUFFIXES:
        articles = _json_articles(src, _json_records(text), skip)
    elif suffix in JSONL_SUFFIXES:
        articles = _json_articles(src, _jsonl_records_of(data), skip)
    elif suffix in HTML_SUFFIXES:
        articles = [_article(src, src.rel_id, _parse_html(text))]
    else:
        articles = [_article(src, src.rel_id, parse_scraped_text(text))]
    articles = [_within_limit(src, a, limits, cut) for a in articles if a.title or a.body]
    if not articles and not skipped:
        raise SkippedFile("no article text found")
    return articles


def _within_limit(src: SourceFile, article: Article, limits: Limits, file_cut: bool) -> Article:
    """The article, cut to the size limit with a warning when it is larger (or its file was)."""
    short = truncated(article, limits.max_article_bytes)
    if short is None and not file_cut:
        return article
    size = os.path.getsize(src.source) if file_cut else text_size(article)
    where = src.path if article.id == src.rel_id else f"{src.path} ({article.id})"
    limits.on_warning(
        where,
        f"article truncated to its first {_mb(limits.max_article_bytes)} of text "
        f"({'the file has' if file_cut else 'it has'} {_mb(size)}; --max-article-mb sets it)",
    )
    return short or article


def _mb(size: int) -> str:
    return f"{size / MB:.3g} MB"


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


_BLANK = re.compile(r"[ \t\n\r]*")


def _json_records(text: str) -> list[tuple[int | None, object]]:
    """The records of a JSON export (a list, a list under a known key, or one object), with their lines."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SkippedFile(f"invalid JSON at line {error.lineno}: {error.msg}") from None
    except (ValueError, RecursionError) as error:
        raise SkippedFile(f"unreadable JSON: {_json_limit(error)}") from None
    key = None
    if isinstance(data, dict):
        key = next((k for k in LIST_KEYS if isinstance(data.get(k), list)), None)
        if key is None:
            return [(None, data)]
        records = data[key]
    elif isinstance(data, list):
        records = data
    else:
        raise SkippedFile("JSON holds neither an object nor a list of objects")
    try:
        lines: list[int | None] = list(_element_lines(text, key))
    except (ValueError, IndexError):  # cannot happen on valid JSON; lines are only for messages
        lines = [None] * len(records)
    return list(zip(lines, records, strict=False))


def _element_lines(text: str, key: str | None) -> Iterator[int]:
    """The line on which each element of the records list starts (the top list, or the one under ``key``)."""
    decoder = json.JSONDecoder()
    pos = _BLANK.match(text).end()  # type: ignore[union-attr]
    if key is not None:  # walk the object's members to the last one named ``key``
        start, pos = None, pos + 1
        while text[_BLANK.match(text, pos).end()] != "}":  # type: ignore[union-attr]
            name, pos = decoder.raw_decode(text, _BLANK.match(text, pos).end())  # type: ignore[union-attr]
            pos = _BLANK.match(text, pos).end() + 1  # type: ignore[union-attr]  # past ':'
            pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]
            if name == key:
                start = pos
            _, pos = decoder.raw_decode(text, pos)
            pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos] == ",":
                pos += 1
        pos = start  # type: ignore[assignment]
    pos += 1  # past '['
    line, counted = 1, 0
    while True:
        pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]
        if text[pos] == "]":
            return
        line, counted = line + text.count("\n", counted, pos), pos
        yield line
        _, pos = decoder.raw_decode(text, pos)
        pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]
        if text[pos] == ",":
            pos += 1


class BadRecord(Exception):
    """A JSON record that cannot be read as an article; the message says why."""


def _jsonl_records(text: str) -> list[tuple[int | None, object]]:
    """The records of a JSON Lines file; a line that is not JSON stands as a :class:`BadRecord`.

    Lines end at ``\\n`` only: a JSON string may hold U+2028, which
    ``str.splitlines`` would break on.
    """
    records: list[tuple[int | None, object]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as error:
            records.append((number, BadRecord(f"invalid JSON line (column {error.colno}: {error.msg})")))
        except (ValueError, RecursionError) as error:
            records.append((number, BadRecord(f"unreadable JSON line: {_json_limit(error)}")))
    return records


def _jsonl_records_of(data: bytes) -> list[tuple[int | None, object]]:
    """The records of a JSON Lines file's bytes: a line that is not UTF-8 is one bad record, not a bad file."""
    try:
        return _jsonl_records(decode(data))
    except SkippedFile:
        if b"\x00" in data or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise  # binary, or UTF-16 whose lines are not split at a newline byte
    records: list[tuple[int | None, object]] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = decode(raw)
        except SkippedFile as error:
            records.append((number, BadRecord(str(error))))
            continue
        records.extend((number, record) for _, record in _jsonl_records(line))
    return records


def _json_limit(error: ValueError | RecursionError) -> str:
    """What a limit of Python's JSON reader met: a number of thousands of digits, or values nested too deep."""
    if isinstance(error, RecursionError):
        return "values nested too deeply"
    return "a number too long to read" if "digits" in str(error) else str(error).splitlines()[0]


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        odd = [v for v in value if isinstance(v, bool) or not isinstance(v, (str, int, float))]
        return "a list holding " + _kind(odd[0]) if odd else "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    return "null" if value is None else "a number"


def _as_text(value: object, name: str, joiner: str) -> str:
    """A field's value as text: numbers become text, lists of texts are joined; other values are refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if name in AUTHOR_KEYS and isinstance(value, dict) and isinstance(value.get("name"), str):  # {"name": …}
        return value["name"]
    if isinstance(value, list):
        items = [item for item in value if item not in (None, "")]
        if all(isinstance(item, (str, int, float, dict)) and not isinstance(item, bool) for item in items):
            return joiner.join(_as_text(item, name, joiner) for item in items)
    raise BadRecord(f"wrong type ({name} is {_kind(value)}, not text)")


def _field(record: dict[str, object], keys: tuple[str, ...], joiner: str) -> str:
    """The first of ``keys`` the record fills, as NFC text."""
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return nfc(_as_text(value, key, joiner).strip())
    return ""


def _record_article(src: SourceFile, record: object, number: int) -> Article:
    """The article of one JSON record; raises :class:`BadRecord`."""
    if isinstance(record, BadRecord):
        raise record
    if not isinstance(record, dict):
        raise BadRecord(f"not an object (the record is {_kind(record)})")
    body = _field(record, BODY_KEYS, "\n\n")  # a list of paragraphs
    title = _field(record, TITLE_KEYS, " ") or None
    if not body and not title:
        raise BadRecord("no text (the record has neither title nor body)")
    parsed = parse_scraped_text(body, title=title)
    author = _field(record, AUTHOR_KEYS, ", ")
    if author:
        parsed.author = author
    date = parse_date_value(record.get("date") or record.get("published") or record.get("published_at"))
    if date is not None:
        parsed.date = date
    given_id = record.get("id")
    if isinstance(given_id, bool) or not isinstance(given_id, (str, int, type(None))):
        raise BadRecord(f"wrong type (id is {_kind(given_id)}, not text or a whole number)")
    article_id = str(given_id) if given_id not in (None, "") else f"{src.rel_id}#{number}"
    return _article(src, article_id, parsed, url=_field(record, URL_KEYS, " "))


def _json_articles(src: SourceFile, records: list[tuple[int | None, object]], skip: Report) -> list[Article]:
    articles = []
    for number, (line, record) in enumerate(records, start=1):
        where = f"{src.path}:{line}" if line else f"{src.path}#{number}"
        try:
            articles.append(_record_article(src, record, number))
        except BadRecord as bad:
            skip(where, str(bad))
        except RecursionError:  # values nested deeper than Python recurses (the JSON reader took them)
            skip(where, "values nested too deeply")
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
    lines = [line for element in document.body for line in _text_lines(element) if line and line not in captions]
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


def _text_lines(element: object) -> list[str]:
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
