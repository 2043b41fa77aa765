"""Whether a run of words names one article: the known-item benches' uniqueness check.

A run of words (a query) names an article when its words stand side by side,
in that order, in one field of that article and of no other.  Words are
compared folded (no marks, lower case: what a query typed without marks can
tell apart) or as written (marks kept, tones in canonical place).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from searchkit.articles import Article
from searchkit.normalize import canonical_text, strip_marks

#: A word: letters and digits; a number written with separators (``1.581``, ``12,5``) is one word, as read.
WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")


class _Folding(dict[int, str]):
    """A ``str.translate`` table that strips each character's marks, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        self[code] = strip_marks(chr(code))
        return self[code]


_FOLDING = _Folding()


def folded(text: str) -> str:
    """The words of ``text`` as the uniqueness check compares them: `` w1 w2 … `` lower-cased, without marks."""
    return " " + " ".join(WORD.findall(text.lower().translate(_FOLDING))) + " "


def written(text: str) -> str:
    """The words of ``text`` as typed with marks: `` w1 w2 … ``, lower-cased, NFC, tones in canonical place."""
    return " " + " ".join(WORD.findall(canonical_text(text).lower())) + " "


def fields(article: Article) -> list[str]:
    return [article.title, article.body, *article.captions, article.author]


def field(name: str) -> Callable[[Article], list[str]]:
    """One field of an article, as :class:`Corpus` reads it (``captions`` one text a caption)."""
    return lambda article: list(article.captions) if name == "captions" else [getattr(article, name)]


class Corpus:
    """Every article's fields as folded words (or ``form``'s), in one string, to count the articles a run occurs in."""

    def __init__(
        self,
        articles: list[Article],
        form: Callable[[str], str] = folded,
        texts: Callable[[Article], list[str]] = fields,
    ) -> None:
        self.articles = articles
        self.form = form
        parts, self.starts, at = [], [], 0
        for article in articles:
            self.starts.append(at)
            parts.append("".join(form(f) + "\n" for f in texts(article)))
            at += len(parts[-1])
        self.text = "".join(parts)

    def articles_with(self, text: str, most: int = 2) -> int:
        """In how many articles (counting up to ``most``) the words of ``text`` stand side by side in a field."""
        needle, found = self.form(text), 0
        at = self.text.find(needle)
        while at >= 0 and found < most:
            found += 1
            article = bisect_right(self.starts, at) - 1
            if article + 1 == len(self.starts):
                break
            at = self.text.find(needle, self.starts[article + 1])
        return found
