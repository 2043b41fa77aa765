"""Each normalization rule, with the real input it guards."""

import unicodedata

import pytest

from searchkit.normalize import canonical_syllable, canonical_text, fold, from_telex, has_diacritics


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hòa", "hoà"),  # the seeds write "Trần Trung Hòa"
        ("Hòa", "Hoà"),
        ("khỏe", "khoẻ"),
        ("thủy", "thuỷ"),
        ("THỦY", "THUỶ"),
        ("hóa", "hoá"),
        ("tòa", "toà"),
        ("ủy", "uỷ"),
        ("lũy", "luỹ"),
    ],
)
def test_old_tone_placement_moves_to_the_new_one(old: str, new: str) -> None:
    assert canonical_syllable(old) == new
    assert canonical_syllable(new) == new


@pytest.mark.parametrize(
    "word",
    # closed syllables, qu/gi onsets, marked vowels, three-vowel rhymes: already canonical
    [
        "hoàn",
        "toán",
        "quý",
        "quốc",
        "giữ",
        "già",
        "người",
        "tuổi",
        "khuỷu",
        "ngoài",
        "mùa",
        "nghĩa",
        "thuyền",
    ],
)
def test_canonical_placement_keeps_correct_spellings(word: str) -> None:
    assert canonical_syllable(word) == word


def test_canonical_text_accepts_nfd_and_keeps_length() -> None:
    nfd = unicodedata.normalize("NFD", "Trần Trung Hòa, Bộ Công an")
    result = canonical_text(nfd)
    assert result == "Trần Trung Hoà, Bộ Công an"
    assert len(canonical_text("Trần Trung Hòa")) == len("Trần Trung Hòa")


def test_fold_removes_marks_and_maps_d_stroke() -> None:
    assert fold("đồng") == "dong"  # NFD alone leaves đ as it is
    assert fold("Đà Nẵng") == "Da Nang"
    assert fold("bộ") == "bo"
    assert fold(unicodedata.normalize("NFD", "bộ")) == "bo"


def test_fold_strips_thousands_separators_of_numbers() -> None:
    assert fold("1.584") == "1584"
    assert fold("9.586") == "9586"
    assert fold("03") == "03"


def test_has_diacritics() -> None:
    assert has_diacritics("bảo")
    assert has_diacritics("đi")
    assert not has_diacritics("bao")
    assert not has_diacritics("1.584")


@pytest.mark.parametrize(
    ("typed", "syllable"),
    [
        ("booj", "bộ"),
        ("coong", "công"),
        ("Nguyeenx", "nguyễn"),
        ("vieetj", "việt"),
        ("dduwowngf", "đường"),
        ("nguoiwf", "người"),  # a trailing w marks the vowels before it
        ("quoocs", "quốc"),  # qu is an onset: the tone goes on ô
        ("hoaf", "hoà"),  # canonical (new-style) tone placement
        ("thuyr", "thuỷ"),
        ("an", None),  # no Telex key: nothing to read
        ("covid", None),
        ("xyzzy", None),
        ("bộ", None),  # already Vietnamese
    ],
)
def test_telex_keys_are_read_as_the_syllable_they_type(typed: str, syllable: str | None) -> None:
    assert from_telex(typed) == syllable
