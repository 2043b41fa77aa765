"""searchkit's segmenter must split words exactly as pyvi does, without scikit-learn."""

import subprocess
import sys
from pathlib import Path

import pytest

from searchkit.normalize import canonical_text
from searchkit.segment import get_segmenter

from .conftest import FIXTURE_CORPUS, SEEDS


def _texts() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) + sorted(FIXTURE_CORPUS.glob("*.txt"))


@pytest.mark.parametrize("path", _texts(), ids=lambda p: p.name)
def test_segmentation_is_identical_to_pyvi(path: Path) -> None:
    from pyvi import ViTokenizer

    text = path.read_text(encoding="utf-8")
    for variant in (text, canonical_text(text)):
        assert get_segmenter().tokenize(variant) == ViTokenizer.ViTokenizer.tokenize(variant)


def test_compounds_of_the_seed_are_units() -> None:
    words = get_segmenter().tokenize("Bộ Công an và Bộ Quốc phòng tổ chức tại Hà Nội").split()
    assert "Công_an" in words
    assert "Quốc_phòng" in words
    assert "Hà_Nội" in words


def test_loading_the_segmenter_imports_neither_sklearn_nor_numpy() -> None:
    code = (
        "import sys; from searchkit.segment import get_segmenter; "
        "print(get_segmenter().tokenize('Bộ Công an')); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'numpy', 'scipy')))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.splitlines() == ["Bộ Công_an", "[]"]


def _on_attributes(features: dict[str, object]) -> list[str]:
    """pyvi's feature dict as the crfsuite attributes that are on, in order (``key:value`` for strings)."""
    on = []
    for key, value in features.items():
        if isinstance(value, str):
            on.append(f"{key}:{value}")
        elif value is True or (value == 1.0 and not isinstance(value, bool)):
            on.append(key)
    return on


@pytest.mark.parametrize("path", _texts()[:12], ids=lambda p: p.name)
def test_crf_attributes_are_pyvi_s_features_in_pyvi_s_order(path: Path) -> None:
    """Not only the same words: the same attributes in the same order, syllable by syllable."""
    from pyvi import ViTokenizer

    segmenter = get_segmenter()
    _, sent = ViTokenizer.ViTokenizer.sylabelize(path.read_text(encoding="utf-8"))
    expected = [_on_attributes(features) for features in ViTokenizer.ViTokenizer.sent2features(sent, False)]
    assert segmenter.crf_items(sent) == expected
    assert segmenter.crf_items(sent) == expected  # again, from the syllables it now knows
