"""The token stream: syllables, folded forms, compounds and shingles at the right positions."""

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.analysis import LowercaseFilter

from searchkit.analysis import analyze, index_terms, is_vietnamese_analyzer, name_analyzer, vietnamese_analyzer

from .conftest import FIXTURE_CORPUS, SEEDS


def _tokens(text: str, mode: str = "index") -> list[tuple[int, str]]:
    return [(pos, token) for pos, token, _, _ in analyze(text, mode)]


def test_index_tokens_of_a_compound() -> None:
    tokens = _tokens("Bộ Công an")
    assert tokens == [
        (0, "bộ"),
        (0, "~bo"),
        (1, "công"),
        (1, "~cong"),
        (1, "cong_an"),
        (0, "bo cong"),
        (2, "an"),
        (2, "~an"),  # folded forms have their own namespace, even when equal
        (1, "cong an"),
    ]


def test_query_mode_emits_one_exact_syllable_per_position() -> None:
    assert _tokens("Bộ CÔNG an", mode="query") == [(0, "bộ"), (1, "công"), (2, "an")]


def test_joined_compound_typed_by_a_user_is_split_into_syllables() -> None:
    assert _tokens("công_an", mode="query") == [(0, "công"), (1, "an")]


def test_both_tone_styles_and_nfd_give_the_same_tokens() -> None:
    import unicodedata

    reference = _tokens("Trần Trung Hoà")
    assert _tokens("Trần Trung Hòa") == reference
    assert _tokens(unicodedata.normalize("NFD", "Trần Trung Hòa")) == reference
    assert _tokens("TRẦN TRUNG HÒA") == reference


def test_legal_references_and_numbers_stay_searchable() -> None:
    tokens = {token for _, token in _tokens("Nghị định số 03/2019/NĐ-CP, 1.584 tổ, ANTT, Covid-19")}
    assert {"03", "2019", "nđ", "~nd", "cp", "1.584", "~1584", "antt", "covid", "19"} <= tokens


def test_punctuation_takes_no_position_and_shingles_stop_at_a_sentence_end() -> None:
    tokens = _tokens("an ninh. Quốc phòng, huyện Bảo Yên, tỉnh Lào Cai")
    assert (1, "ninh") in tokens and (2, "quốc") in tokens
    assert (1, "ninh quoc") not in tokens  # "ninh. Quốc": a new sentence
    assert (6, "yen tinh") in tokens  # a comma does not end a sentence
    assert (1, "ninh quoc") in _tokens("an ninh. quốc phòng")  # no capital after it: not a sentence end
    assert (0, "dat bao") not in _tokens("đất\nbão")  # a line break ends a line
    assert (0, "tp ho") in _tokens("TP. Hồ Chí Minh")  # an abbreviation keeps its full stop


def test_character_offsets_point_into_the_original_text() -> None:
    from searchkit.normalize import fold

    text = "Thiếu tướng Trần Trung Hòa"
    for _, token, start, end in analyze(text, "highlight"):
        assert fold(text[start:end].lower()) == fold(token.lstrip("~"))


def test_words_in_capitals_are_segmented_as_in_ordinary_case() -> None:
    # pyvi joins "Thanh Thuỷ" into one word but not "THANH THUỶ": a byline in capitals lost its name.
    capitals = analyze("Tin: THANH THUỶ")
    assert [token for _, token, _, _ in capitals] == [token for _, token, _, _ in analyze("Tin: Thanh Thuỷ")]
    assert (1, "thanh_thuy", 5, 15) in capitals
    assert [(start, end) for _, token, start, end in capitals if token == "thuỷ"] == [(11, 15)]


def test_acronyms_stay_as_they_are_for_segmentation() -> None:
    from searchkit.analysis import title_case_capitals

    assert title_case_capitals("UBND TP Hà Nội") == "UBND TP Hà Nội"  # ASCII capitals: acronyms
    assert title_case_capitals("Lực lượng CSGT ĐÀ NẴNG.") == "Lực lượng CSGT Đà Nẵng."
    assert title_case_capitals("Tin: PHẠM THU HÀ") == "Tin: Phạm Thu Hà"
    assert title_case_capitals("ĐÀ\nNẴNG") == "ĐÀ\nNẴNG"  # a run stays on one line


def _through_tokens(text: str) -> list[tuple[str, int, int, int, bool]]:
    """What Whoosh's chain of Token generators emits in index mode."""
    tokens = vietnamese_analyzer()(text, mode="index", positions=True, chars=True)
    return [(t.text, t.pos, t.startchar, t.endchar, t.ranks_only) for t in tokens]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")) + sorted(FIXTURE_CORPUS.glob("*.txt"))[:10])
def test_indexing_reads_the_terms_the_token_chain_emits(path: Path) -> None:
    """``index_terms`` (plain tuples, what indexing reads) and the Token chain (highlighting, Whoosh) agree."""
    text = path.read_text(encoding="utf-8")
    assert list(index_terms(text)) == _through_tokens(text)


#: Vietnamese syllables, capitals, punctuation, line breaks, underscores and digits, in any order.
_PIECES = st.sampled_from(
    [
        "Bộ",
        "Công",
        "an",
        "CÔNG",
        "AN",
        "hoà",
        "hòa",
        "Hà",
        "Nội",
        "TP.",
        "1.584",
        "công_an",
        ". ",
        "! ",
        ", ",
        "\n",
        " ",
        "  ",
        "…",
        '"',
        "(",
        ")",
        "UBND",
        "Q.",
        "đ",
        "_",
        "x",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_indexing_terms_agree_with_the_token_chain_on_any_text(text: str) -> None:
    assert list(index_terms(text)) == _through_tokens(text)


def test_indexing_recognises_the_analyzer_an_index_s_schema_pickled() -> None:
    """An index's table of contents pickles the analyzer: one unpickled from it still indexes as tuples."""
    unpickled = pickle.loads(pickle.dumps(vietnamese_analyzer()))
    assert is_vietnamese_analyzer(unpickled)
    assert not is_vietnamese_analyzer(name_analyzer())
    assert not is_vietnamese_analyzer(vietnamese_analyzer() | LowercaseFilter())
