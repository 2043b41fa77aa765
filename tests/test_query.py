"""Query parsing: what is rejected, and how Vietnamese words are looked up."""

from pathlib import Path

import pytest
from whoosh import query as wq

from searchkit.backend.query import parse, parse_query
from searchkit.backend.storage import build_schema
from searchkit.errors import QueryError

SCHEMA = build_schema()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ('"bộ công an', "quote is not closed"),
        ("(an ninh OR quốc phòng", "parentheses do not balance"),
        ("an ninh)", "parentheses do not balance"),
        ("tieude:bộ", "unknown field 'tieude'"),
        ("bão -tieude:bộ", "unknown field 'tieude'"),
        ("title:", "title: needs a value"),
        ("date:2020-13", "bad date"),
        ("date:[hôm qua to 2020]", "bad date"),
        ("*", "nothing to search for"),
        ("NOT NOT bão", "malformed query: the parser could not read it"),
    ],
)
def test_bad_queries_raise_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as caught:
        parse_query(text, SCHEMA)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_field_with_a_quoted_phrase_is_accepted() -> None:
    q = parse_query('author:"nguyen ngoc"', SCHEMA)
    assert _terms(q) == {("author", "nguyen ngoc")}


def test_phrases_are_looked_up_through_shingles() -> None:
    two = parse_query('"công an"', SCHEMA)
    assert ("body", "cong an") in _terms(two)
    three = parse_query('"bộ công an"', SCHEMA)
    assert {("body", "bo cong"), ("body", "cong an"), ("body", "bộ")} <= _terms(three)
    assert ("body", "bo") not in _terms(three)


def _terms(q: wq.Query) -> set[tuple[str, str]]:
    return set(q.iter_all_terms())


def test_marked_word_looks_up_exact_and_folded_forms() -> None:
    terms = _terms(parse_query("bảo", SCHEMA))
    assert ("body", "bảo") in terms
    assert ("body", "~bao") in terms
    assert ("title", "bảo") in terms


def test_unmarked_word_in_a_marked_query_is_also_looked_up_exactly() -> None:
    terms = _terms(parse_query("Phan Văn Giang", SCHEMA))
    assert {("body", "phan"), ("body", "~phan"), ("body", "văn")} <= terms


def test_unmarked_word_looks_up_only_the_folded_form() -> None:
    assert _terms(parse_query("bao", SCHEMA)) == {(f, "~bao") for f in ("title", "captions", "body", "author")}


def test_adjacent_words_add_shingles_and_compounds_as_optional_terms() -> None:
    q = parse_query("bộ công an", SCHEMA)
    assert isinstance(q, wq.AndMaybe)
    optional = _terms(list(q.children())[1])
    assert ("body", "cong an") in optional
    assert ("body", "cong_an") in optional
    assert ("title", "bo_cong_an") in optional


def test_adjacent_words_of_a_field_query_add_optional_terms_in_that_field_only() -> None:
    q = parse_query("title:(thụy điển) hợp tác", SCHEMA)
    optional = _terms(list(q.children())[1])
    assert ("title", "thuy dien") in optional
    assert ("title", "thuy_dien") in optional
    assert {field for field, text in optional if text.startswith("thuy")} == {"title"}
    assert ("body", "hop tac") in optional


def _nodes(q: wq.Query) -> list[wq.Query]:
    return [q, *(node for child in q.children() for node in _nodes(child))]


@pytest.mark.parametrize(
    ("text", "excluded"),
    [
        ("bão -Yagi", True),
        ('thủy -"Thụy Điển"', True),
        ("title:(hòa -giải)", True),
        ("-(bão OR lũ) Yagi", True),
        ("date:2024 -date:2024-09", True),
        ("Covid-19", False),
        ("03/2019/NĐ-CP", False),
        ("Hà Nội - Hải Phòng", False),
        ("-5 độ", False),
        ('"bão -Yagi"', False),
    ],
)
def test_minus_before_a_word_excludes_it_and_hyphens_inside_words_do_not(text: str, excluded: bool) -> None:
    q = parse_query(text, SCHEMA)
    assert any(isinstance(node, (wq.Not, wq.AndNot)) for node in _nodes(q)) is excluded


def test_a_marked_query_excludes_only_the_spelling_typed() -> None:
    q = parse_query("bảo hiểm NOT bão", SCHEMA)
    (negated,) = [node for node in _nodes(q) if isinstance(node, wq.Not)]
    assert _terms(negated) == {(f, "bão") for f in ("title", "captions", "body", "author")}
    unmarked = parse_query("bao hiem NOT bao", SCHEMA)
    (negated,) = [node for node in _nodes(unmarked) if isinstance(node, wq.Not)]
    assert _terms(negated) == {(f, "~bao") for f in ("title", "captions", "body", "author")}


def test_stop_words_are_not_required_but_phrases_keep_them() -> None:
    unquoted = parse_query("an ninh và quốc phòng", SCHEMA)
    required, _ = (_terms(child) for child in unquoted.children())
    assert ("body", "và") not in required
    assert ("body", "ninh") in required
    phrase = parse_query('"an ninh và quốc phòng"', SCHEMA)
    assert ("body", "và") in _terms(phrase)


def test_a_query_of_stop_words_only_still_searches_them() -> None:
    assert ("body", "và") in _terms(parse_query("và", SCHEMA))


def test_phrase_of_an_nfd_old_style_query_is_canonical() -> None:
    import unicodedata

    q = parse_query(unicodedata.normalize("NFD", '"Trần Trung Hòa"'), SCHEMA)
    assert ("body", "hoà") in _terms(q)


@pytest.mark.parametrize(
    "text",
    ["bo cong an", "Bộ Công an", '"an ninh quốc gia"', "hội nghị NOT binh", "công binh OR quốc phòng", "title:hội"],
)
def test_matching_part_keeps_the_matches_and_drops_only_ranking_clauses(seeds_index: Path, text: str) -> None:
    from searchkit.backend.query import matching_part
    from searchkit.backend.storage import open_index

    def parts(q: wq.Query) -> list[wq.Query]:
        return [q, *(part for child in q.children() for part in parts(child))]

    ix = open_index(seeds_index)
    full = parse_query(text, ix.schema)
    stripped = matching_part(full)
    with ix.searcher() as searcher:
        matched = set(searcher.docs_for_query(full))
        assert matched and set(searcher.docs_for_query(stripped)) == matched
    assert not any(isinstance(part, wq.AndMaybe) for part in parts(stripped))


@pytest.mark.parametrize(
    ("text", "words", "required"),
    [
        ("bão Yagi Quảng Ninh hôm qua", 6, 0),
        ('"bão số 3" hôm qua date:2024', 3, 1),
        ("title:(bão lũ) miền Trung", 4, 0),
        ("bão", None, None),
        ("bão AND Yagi", None, None),
        ("bão OR Yagi", None, None),
        ("bão NOT Yagi", None, None),
        ("bão -Yagi", None, None),
        ("bão date:2024", None, None),
    ],
)
def test_only_words_typed_side_by_side_are_relaxed_and_dates_stay_required(
    text: str, words: int | None, required: int | None
) -> None:
    relaxed = parse(text, SCHEMA).relaxed()
    if words is None:
        assert relaxed is None
    else:
        assert relaxed is not None
        assert (len(relaxed.words), len(relaxed.required)) == (words, required)


@pytest.mark.parametrize(
    ("text", "required"),
    [
        ("Thanh Thủy", {("title", "thanh"), ("body", "thuỷ")}),  # every word, unmarked ones too
        ("bảo hiểm NOT bão", {("body", "bảo"), ("body", "hiểm")}),  # not the excluded word
        ("title:(Thụy Điển)", {("title", "thuỵ"), ("title", "điển")}),  # only in the field asked
        ('"hồ sơ khống" date:2023', {("body", "hồ"), ("body", "sơ"), ("body", "khống")}),
    ],
)
def test_a_marked_query_knows_the_words_it_spelled(text: str, required: set[tuple[str, str]]) -> None:
    spelled = parse(text, SCHEMA).exact
    assert spelled is not None
    terms = _terms(spelled)
    assert required <= terms
    assert {word for _, word in terms} == {word for _, word in required}
    if text.startswith("title:"):
        assert {field for field, _ in terms} == {"title"}


@pytest.mark.parametrize("text", ["thanh thuy", "bão OR lũ", "bão~1", "date:2024"])
def test_no_spelling_to_keep_without_marks_with_or_or_fuzzy_words(text: str) -> None:
    assert parse(text, SCHEMA).exact is None
