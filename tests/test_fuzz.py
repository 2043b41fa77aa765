"""Fuzzing with hypothesis: the query parser and the ingesters meet input nobody wrote by hand.

The promise under test: whatever the input, searchkit either works or raises
one of its own errors (one line for the user); it never raises anything else,
and an index that took fuzzed files stays searchable.  Derandomized, so CI
sees the same examples on every run.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit.errors import SearchkitError
from searchkit.indexer import index_paths
from searchkit.ingest import Limits, SkippedFile, discover, read_articles
from searchkit.normalize import strip_marks
from searchkit.search import Searcher, search

from .conftest import SEED_MEETING, SEEDS


def fuzz(examples: int) -> settings:
    """Bounded, derandomized runs: CI sees the same examples every time."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


#: What a user-facing message must never contain: Python's own words.
PYTHON_WORDS = ("Traceback", "invalid literal", "NoneType", "object has no attribute", "Exception", "Error:")

# ---------------------------------------------------------------- the query parser

SYNTAX = [
    "AND",
    "OR",
    "NOT",
    "ANDNOT",
    "ANDMAYBE",
    "TO",
    "to",
    "-",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    '"',
    "*",
    "?",
    "~",
    "~1",
    "~2",
    ":",
    "^",
    "^2",
    "/",
    "\\",
    "_",
    "'",
    "title:",
    "body:",
    "captions:",
    "author:",
    "date:",
    "id:",
    "path:",
    "year:",
    "month:",
    "url:",
    "date:>",
    "date:>=",
    "date:<",
    "date:[",
    "date:{",
    "2020",
    "2020-07",
    "2020-07-31",
    "2023-13",
    "0000",
    "9999",
    "*]",
    "TO *]",
    "công",
    "Bộ",
    "an",
    "cong",
    "quốc phòng",
    "hoà",
    "thuỷ",
    "c*ng",
    "?ong",
    "\u0301",
    "\u0323",
    "\x00",
    "\n",
    "\t",
    "\x1b",
    "\u200b",
    "\ufeff",
    "  ",
]
words = st.one_of(
    st.sampled_from(SYNTAX),
    st.text(max_size=8),
    st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạầẩẫấậềểễếệọộớờởợụủứừửữựỳỷỹýỵ", min_size=1, max_size=7),
)
queries = st.one_of(
    st.lists(words, max_size=8).map(" ".join),
    st.lists(words, max_size=8).map("".join),
    st.text(max_size=40),
).flatmap(lambda q: st.sampled_from([q, unicodedata.normalize("NFD", q)]))


@pytest.fixture(scope="module")
def fuzz_searcher(seeds_index: Path) -> Iterator[Searcher]:
    with Searcher(seeds_index) as searcher:
        yield searcher


@fuzz(300)
@given(text=queries)
def test_any_query_is_searched_or_refused_in_one_line(fuzz_searcher: Searcher, text: str) -> None:
    try:
        results = fuzz_searcher.search(text, limit=3)
    except SearchkitError as error:
        message = str(error)
        assert message and "\n" not in message.strip("\n")  # the query itself may hold a newline, repr'd
        assert not any(word in message for word in PYTHON_WORDS), message
        return
    assert results.total >= len(results.hits)
    for hit in results.hits:
        assert isinstance(hit.snippet_text, str)


# ---------------------------------------------------------------- the ingesters

RECORD = {"id": "r1", "title": "Bão số 3", "body": "Bão số 3 gây mưa lớn ở Quảng Ninh.", "date": "2023-09-08"}
SAMPLES = {
    ".txt": (SEEDS / SEED_MEETING).read_bytes()[:3000],
    ".json": json.dumps(
        {"articles": [RECORD, {**RECORD, "id": "r2", "body": ["a", "b"]}]}, ensure_ascii=False
    ).encode(),
    ".jsonl": "\n".join(json.dumps({**RECORD, "id": f"r{n}"}, ensure_ascii=False) for n in range(3)).encode(),
    ".html": "<html><head><title>Tin</title></head><body><article><h1>Bão</h1><p>Mưa lớn.</p>"
    "<figure><figcaption>Ảnh</figcaption></figure></article></body></html>".encode(),
}


@st.composite
def fuzzed_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A seed format, then cut, spliced with random bytes, or with bytes flipped."""
    suffix = draw(st.sampled_from(sorted(SAMPLES)))
    data = SAMPLES[suffix]
    how = draw(st.sampled_from(["cut", "insert", "flip", "random", "utf16"]))
    at = draw(st.integers(0, len(data)))
    if how == "cut":
        data = data[:at]
    elif how == "insert":
        data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
    elif how == "flip" and data:
        at = min(at, len(data) - 1)
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif how == "random":
        data = draw(st.binary(max_size=200))
    else:
        data = b"\xff\xfe" + data.decode("utf-8", "replace")[: at // 2].encode("utf-16-le")
    return suffix, data


@fuzz(200)
@given(sample=fuzzed_files())
def test_any_file_gives_articles_or_one_reason(sample: tuple[str, bytes]) -> None:
    suffix, data = sample
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        (src,) = list(discover([str(path)]))
        reasons: list[str] = []
        limits = Limits(max_article_bytes=2000, on_skip=lambda where, reason: reasons.append(reason))
        try:
            articles = read_articles(src, limits)
        except SkippedFile as skipped:
            assert str(skipped) and "\n" not in str(skipped)
            return
    assert articles or reasons
    for article in articles:
        assert isinstance(article.title, str) and isinstance(article.body, str) and isinstance(article.id, str)
        assert article.title or article.body
    assert all(reason and "\n" not in reason for reason in reasons)


@pytest.fixture(scope="module")
def fuzz_corpus() -> Iterator[tuple[Path, Path]]:
    """A folder holding the seeds, to which each example adds fuzzed files, and its index."""
    root = Path(tempfile.mkdtemp(prefix="searchkit-fuzz-"))
    shutil.copytree(SEEDS, root / "corpus")
    try:
        yield root / "corpus", root / "ix"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@fuzz(6)
@given(samples=st.lists(fuzzed_files(), min_size=1, max_size=3))
def test_an_index_that_took_fuzzed_files_stays_searchable(
    fuzz_corpus: tuple[Path, Path], samples: list[tuple[str, bytes]]
) -> None:
    corpus, index_dir = fuzz_corpus
    batch = corpus / f"batch{len(list(corpus.glob('batch*')))}"
    batch.mkdir()
    for number, (suffix, data) in enumerate(samples):
        (batch / f"f{number}{suffix}").write_bytes(data)
    random.seed()  # hypothesis seeds Python's random per example: Whoosh's segment names would repeat
    summary = index_paths([corpus], index_dir, workers=1)
    assert all(reason and "\n" not in reason for _, reason in summary.skipped)
    hits = search(index_dir, "bo cong an", limit=100).hits
    assert SEED_MEETING in [found for hit in hits for found in (hit.id, *hit.similar)]  # or folded under a fuzzed copy
    assert search(index_dir, "bão OR mưa OR tin").total >= 0


_VIETNAMESE_PIECES = st.sampled_from(
    [*"aăâeêioôơuưyđĐ hHoOnNgG.,1", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"]
)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(_VIETNAMESE_PIECES, max_size=60).map("".join),
        st.lists(_VIETNAMESE_PIECES, max_size=60).map(lambda pieces: unicodedata.normalize("NFD", "".join(pieces))),
    )
)
def test_stripping_marks_a_character_at_a_time_equals_stripping_the_decomposed_text(text: str) -> None:
    decomposed = unicodedata.normalize("NFD", text)
    whole = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("đ", "d").replace("Đ", "D")
    assert strip_marks(text) == unicodedata.normalize("NFC", whole)
