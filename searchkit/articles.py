"""Articles: what searchkit knows of a news story, and how scraped text becomes one.

Scraped Vietnamese news text has a shape of its own: an optional
`` date YYYY-MM`` header, a lead whose first sentence doubles as the title,
photo captions after a ``leftcenterrightdel`` debris line (or as short lines
without final punctuation), and a byline such as ``Tin, ảnh: NGUYỄN NGỌC``.
:func:`parse_scraped_text` takes that apart; the other formats reuse it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from searchkit.normalize import nfc

#: Words scrapers leave where a photo's alignment controls were.
DEBRIS_WORDS = ("leftcenterrightdel",)

_DATE_HEADER = re.compile(r"^\s*date\s+(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?![\d-])[ \t]*", re.I)
_DATELINE = re.compile(r"\bngày\s+(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}))?", re.I)
_SENTENCE_END = re.compile(r"(?<![A-ZĐ])(?<!\b[A-ZĐ][a-z])[.!?…]+[\"”)]*(?=\s|$)")
_BYLINE_LABEL = re.compile(
    r"^(?:(?:tin|bài|ảnh|video|clip|nhóm\s+pv|nhóm\s+phóng\s+viên)"
    r"(?:\s*(?:,|và|-|&|/)\s*(?:tin|bài|ảnh|video|clip))*)\s*:\s*(?P<name>\S.{0,80})$",
    re.I,
)
_BYLINE_SOURCE = re.compile(r"^theo\s+(?P<name>\S.{0,60}?)\.?$", re.I)
_TERMINAL_PUNCTUATION = tuple('.!?…:;"”)')

#: A headline is a first line no longer than this, without final punctuation.
MAX_HEADLINE_CHARS = 200
#: A caption line is at most this long and has no final punctuation.
MAX_CAPTION_CHARS = 120
#: Titles cut from a long lead sentence stop near this length.
MAX_TITLE_CHARS = 160


@dataclass(frozen=True)
class ArticleDate:
    """A publication date and how much of it the source gave (``2020-07`` or ``2020-07-31``)."""

    year: int
    month: int
    day: int | None = None

    @property
    def value(self) -> datetime:
        """The datetime the index sorts by: the first of the month when the day is unknown."""
        return datetime(self.year, self.month, self.day or 1)

    @property
    def iso(self) -> str:
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @classmethod
    def checked(cls, year: int, month: int, day: int | None = None) -> ArticleDate | None:
        """The date if it exists on the calendar, else None."""
        try:
            datetime(year, month, day or 1)
        except ValueError:
            return None
        return cls(year, month, day)


@dataclass
class Article:
    """One news article, ready for the index."""

    id: str
    path: str
    source: str
    title: str
    body: str
    captions: list[str] = field(default_factory=list)
    author: str = ""
    date: ArticleDate | None = None
    url: str = ""

    @property
    def content_hash(self) -> str:
        """Changes exactly when something searchkit indexes changes."""
        parts = [self.title, self.body, "\n".join(self.captions), self.author]
        parts += [self.date.iso if self.date else "", self.url, self.path]
        return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def text_size(article: Article) -> int:
    """Bytes of UTF-8 text searchkit indexes for ``article``: what the size limit counts."""
    parts = [article.title, article.body, article.author, *article.captions]
    return sum(len(part.encode("utf-8")) for part in parts)


def cut_text(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, at the last blank before the cut.

    Works on a bounded slice, so a 50 MB text costs no more than the limit.
    """
    if len(text) * 4 <= max_bytes:  # no character takes more than 4 bytes
        return text
    head = text[: max_bytes + 1].encode("utf-8")
    if len(head) <= max_bytes:  # the whole text was shorter than the slice
        return text
    head_text = head[:max_bytes].decode("utf-8", "ignore")
    blank = max(head_text.rfind(" "), head_text.rfind("\n"))
    return (head_text[:blank] if blank > 0 else head_text).rstrip()


def truncated(article: Article, max_bytes: int) -> Article | None:
    """``article`` cut to ``max_bytes`` of text (title first, then body, captions, author), or None if it fits."""
    if sum(len(p) for p in (article.title, article.body, article.author, *article.captions)) * 4 <= max_bytes:
        return None
    if text_size(article) <= max_bytes:
        return None
    budget = max_bytes
    kept: list[str] = []
    for part in (article.title, article.body, article.author, *article.captions):
        piece = cut_text(part, max(budget, 0))
        budget -= len(piece.encode("utf-8"))
        kept.append(piece)
    title, body, author, *captions = kept
    return replace(article, title=title, body=body, author=author, captions=[c for c in captions if c])


@dataclass
class ParsedText:
    """The parts of one scraped text, before it gets an id and a path."""

    title: str
    body: str
    captions: list[str]
    author: str
    date: ArticleDate | None


def clean_line(line: str) -> str:
    """One line without debris words, non-breaking spaces or surrounding blanks."""
    for word in DEBRIS_WORDS:
        line = re.sub(word, " ", line, flags=re.I)
    return re.sub(r"[ \t\u00a0\u200b\ufeff]+", " ", line).strip()


def _is_debris(line: str) -> bool:
    return line.strip().lower() in DEBRIS_WORDS


def _ends_sentence(line: str) -> bool:
    return line.endswith(_TERMINAL_PUNCTUATION)


def split_header(text: str) -> tuple[ArticleDate | None, str]:
    """Remove a `` date YYYY-MM[-DD]`` header; return its date and the rest of the text."""
    match = _DATE_HEADER.match(text)
    if not match:
        return None, text
    year, month = int(match.group(1)), int(match.group(2))
    day = int(match.group(3)) if match.group(3) else None
    return ArticleDate.checked(year, month, day), text[match.end() :]


def refine_date(date: ArticleDate | None, lead: str) -> ArticleDate | None:
    """Fill in the day from a dateline such as ``Ngày 31/7`` in the lead.

    A header that gives only the month is completed when the dateline names
    the same month (and year, if it names one); with no header, only a
    dateline that names day, month and year is trusted.
    """
    match = _DATELINE.search(lead[:200])
    if not match:
        return date
    day, month = int(match.group(1)), int(match.group(2))
    year = int(match.group(3)) if match.group(3) else None
    if date is None:
        return ArticleDate.checked(year, month, day) if year else None
    if date.day is None and month == date.month and year in (None, date.year):
        return ArticleDate.checked(date.year, date.month, day) or date
    return date


def first_sentence(paragraph: str) -> str:
    """The lead's first sentence, cut at a word boundary when it runs long."""
    match = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: match.start()] if match else paragraph
    sentence = sentence.strip()
    if len(sentence) <= MAX_TITLE_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, MAX_TITLE_CHARS)
    return sentence[: cut if cut > 0 else MAX_TITLE_CHARS].rstrip(" ,;:-") + "…"


def parse_byline(line: str) -> str | None:
    """The author named by a closing byline, or None when the line is not one."""
    for pattern in (_BYLINE_LABEL, _BYLINE_SOURCE):
        match = pattern.match(line)
        if match:
            return match.group("name").strip().rstrip(".")
    letters = [ch for ch in line if ch.isalpha()]
    if letters and line == line.upper() and len(line) <= 60 and len(line.split()) <= 8:
        return line.strip().rstrip(".")
    return None


def parse_scraped_text(text: str, title: str | None = None) -> ParsedText:
    """Take a scraped article apart into title, body, captions, author and date.

    ``title`` overrides the heuristic (JSON and HTML sources carry their own).
    """
    date, rest = split_header(nfc(text).replace("\r\n", "\n").replace("\r", "\n"))
    lines: list[tuple[str, bool]] = []  # (text, follows a debris line)
    after_debris = False
    for raw in rest.split("\n"):
        if _is_debris(raw):
            after_debris = True
            continue
        line = clean_line(raw)
        if line:
            lines.append((line, after_debris))
            after_debris = False

    author = ""
    if lines and not lines[-1][1]:
        byline = parse_byline(lines[-1][0])
        if byline is not None and len(lines) > 1:
            author = byline
            lines.pop()

    paragraphs = [line for line, _ in lines]
    if title is None and paragraphs:
        first = paragraphs[0]
        if len(first) <= MAX_HEADLINE_CHARS and not _ends_sentence(first) and len(paragraphs) > 1:
            title = first
            lines.pop(0)
        else:
            title = first_sentence(first)
    date = refine_date(date, " ".join(paragraphs[:2]))

    body: list[str] = []
    captions: list[str] = []
    for index, (line, after_debris) in enumerate(lines):
        short_label = len(line) <= MAX_CAPTION_CHARS and not _ends_sentence(line)
        if after_debris or (short_label and index > 0):
            captions.append(line)
        else:
            body.append(line)
    return ParsedText(
        title=title or "",
        body="\n\n".join(body),
        captions=captions,
        author=author,
        date=date,
    )


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date_value(value: object) -> ArticleDate | None:
    """A date from a JSON or HTML field: ISO 8601 (``2020-07-31T08:00``, ``2020-07``) or ``31/7/2020``."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    match = _ISO_DATE.match(value)
    if match:
        day = int(match.group(3)) if match.group(3) else None
        return ArticleDate.checked(int(match.group(1)), int(match.group(2)), day)
    match = _VN_DATE.match(value)
    if match:
        return ArticleDate.checked(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return None
