""" "Did you mean": the query again, with each word the index has never seen replaced.

Whoosh's own corrector proposes the index's syllables within an edit
distance; Damerau-Levenshtein then puts swapped letters (``quagn`` →
``quang``) first, as typing errors usually are; among equally near ones the
syllable the index most often has next to the typed neighbours wins
(``quagn ninh`` → ``quang``, not the commoner ``quan``), then the most
common one.  A query typed without marks is corrected among folded
forms (``yagj`` → ``yagi``), one typed with marks among exact syllables
(``Quảgn`` → ``Quảng``).  Before any of that, a word typed as Telex keys
with the input method off (``coong`` for ``công``) is read as Telex.
"""

from __future__ import annotations

import re

from searchkit import fields
from searchkit.analysis import COMPOUND_SEPARATOR, FOLDED_MARK, SHINGLE_SEPARATOR
from searchkit.backend.engine import Engine, edit_distance
from searchkit.backend.query import ParsedQuery
from searchkit.normalize import WORD, canonical_text, fold, from_telex

#: Fields whose words are proposed: the body holds nearly every word, the title the rest.
SUGGESTION_FIELDS = ("body", "title")
#: Candidates asked of Whoosh per field before re-ranking.
CANDIDATES = 25


def _typed_words(parsed: ParsedQuery) -> set[str]:
    """Folded syllables the query looks up in text fields (``~yagj`` → ``yagj``)."""
    return {
        text[len(FOLDED_MARK) :]
        for name, text in parsed.terms()
        if name in fields.text_fields() and text.startswith(FOLDED_MARK) and SHINGLE_SEPARATOR not in text
    }


def _in_index(searcher: Engine, folded: str) -> bool:
    return any(searcher.live_frequency(name, FOLDED_MARK + folded) for name in fields.text_fields())


def _closest(searcher: Engine, word: str, marked: bool, neighbours: list[str]) -> str | None:
    """The index's syllable nearest to ``word`` (exact forms when ``marked``), or None.

    ``neighbours`` are the folded words typed before and after it.
    """
    key = word if marked else FOLDED_MARK + fold(word)
    # Short syllables have many neighbours: one edit for them, two for longer words.  Whoosh's
    # corrector counts a swap as two edits, so it is asked one further than the swap-aware limit.
    maxdist = 1 if len(fold(word)) <= 4 else 2
    prefix = 1 if marked else 1 + len(FOLDED_MARK)
    found: set[str] = set()
    for name in SUGGESTION_FIELDS:
        found.update(searcher.suggest(name, key, limit=CANDIDATES, maxdist=2, prefix=prefix))
    candidates = [
        c
        for c in found
        if SHINGLE_SEPARATOR not in c
        and COMPOUND_SEPARATOR not in c
        and c.startswith(FOLDED_MARK) != marked
        and edit_distance(key, c) <= maxdist
    ]
    if not candidates:
        return None

    def frequency(term: str) -> int:
        return sum(searcher.live_frequency(name, term) for name in SUGGESTION_FIELDS)

    def rank(candidate: str) -> tuple[int, int, int, str]:
        folded = fold(candidate.removeprefix(FOLDED_MARK))
        pairs = [f"{neighbours[0]}{SHINGLE_SEPARATOR}{folded}", f"{folded}{SHINGLE_SEPARATOR}{neighbours[1]}"]
        in_context = sum(frequency(pair) for pair, neighbour in zip(pairs, neighbours, strict=True) if neighbour)
        return edit_distance(key, candidate), -in_context, -frequency(candidate), candidate

    return min(candidates, key=rank).removeprefix(FOLDED_MARK)


def _from_telex(searcher: Engine, typed: str) -> str | None:
    """The syllable ``typed`` makes as Telex keys, if the index has it."""
    syllable = from_telex(typed)
    if syllable and any(searcher.live_frequency(name, syllable) for name in SUGGESTION_FIELDS):
        return syllable
    return None


def _in_pattern(text: str, word: str) -> bool:
    """True when ``word`` is part of a wildcard pattern in ``text`` (``c*ng``, ``?ong``): never corrected."""
    return re.search(rf"[*?]{re.escape(word)}(?![^\W\d_])|(?<![^\W\d_]){re.escape(word)}[*?]", text) is not None


def _same_case(suggestion: str, typed: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return suggestion.upper()
    if typed[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


def did_you_mean(searcher: Engine, parsed: ParsedQuery) -> str | None:
    """The query with every word the index lacks in any spelling replaced by its nearest word, or None."""
    marked = parsed.marked
    corrected = canonical_text(parsed.text)
    unknown = {word for word in _typed_words(parsed) if word.isalpha() and not _in_index(searcher, word)}
    if not unknown:
        return None
    words = [m.group(0) for m in WORD.finditer(corrected)]
    folded = [fold(word.lower()) for word in words]
    replacements: dict[str, str] = {}
    for at, typed in enumerate(words):
        if folded[at] not in unknown or typed in replacements or _in_pattern(corrected, typed):
            continue
        neighbours = [folded[at - 1] if at else "", folded[at + 1] if at + 1 < len(words) else ""]
        suggestion = _from_telex(searcher, typed) or _closest(searcher, typed.lower(), marked, neighbours)
        if suggestion:
            replacements[typed] = _same_case(suggestion, typed)
    for typed, suggestion in replacements.items():
        corrected = re.sub(rf"(?<![^\W\d_]){re.escape(typed)}(?![^\W\d_])", suggestion, corrected)
    return corrected if replacements else None
