"""Vietnamese spelling normalization: one canonical form for every way a word is typed.

The same syllable reaches searchkit in many spellings: NFC or NFD Unicode, the
tone mark on either vowel of ``oa``/``oe``/``uy`` (old ``hòa`` versus new
``hoà``), with or without diacritics.  Index and query both go through these
functions, so every spelling lands on the same term.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: The five Vietnamese tone marks as Unicode combining characters.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
#: Vowel letters (after removing the tone mark), including the quality-marked ones.
VOWELS = frozenset("aăâeêioôơuưy")
#: Vowels whose own mark (breve, circumflex, horn) makes them the main vowel.
MARKED_VOWELS = frozenset("ăâêôơư")
#: Open two-vowel rhymes whose tone the new style puts on the second vowel.
NEW_STYLE_SECOND = frozenset({"oa", "oe", "uy"})

#: A run of letters: a syllable, or an acronym.
WORD = re.compile(r"[^\W\d_]+")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


def nfc(text: str) -> str:
    """Compose ``text`` to NFC, the form every stored field and term uses."""
    return unicodedata.normalize("NFC", text)


def _tone_vowel_index(base: str) -> int | None:
    """Index in ``base`` (a toneless syllable) of the vowel that carries the tone.

    Follows the modern (``hoà``, ``thuỷ``) placement, the one pyvi's dictionary
    uses: a quality-marked vowel wins; otherwise the last vowel before a final
    consonant, the second of open ``oa``/``oe``/``uy``, the middle of three,
    and the first of any other pair.
    """
    lower = base.lower()
    start = 0
    # "qu" and "gi" are onsets: their vowel letter is part of the consonant.
    if lower[:2] in ("qu", "gi") and len(lower) > 2 and lower[2] in VOWELS:
        start = 2
    while start < len(lower) and lower[start] not in VOWELS:
        start += 1
    if start == len(lower):
        return None
    end = start
    while end < len(lower) and lower[end] in VOWELS:
        end += 1
    cluster = lower[start:end]
    marked = [i for i, ch in enumerate(cluster) if ch in MARKED_VOWELS]
    if marked:
        return start + marked[-1]
    if len(cluster) == 1:
        return start
    if end < len(lower):  # a final consonant follows: hoàn, toán
        return end - 1
    if len(cluster) == 2:
        return start + 1 if cluster in NEW_STYLE_SECOND else start
    return start + 1


@lru_cache(maxsize=1 << 16)
def canonical_syllable(word: str) -> str:
    """Move the tone mark of one syllable to its canonical vowel, keeping case and length.

    ``hòa`` and ``hoà`` both become ``hoà``; words with no tone mark, more than
    one tone mark, or no vowel are returned composed but otherwise unchanged.
    """
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if len(tones) != 1:
        return nfc(word)
    base = nfc("".join(ch for ch in decomposed if ch not in TONE_MARKS))
    index = _tone_vowel_index(base)
    if index is None:
        return nfc(word)
    return nfc(base[: index + 1] + tones[0] + base[index + 1 :])


def canonical_text(text: str) -> str:
    """NFC-compose ``text`` and put every syllable's tone in canonical place.

    For NFC input the result has the same length, so character offsets into
    the stored article stay valid for highlighting.  Syllables are cached:
    news text reuses a few thousand of them.
    """
    return WORD.sub(lambda match: canonical_syllable(match.group(0)), nfc(text))


@lru_cache(maxsize=1 << 17)
def fold(term: str) -> str:
    """The diacritic-free form users type on phones: ``đồng`` becomes ``dong``.

    Unicode decomposition does not split ``đ``, so it is mapped by hand.
    Numbers written with thousands separators (``1.584``) also fold to bare
    digits (``1584``).
    """
    if _THOUSANDS.match(term):
        return term.replace(".", "").replace(",", "")
    return strip_marks(term)


class _StrippedCharacters(dict[int, str]):
    """Each character without its marks (``đ`` as ``d``), worked out the first time it is met.

    Decomposition is character by character and only reorders the marks it
    drops, so mapping each character of a text equals stripping the whole
    decomposed text; ``str.translate`` then does a body in one C loop.
    """

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFD", chr(code))
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        self[code] = stripped = stripped.replace("đ", "d").replace("Đ", "D")
        return stripped


_STRIPPED = _StrippedCharacters()


def strip_marks(text: str) -> str:
    """Any text without diacritics, ``đ`` as ``d``: the folding a browser can repeat in one line."""
    return nfc(text.translate(_STRIPPED))


def has_diacritics(term: str) -> bool:
    """True when the user typed marks that ask for an exact match."""
    return fold(term) != term and not _THOUSANDS.match(term)


#: Telex keys typed after a syllable's vowel: the tone they stand for.
TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
#: Telex letter pairs for the marked vowels and đ, longest first.
TELEX_LETTERS = (
    ("uow", "ươ"),
    ("aa", "â"),
    ("ee", "ê"),
    ("oo", "ô"),
    ("aw", "ă"),
    ("ow", "ơ"),
    ("uw", "ư"),
    ("dd", "đ"),
)
_TELEX_W_TARGETS = (("uo", "ươ"), ("u", "ư"), ("o", "ơ"), ("a", "ă"))


def from_telex(word: str) -> str | None:
    """The syllable a Telex keyboard would have made of ``word`` (``coong`` → ``công``), or None.

    Users whose input method is off type the keys themselves: ``booj coong
    an`` for ``bộ công an``.  A tone key is one of ``s f r x j`` after the
    first vowel (no Vietnamese syllable has those letters there).  Returns None
    for words with no Telex key in them or that are not plain ASCII letters.
    """
    lower = word.lower()
    if not (lower.isascii() and lower.isalpha()):
        return None
    first_vowel = next((i for i, ch in enumerate(lower) if ch in "aeiouy"), None)
    if first_vowel is None:
        return None
    tone = ""
    for i in range(first_vowel + 1, len(lower)):
        if lower[i] in TELEX_TONES:
            tone, lower = TELEX_TONES[lower[i]], lower[:i] + lower[i + 1 :]
            break
    for keys, letter in TELEX_LETTERS:
        lower = lower.replace(keys, letter)
    if "w" in lower:  # a trailing w marks the vowels before it: nguoiw → ngươi
        head = lower.replace("w", "", 1)
        for plain, marked in _TELEX_W_TARGETS:
            if plain in head:
                lower = head.replace(plain, marked, 1)
                break
    if (lower == word.lower() and not tone) or not lower.isalpha() or any(ch in "fjwz" for ch in lower):
        return None
    vowel = next((i for i, ch in enumerate(lower) if ch in VOWELS), None)
    if vowel is None:
        return None
    return canonical_syllable(unicodedata.normalize("NFC", lower[: vowel + 1] + tone + lower[vowel + 1 :]))
