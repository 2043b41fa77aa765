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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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


@dataclass(frozen=True, slots=True)
class Syllable:
    """One pyvi syllable (or punctuation mark) with its span in the text."""

    text: str
    start: int
    end: int

    @property
    def is_punctuation(self) -> bool:
        return not any(ch.isalnum() for ch in self.text)


def syllables(text: str) -> list[Syllable]:
    """Split ``text`` (already NFC) into syllables exactly as pyvi does."""
    return [Syllable(m.group(0), m.start(), m.end()) for m in _SYLLABLE_PATTERN.finditer(text)]


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

    def _features(self, sent: list[str], i: int) -> dict[str, object]:
        """pyvi's ``word2features`` for one syllable, unchanged."""
        word = sent[i]
        features: dict[str, object] = {
            "bias": 1.0,
            "word.lower()": word.lower(),
            "word.isupper()": word.isupper(),
            "word.istitle()": word.istitle(),
            "word.isdigit()": word.isdigit(),
        }
        if i > 0:
            word1 = sent[i - 1]
            features.update(
                {
                    "-1:word.lower()": word1.lower(),
                    "-1:word.istitle()": word1.istitle(),
                    "-1:word.isupper()": word1.isupper(),
                    "-1:word.bi_gram()": " ".join([word1, word]).lower() in self.bi_grams,
                }
            )
            if i > 1:
                word2 = sent[i - 2]
                features["-2:word.tri_gram()"] = " ".join([word2, word1, word]).lower() in self.tri_grams
        if i < len(sent) - 1:
            word1 = sent[i + 1]
            features.update(
                {
                    "+1:word.lower()": word1.lower(),
                    "+1:word.istitle()": word1.istitle(),
                    "+1:word.isupper()": word1.isupper(),
                    "+1:word.bi_gram()": " ".join([word, word1]).lower() in self.bi_grams,
                }
            )
            if i < len(sent) - 2:
                word2 = sent[i + 2]
                features["+2:word.tri_gram()"] = " ".join([word, word1, word2]).lower() in self.tri_grams
        return features

    def segment(self, text: str) -> list[list[Syllable]]:
        """Group the syllables of ``text`` into words, with pyvi's joining rule."""
        parts = syllables(text)
        if not parts:
            return []
        sent = [part.text for part in parts]
        labels = self.tagger.tag([self._features(sent, i) for i in range(len(sent))])
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
