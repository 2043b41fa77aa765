"""The Vietnamese analyzer: one token stream for indexing, querying and highlighting.

Every text field goes through :func:`vietnamese_analyzer`.  Positions count
syllables, so phrase queries work on syllables whatever the segmentation.  At
each position the index holds:

* the syllable, lower-cased, NFC, tone in canonical place (``hoà``);
* its diacritic-free form, marked (``~hoa``), so queries typed without
  marks match every spelling, while a query typed with marks also matches
  the exact forms and so ranks exact spellings first;
* at the first syllable of a pyvi compound, its folded form (``cong_an``),
  so whole words outrank syllables that are merely adjacent (a term that
  only ranks: nothing looks it up by position, so the index keeps none,
  ``token.ranks_only``);
* the folded pair with the next syllable (``cong an``, a shingle), so a
  query's adjacent words rank adjacent text first without a slow phrase scan.
  A pair never spans a sentence end or a line break (:func:`ends_sentence`):
  ``sạt lở đất. Bão số 3`` does not hold ``đất bão`` side by side.

Modes: ``index`` segments with pyvi's CRF; ``highlight`` emits the same
syllables, folds and shingles without loading the CRF; ``query`` emits one
exact syllable per position, which the query builder expands.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh.analysis import Analyzer, CompositeAnalyzer, Filter, LowercaseFilter, Token, Tokenizer

from searchkit.normalize import WORD, canonical_text, fold
from searchkit.segment import Syllable, get_segmenter, syllables

#: Function words that carry no meaning for search.  They stay in the index
#: (so quoted phrases match exactly) but an unquoted query does not require them.
STOP_WORDS = frozenset(
    """
    và của các là thì mà những được với cho có này đã đang sẽ để khi cũng nhưng rằng
    vì nên như lại ra vào từ theo đến nếu hay hoặc bị do tại trên một cái chiếc việc
    về đó ấy kia vẫn còn rất đều
    """.split()
)

#: What stands between two sentences: a full stop, ``!``, ``?`` or an ellipsis, then a space.
#: (An abbreviation keeps its full stop inside its syllable, ``TP.`` or ``Q.``: no sentence ends there.)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s")


def ends_sentence(gap: str, after: str) -> bool:
    """True when ``gap``, the text before the syllable ``after``, ends a sentence or a line.

    A line break always does (paragraphs, captions, a title above its text); a
    full stop, ``!``, ``?`` or ``…`` then a space does when ``after`` opens
    with a capital, as a new sentence does.
    """
    if gap == " ":  # between most syllables: nothing ends there
        return False
    return "\n" in gap or (after[:1].isupper() and _SENTENCE_END.search(gap + " ") is not None)


#: Prefix of diacritic-free forms: their own namespace beside the exact syllables.
FOLDED_MARK = "~"
#: Shingles and compounds join syllables with these separators.
SHINGLE_SEPARATOR = " "
COMPOUND_SEPARATOR = "_"


def canonical(text: str) -> str:
    """The form every analyzer input is brought to first (NFC, canonical tones)."""
    return canonical_text(text)


_BLANKS = re.compile(r"[ \t]+")


def _capital_runs(text: str) -> list[tuple[int, int]]:
    """Spans of two or more words in capitals separated only by blanks."""
    runs: list[tuple[int, int]] = []
    start = end = -1
    count = 0
    for match in WORD.finditer(text):
        word = match.group(0)
        if len(word) >= 2 and word.isupper():
            if count and _BLANKS.fullmatch(text, end, match.start()):
                end, count = match.end(), count + 1
                continue
            if count >= 2:
                runs.append((start, end))
            start, end, count = match.start(), match.end(), 1
        else:
            if count >= 2:
                runs.append((start, end))
            count = 0
    if count >= 2:
        runs.append((start, end))
    return runs


def title_case_capitals(text: str) -> str:
    """``text`` with runs of words in capitals written in title case, same length.

    pyvi's CRF reads letter case: it joins ``Thanh Thuỷ`` into one word but
    not ``THANH THUỶ``, so a byline in capitals lost its name as a word.
    Segmenting the title-cased run gives capitals the segmentation of the
    same words in ordinary case; the tokens keep the text's own letters.
    Runs without a letter beyond ASCII are acronyms (``UBND TP``) and stay.
    """
    if not any(len(word) > 1 and not word.isascii() and word.isupper() for word in WORD.findall(text)):
        return text  # no word in capitals beyond ASCII: no run to rewrite (the common case)
    pieces, done = [], 0
    for start, end in _capital_runs(text):
        run = text[start:end]
        titled = WORD.sub(_title_syllable, run)
        if not run.isascii() and len(titled) == len(run):
            pieces.append(text[done:start] + titled)
            done = end
    return "".join(pieces) + text[done:] if pieces else text


def _title_syllable(match: re.Match[str]) -> str:
    """A syllable in title case; a word with no vowel is an acronym (``CSGT``) and stays."""
    word = match.group(0)
    return word.title() if any(ch in "aeiouy" for ch in fold(word.lower())) else word


def _split_underscores(word: list[Syllable]) -> list[Syllable]:
    """``công_an`` typed by a user is one regex match: split it into syllables."""
    parts: list[Syllable] = []
    for syl in word:
        if "_" not in syl.text or syl.text.strip("_") == "":
            parts.append(syl)
            continue
        offset = syl.start
        for piece in syl.text.split("_"):
            if piece:
                parts.append(Syllable(piece, offset, offset + len(piece)))
            offset += len(piece) + 1
    return parts


#: A syllable as the tokenizer finds it: text, position, start and end offsets, the compound it
#: opens (or None), where that compound ends, and whether a sentence or line ends before it.
SyllableRecord = tuple[str, int, int, int, "str | None", int, bool]
#: A term the index holds at a position: text, position, start and end offsets, and whether it only ranks.
TermRecord = tuple[str, int, int, int, bool]


def _syllable_records(
    text: str, mode: str, start_pos: int, start_char: int, lowercase: bool
) -> Iterator[SyllableRecord]:
    """The tokenizer's work over canonical ``text``: one record per syllable, punctuation skipped."""
    if mode == "index":
        titled = title_case_capitals(text)
        words = get_segmenter().segment(titled)
        if titled is not text:  # the segmentation of the title-cased text, with the text's own letters
            words = [[Syllable(text[syl.start : syl.end], syl.start, syl.end) for syl in word] for word in words]
    else:
        words = [[syl] for syl in syllables(text)]
    pos = start_pos
    previous_end = 0
    typed_underscores = "_" in text
    for raw_word in words:
        word = _split_underscores(raw_word) if typed_underscores else raw_word
        if not word or word[0].is_punctuation:
            continue
        pieces = word if len(word) == 1 else [syl for syl in word if not syl.is_punctuation]
        compound = COMPOUND_SEPARATOR.join(syl.text.rstrip(".") for syl in pieces) if len(pieces) > 1 else None
        compound_end = start_char + pieces[-1].end
        for syl in pieces:
            shown = syl.text.rstrip(".") or syl.text
            after_break = pos > start_pos and ends_sentence(text[previous_end : syl.start], syl.text)
            previous_end = syl.end
            yield (
                shown.lower() if lowercase else shown,
                pos,
                start_char + syl.start,
                start_char + syl.end,
                compound,
                compound_end,
                after_break,
            )
            compound = None
            pos += 1


def _term_records(syllables: Iterable[SyllableRecord]) -> Iterator[TermRecord]:
    """The variants the index holds beside each (lower-cased) syllable (see :class:`VariantsFilter`)."""
    previous: tuple[str, int, int] | None = None  # folded text, pos, startchar
    for text, pos, start, end, compound, compound_end, after_break in syllables:
        folded = fold(text)
        if after_break:  # no shingle across a sentence end
            previous = None
        yield text, pos, start, end, False
        yield FOLDED_MARK + folded, pos, start, end, False
        if compound:
            yield fold(compound.lower()), pos, start, compound_end, True
        if previous is not None:
            yield previous[0] + SHINGLE_SEPARATOR + folded, previous[1], previous[2], end, False
        previous = (folded, pos, start)


class VietnameseTokenizer(Tokenizer):
    """Yields one token per syllable; marks compound starts and clause breaks.

    Each token carries ``compound`` (the joined word at its first syllable, or
    None) and ``compound_end``.  Punctuation takes no position, as in Whoosh's
    own tokenizers, so phrases and shingles run across it.
    """

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        records = _syllable_records(canonical(value), mode, start_pos, start_char, lowercase=False)
        for text, pos, start, end, compound, compound_end, after_break in records:
            token.text = text
            token.boost = 1.0
            token.stopped = False
            token.compound = compound
            token.compound_end = compound_end
            token.after_break = after_break
            if keeporiginal:
                token.original = text
            token.pos = pos
            token.startchar = start
            token.endchar = end
            yield token


class VariantsFilter(Filter):
    """Adds the folded form (``~bo``), the folded compound and the folded shingle beside each syllable.

    Folded forms carry a mark of their own, even when they equal the syllable
    (``an`` and ``~an``): a query typed with diacritics then looks up ``phan``
    exactly and finds the name ``Phan`` above ``phấn``, while a query typed
    without any looks up ``~phan`` and finds both.

    Variants are emitted by changing the one token in place, as Whoosh's own
    filters do: consumers read each token before asking for the next.  In
    ``query`` mode syllables pass through untouched: the query builder
    decides which variants to look up.
    """

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        tokens = iter(tokens)
        first = next(tokens, None)
        if first is None:
            return
        if first.mode == "query":  # a query's syllables pass through untouched
            yield first
            yield from tokens
            return
        current = first

        def syllables_of() -> Iterator[SyllableRecord]:
            nonlocal current
            for current in itertools.chain((first,), tokens):
                yield (
                    current.text,
                    current.pos,
                    current.startchar,
                    current.endchar,
                    current.compound,
                    current.compound_end,
                    current.after_break,
                )

        for text, pos, start, end, ranks_only in _term_records(syllables_of()):
            current.text, current.pos, current.startchar, current.endchar = text, pos, start, end
            current.ranks_only = ranks_only
            yield current


def index_terms(value: str) -> Iterator[TermRecord]:
    """The terms :func:`vietnamese_analyzer` emits for ``value`` in index mode, as plain tuples.

    Whoosh's filters pass one mutable ``Token`` through a chain of
    generators, four of them a term; indexing runs the same two steps over
    tuples instead, a third of the time of an article's indexing before.
    """
    return _term_records(_syllable_records(canonical(value), "index", 0, 0, lowercase=True))


#: The analyzer's steps, in order (an index's table of contents pickles the chain).
_CHAIN = [VietnameseTokenizer, LowercaseFilter, VariantsFilter]


def is_vietnamese_analyzer(analyzer: object) -> bool:
    """True for :func:`vietnamese_analyzer`'s chain, also as unpickled from an index's schema."""
    items = getattr(analyzer, "items", None)
    return isinstance(items, list) and [type(item) for item in items] == _CHAIN


def vietnamese_analyzer() -> Analyzer:
    """The analyzer of every searchable text field (title, captions, body, author)."""
    return CompositeAnalyzer(*(step() for step in _CHAIN))


def is_stop_word(syllable: str) -> bool:
    """True for function words an unquoted query need not require."""
    return syllable in STOP_WORDS


def analyze(text: str, mode: str = "index") -> list[tuple[int, str, int, int]]:
    """The tokens the analyzer emits for ``text``: (position, text, start, end)."""
    return [
        (token.pos, token.text, token.startchar, token.endchar)
        for token in vietnamese_analyzer()(text, positions=True, chars=True, mode=mode)
    ]


class NameTokenizer(Tokenizer):
    """One token per name (the value holds one a line): its folded key, so ``ha noi`` matches ``Hà Nội``.

    With ``places``, a name is first brought to the shown name of the shipped
    list (``Sài Gòn`` and ``TP.HCM`` to ``Thành phố Hồ Chí Minh``) or, when not
    listed, stripped of an administrative noun (``thành phố Hạ Long`` to ``Hạ
    Long``): the index and a typed query meet on the same key.
    """

    def __init__(self, places: bool = False) -> None:
        self.places = places

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.places == getattr(other, "places", None)

    def __hash__(self) -> int:
        return hash((type(self), self.places))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        from searchkit.names import name_key, place_key

        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, line in enumerate(value.split("\n")):
            key = place_key(line) if self.places else name_key(line)
            if not key:
                continue
            token.text = token.original = key
            token.boost = 1.0
            token.stopped = False
            token.pos = start_pos + pos
            token.startchar, token.endchar = start_char, start_char + len(value)
            yield token


def name_analyzer(places: bool = False) -> Analyzer:
    """The analyzer of the people, place and organisation fields."""
    return NameTokenizer(places)
