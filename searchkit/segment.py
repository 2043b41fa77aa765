"""pyvi's Vietnamese word segmentation, without pyvi's import cost.

``from pyvi import ViTokenizer`` imports scikit-learn through sklearn-crfsuite
and loads its model eagerly: about a second, longer than a whole search.  The
model pyvi ships is a pickled ``sklearn_crfsuite.CRF`` wrapping a plain
python-crfsuite model file, so this module unpickles it with stand-in classes,
opens the crfsuite model in memory and reproduces pyvi's features and joining
rule exactly (the tests compare both token for token).
"""

from __future__ import annotations

import pickle
import re
import string
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

# pyvi's ViTokenizer.sylabelize pattern, in the same order (earlier wins).
_SYLLABLE_PATTERN = re.compile(
    "|".join(
        [
            r"[A-ZĐ]+\.",
            r"Tp\.",
            r"Mr\.",
            r"Mrs\.",
            r"Ms\.",
            r"Dr\.",
            r"ThS\.",
            r"==>",
            r"->",
            r"\.\.\.",
            r">>",
            "\n",
            r"\w+://[^\s]+",
            r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",
            r"\d+([\.,_]\d+)+",
            r"[^\w\s]",
            r"\w+",
        ]
    ),
    re.UNICODE,
)


#: Distinct syllables whose CRF attributes are kept, about 0.5 KB each (news text reuses a few
#: thousand; names, numbers and foreign words make the rest).
KNOWN_SYLLABLES = 50_000


class Syllable(NamedTuple):
    """One pyvi syllable (or punctuation mark) with its span in the text."""

    text: str
    start: int
    end: int

    @property
    def is_punctuation(self) -> bool:
        text = self.text
        return not (text[:1].isalnum() or any(ch.isalnum() for ch in text))


def syllables(text: str) -> list[Syllable]:
    """Split ``text`` (already NFC) into syllables exactly as pyvi does."""
    make = tuple.__new__  # what Syllable(...) does, without its keyword handling: a quarter faster
    return [make(Syllable, (match[0], match.start(), match.end())) for match in _SYLLABLE_PATTERN.finditer(text)]


class _Stub:
    """Stands in for the sklearn-crfsuite and numpy objects inside pyvi's pickle."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __setstate__(self, state: object) -> None:
        self.state = state


class _ModelUnpickler(pickle.Unpickler):
    """Unpickles pyvi's model without importing scikit-learn or numpy."""

    def find_class(self, module: str, name: str) -> object:
        if module.startswith(("sklearn_crfsuite", "pycrfsuite", "numpy")):
            return _Stub
        return super().find_class(module, name)


class Segmenter:
    """pyvi's CRF segmenter: ``segment(text)`` returns words as lists of syllables."""

    def __init__(self) -> None:
        import pycrfsuite  # small C extension; loaded only when segmenting

        models = resources.files("pyvi") / "models"
        self.bi_grams: set[str] = set()
        self.tri_grams: set[str] = set()
        for entry in (models / "words.txt").read_text(encoding="utf-8").split("\n"):
            width = len(entry.split(" "))
            if width == 2:
                self.bi_grams.add(entry)
            elif width == 3:
                self.tri_grams.add(entry)
        with (models / "pyvi3.pkl").open("rb") as handle:
            crf = _ModelUnpickler(handle).load()
        # crfsuite reads the model from this buffer without copying it: keep it alive.
        self._model_bytes: bytes = crf.state["modelfile"].state["__FILE_RESOURCE_DATA__"]
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open_inmemory(self._model_bytes)
        self._known: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}

    def crf_items(self, sent: list[str]) -> list[list[str]]:
        """pyvi's ``sent2features`` in the form crfsuite reads fastest.

        pyvi builds a dict per syllable (``{"word.lower()": "công",
        "word.isupper()": False, ...}``); crfsuite turns a string value into the
        attribute ``key:value`` with weight 1 and a boolean into ``key`` with
        weight 1 or 0.  A weight-0 attribute adds nothing to a CRF score, so
        listing the attributes that are on, in pyvi's order, gives the same
        labels at a fraction of the cost.  What a syllable contributes to its
        own row and to its neighbours' is built once per distinct syllable
        (:meth:`_attributes`); only the n-gram lookups depend on the context.
        """
        n = len(sent)
        known, bi_grams, tri_grams = self._known, self.bi_grams, self.tri_grams
        parts = [known.get(word) or self._attributes(word) for word in sent]
        bigram = [(sent[i] + " " + sent[i + 1]).lower() in bi_grams for i in range(n - 1)]
        trigram = [(sent[i] + " " + sent[i + 1] + " " + sent[i + 2]).lower() in tri_grams for i in range(n - 2)]
        rows: list[list[str]] = []
        for i in range(n):
            row = list(parts[i][0])
            if i > 0:
                row += parts[i - 1][1]
                if bigram[i - 1]:
                    row.append("-1:word.bi_gram()")
                if i > 1 and trigram[i - 2]:
                    row.append("-2:word.tri_gram()")
            if i < n - 1:
                row += parts[i + 1][2]
                if bigram[i]:
                    row.append("+1:word.bi_gram()")
                if i < n - 2 and trigram[i]:
                    row.append("+2:word.tri_gram()")
            rows.append(row)
        return rows

    def _attributes(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """A syllable's attributes in its own row, in the row after it (``-1:``) and before it (``+1:``), kept."""
        lower, upper, title = word.lower(), word.isupper(), word.istitle()
        own = ("bias", "word.lower():" + lower)
        own += ("word.isupper()",) * upper + ("word.istitle()",) * title + ("word.isdigit()",) * word.isdigit()
        before = ("-1:word.lower():" + lower,) + ("-1:word.istitle()",) * title + ("-1:word.isupper()",) * upper
        after = ("+1:word.lower():" + lower,) + ("+1:word.istitle()",) * title + ("+1:word.isupper()",) * upper
        if len(self._known) >= KNOWN_SYLLABLES:
            self._known.clear()
        known = self._known[word] = (own, before, after)
        return known

    def segment(self, text: str) -> list[list[Syllable]]:
        """Group the syllables of ``text`` into words, with pyvi's joining rule."""
        parts = syllables(text)
        if not parts:
            return []
        sent = [part.text for part in parts]
        labels = self.tagger.tag(self.crf_items(sent))
        words: list[list[Syllable]] = [[parts[0]]]
        for i in range(1, len(parts)):
            current, previous = sent[i], sent[i - 1]
            joins = (
                labels[i] == "I_W"
                and current not in string.punctuation
                and previous not in string.punctuation
                and not current[0].isdigit()
                and not previous[0].isdigit()
                and not (current[0].istitle() and not previous[0].istitle())
            )
            if joins:
                words[-1].append(parts[i])
            else:
                words.append([parts[i]])
        return words

    def tokenize(self, text: str) -> str:
        """The string ``pyvi.ViTokenizer.tokenize`` returns, for comparison and debugging."""
        return " ".join("_".join(s.text for s in word) for word in self.segment(text))


@lru_cache(maxsize=1)
def get_segmenter() -> Segmenter:
    """The process-wide segmenter, loaded on first use (about 0.1 s)."""
    return Segmenter()


#: Tokens pyvi's part-of-speech features call "filtered" (punctuation and typographic quotes).
_FILTERED = frozenset(string.punctuation) | {"\u2026", "\u201d", "\u201c", "\u2019", "..."}


def _load_crf(filename: str) -> bytes:
    """The python-crfsuite model inside one of pyvi's pickled ``sklearn_crfsuite.CRF`` files."""
    with (resources.files("pyvi") / "models" / filename).open("rb") as handle:
        crf = _ModelUnpickler(handle).load()
    return crf.state["modelfile"].state["__FILE_RESOURCE_DATA__"]


class PosTagger:
    """pyvi's part-of-speech CRF (``ViPosTagger``): ``tag(words)`` returns a tag per segmented word.

    The tags are VLSP's: ``Np`` proper noun, ``N`` noun, ``V`` verb, ``E``
    preposition, ``F`` punctuation...  Words are given as the segmenter joins
    them (``Phan_Văn_Giang``); the features are pyvi's ``word2features``,
    listed as crfsuite attributes the same way as :meth:`Segmenter.crf_items`.
    """

    def __init__(self) -> None:
        import pycrfsuite

        self._model_bytes = _load_crf("pyvipos3.pkl")
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open_inmemory(self._model_bytes)

    @staticmethod
    def crf_items(sent: list[str]) -> list[list[str]]:
        n = len(sent)
        lower = [word.lower() for word in sent]
        title = [word.istitle() for word in sent]
        upper = [word.isupper() for word in sent]
        digit1 = [word[:1].isdigit() for word in sent]
        upper3 = [word[:3].isupper() for word in sent]
        rows: list[list[str]] = []
        for i, word in enumerate(sent):
            row = ["bias", "word.lower():" + lower[i]]
            if title[i]:
                row.append("word.istitle()")
            if word.isdigit():
                row.append("word.isdigit()")
            if digit1[i]:
                row.append("word[:1].isdigit()")
            if upper3[i]:
                row.append("word[:3].isupper()")
            if word in _FILTERED:
                row.append("word.isfiltered")
            if i > 0:
                row.append("-1:word.lower():" + lower[i - 1])
                if title[i - 1]:
                    row.append("-1:word.istitle()")
                if digit1[i - 1]:
                    row.append("-1:word[:1].isdigit()")
                if upper3[i - 1]:
                    row.append("-1:word[:3].isupper()")
                if i > 1:
                    row.append("-2:word.lower():" + lower[i - 2])
                    if title[i - 2]:
                        row.append("-2:word.istitle()")
                    if upper[i - 2]:
                        row.append("-2:word.isupper()")
            else:
                row.append("BOS")
            if i < n - 1:
                row.append("+1:word.lower():" + lower[i + 1])
                if title[i + 1]:
                    row.append("+1:word.istitle()")
                if digit1[i + 1]:
                    row.append("+1:word[:1].isdigit()")
                if upper[i + 1]:
                    row.append("+1:word.isupper()")
                if i < n - 2:
                    row.append("+2:word.lower():" + lower[i + 2])
                    if title[i + 2]:
                        row.append("+2:word.istitle()")
                    if upper[i + 2]:
                        row.append("+2:word.isupper()")
            else:
                row.append("EOS")
            rows.append(row)
        return rows

    def tag(self, words: list[str]) -> list[str]:
        """One tag per word, as ``pyvi.ViPosTagger.postagging_tokens(words)`` gives them."""
        return self.tagger.tag(self.crf_items(words)) if words else []


@lru_cache(maxsize=1)
def get_pos_tagger() -> PosTagger:
    """The process-wide part-of-speech tagger, loaded on first use (about 0.01 s)."""
    return PosTagger()
