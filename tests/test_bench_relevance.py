"""The relevance bench's own rules: which runs are known items, and how a query is retyped."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from engines import Case
from known_items import Corpus, Item, draw, joined
from relevance import other_tone_style, split_taken, typed

from searchkit.articles import Article


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("hòa bình", "hoà bình"),
        ("Hoà Bình", "Hòa Bình"),
        ("thủy điện", "thuỷ điện"),
        ("THUỶ", "THỦY"),
        ("khỏe", "khoẻ"),
        ("Thụy Điển", "Thuỵ Điển"),
        ("ủy ban", "uỷ ban"),
    ],
)
def test_other_tone_moves_the_mark_between_the_vowels_of_open_oa_oe_uy(text: str, other: str) -> None:
    assert other_tone_style(text) == other
    assert other_tone_style(other) == text


@pytest.mark.parametrize("text", ["quý", "hoàn thành", "thuyền", "khuya", "hoa", "Hùynh"])
def test_other_tone_leaves_syllables_with_one_placement(text: str) -> None:
    assert other_tone_style(text) == text
    assert typed(text, "other_tone") is None


def _article(name: str, body: str) -> Article:
    return Article(id=name, path=name, source=name, title="", body=body)


ARTICLES = [
    _article("a", "Ông Vũ Thu Việt phát biểu. Bộ Công an họp."),
    _article("b", "Vu thu, Việt nam: bộ công an."),
    _article("c", "Hòa bình và phát triển. Tuyển 1.581 lao động."),
]


def test_a_run_is_unique_only_if_no_other_article_holds_its_folded_words_side_by_side() -> None:
    pool = Corpus(ARTICLES)
    assert pool.articles_with("Vũ Thu Việt") == 2  # b has the words with punctuation between them
    assert pool.articles_with("Bộ Công an") == 2  # b has them without marks
    assert pool.articles_with("hoà bình") == 1  # the other tone style folds to the same words
    assert pool.articles_with("phát biểu") == 1
    assert pool.articles_with("an họp") == 1
    assert pool.articles_with("Việt phát") == 1
    assert pool.articles_with("1.581 lao") == 1
    assert pool.articles_with("581 lao") == 0  # a number written with a separator is one word


def test_a_distractor_holding_a_query_as_typed_takes_its_runs_apart() -> None:
    distractors = [_article("d1", "Bo cong an tinh."), _article("d2", "Hoà bình và phát triền.")]
    queries = [
        {"query": "Bộ Công an", "target": "x"},  # d1 holds it without marks only
        {"query": "Hòa bình", "target": "y", "field": "title"},  # d2 holds it in its body, no title does
        {"query": "phát triển", "target": "z"},  # d2's 'triền' is another word, folded the same
    ]
    x, y, z = queries
    runs = [
        (x, Case("exact", "Bộ Công an", "x")),
        (x, Case("no_diacritics", "bo cong an", "x")),
        (y, Case("other_tone", "Hoà bình", "y")),
        (y, Case("field", "title:(Hòa bình)", "y")),
        (z, Case("no_diacritics", "phat trien", "z")),
        (z, Case("exact", "phát triển", "z")),
    ]
    kept, taken, held = split_taken(runs, distractors)
    assert [run.text for run in taken] == ["bo cong an", "Hoà bình", "phat trien"]
    assert held == {"bo cong an": 1, "Hòa bình": 1, "phat trien": 1}
    assert [run.text for run in kept] == ["Bộ Công an", "title:(Hòa bình)", "phát triển"]


def test_drawn_items_are_unique_runs_that_cross_no_punctuation() -> None:
    items = draw(Corpus(ARTICLES), 10)
    texts = {(item.target, item.text) for item in items}
    assert ("a", "Vũ Thu Việt") not in texts
    assert ("a", "Bộ Công an") not in texts
    assert not any(item.text == "biểu Bộ" for item in items)  # a sentence end lies between
    assert all(Corpus(ARTICLES).articles_with(item.text) == 1 for item in items)
    assert items == draw(Corpus(ARTICLES), 10)


def test_joined_takes_the_compounds_of_the_sentence_the_item_stands_in() -> None:
    item = Item("a", "Ông Vũ Thu Việt phát biểu", 3, 3)
    assert item.text == "Việt phát biểu"
    assert joined(item) == "Việt phát_biểu"
    assert joined(Item("a", "Ông Vũ Thu Việt phát biểu", 0, 1)) is None
