"""The compact posting blocks (searchkit.backend.codec): what is written is what is read, by both readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.util.numeric import byte_to_length, length_to_byte

from searchkit.backend import codec
from searchkit.backend.postings import decode_positions, read_from_segment
from searchkit.backend.storage import index_parts, index_size
from searchkit.search import Searcher

#: Numbers up to 2**40: varints of one to six bytes (document numbers, positions in a 1 MB article).
numbers = st.integers(min_value=0, max_value=2**40)


@st.composite
def blocks(draw: st.DrawFn) -> tuple[list[int], list[float], list[bytes]]:
    """A block as Whoosh hands it over: ascending ids, weights of one kind, and values."""
    gaps = draw(st.lists(st.integers(min_value=1, max_value=2**20), min_size=1, max_size=128))
    ids = list(np.cumsum(gaps).tolist())
    kind = draw(st.sampled_from(["ones", "whole", "floats"]))
    if kind == "ones":
        weights = [1.0] * len(ids)
    elif kind == "whole":
        weights = [float(w) for w in draw(st.lists(st.integers(0, 5000), min_size=len(ids), max_size=len(ids)))]
    else:
        drawn = draw(st.lists(st.floats(0.25, 100.0, width=32), min_size=len(ids), max_size=len(ids)))
        weights = [*drawn[:-1], 1.5]  # at least one is not whole
    # a value per posting, or none kept (whoosh3's writer drops empty values: positions not kept)
    values = draw(st.one_of(st.just([]), st.lists(st.binary(max_size=40), min_size=len(ids), max_size=len(ids))))
    return ids, weights, values


@given(st.lists(numbers, max_size=300), st.binary(max_size=8))
def test_varints_read_back_the_same_in_python_and_numpy(values: list[int], tail: bytes) -> None:
    data = codec.varints(values) + tail  # what follows the varints is not read
    read, end = codec.read_varints(data, 0, len(values))
    assert read == values
    assert end == len(data) - len(tail)
    as_array, array_end = codec.varint_array(np.frombuffer(data, dtype=np.uint8), 0, len(values))
    assert as_array.tolist() == values
    assert array_end == end


@given(blocks())
def test_a_block_reads_back_the_same(block: tuple[list[int], list[float], list[bytes]]) -> None:
    ids, weights, values = block
    data = codec.encode_block(ids, weights, values)
    got_ids, got_weights, got_values = codec.decode_block_arrays(data, len(ids), with_values=True)
    assert got_ids.tolist() == ids
    assert got_weights.tolist() == weights
    assert got_values == (values or [b""] * len(ids))
    without_values = codec.decode_block_arrays(data, len(ids), with_values=False)
    assert without_values[0].tolist() == ids and without_values[2] == []


@given(st.lists(st.integers(min_value=0, max_value=2**20), min_size=1, max_size=200, unique=True))
def test_positions_read_back_with_their_count(positions: list[int]) -> None:
    positions.sort()
    form = codec.CompactPositions()
    value = form.encode(positions)
    assert form.decode_positions(value) == positions
    assert form.decode_frequency(value) == len(positions)
    assert form.decode_weight(value) == float(len(positions))
    if max(positions) < 128 and len(positions) < 10:
        assert len(value) == len(positions)  # one byte a small gap: the point of the format


@given(
    df=st.integers(1, 2**31),
    first=st.integers(0, 2**32 - 2),
    span=st.integers(0, 2**20),
    lengths=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    weights=st.tuples(st.floats(0, 1e9, width=32), st.floats(0, 1e9, width=32)),
    where=st.one_of(st.tuples(st.integers(0, 2**40), st.integers(1, 2**31)), st.binary(max_size=30)),
)
def test_a_term_record_reads_back_the_same(
    df: int,
    first: int,
    span: int,
    lengths: tuple[int, int],
    weights: tuple[float, float],
    where: tuple[int, int] | bytes,
) -> None:
    """Statistics and the postings' place, or the one posting's value kept in the record itself."""
    info = codec.CompactTermInfo()
    info._df, info._minid, info._maxid = df, first, first + span
    info._minlength, info._maxlength = min(lengths), max(lengths)
    info._weight, info._maxweight = weights
    if isinstance(where, bytes):
        info.set_inlined([first], [weights[0]], [where])
    else:
        info.set_extent(*where)
    record = info.to_bytes()
    read = codec.CompactTermInfo.from_bytes(record)
    assert codec.CompactTermInfo.doc_frequency_of(record) == df
    assert (read.doc_frequency(), read.min_id(), read.max_id()) == (df, first, first + span)
    assert (read.weight(), read.max_weight()) == weights
    # field lengths are kept as Whoosh keeps them, in one byte
    assert read.max_length() == byte_to_length(length_to_byte(max(lengths)))
    assert read.min_length() == byte_to_length(length_to_byte(min(lengths)))
    if isinstance(where, bytes):
        assert read.inlined_postings() == ((first,), (weights[0],), (where,))
    else:
        assert not read.is_inlined()
        assert read.extent() == where


def test_a_block_with_values_for_some_postings_only_is_refused() -> None:
    with pytest.raises(ValueError, match="3 postings with 2 values"):
        codec.encode_block([1, 2, 3], [1.0, 1.0, 1.0], [b"\x01", b"\x02"])


def test_compound_words_keep_their_frequency_but_no_positions(seeds_index: Path) -> None:
    """A compound (``cong_an``) only ranks: its postings carry frequencies; syllables keep their positions."""
    with Searcher(seeds_index) as searcher:
        leaf = searcher.engine.leaves[0][0]
        compound = read_from_segment(leaf, "body", "cong_an", with_positions=True)
        syllable = read_from_segment(leaf, "body", "~cong", with_positions=True)
    assert compound is not None and syllable is not None
    assert compound[0].weights.max() > 1  # "Bộ Công an" is in each seed several times
    assert compound[1] == [b""] * len(compound[0].ids)
    postings, values = syllable
    assert [len(decode_positions(value)) for value in values] == postings.weights.tolist()


def test_the_parts_of_an_index_add_up_to_its_size(seeds_index: Path) -> None:
    parts = index_parts(seeds_index)
    assert sum(parts.values()) == index_size(seeds_index)
    assert parts["posting lists"] > 0 and parts["term dictionary"] > 0 and parts["stored fields"] > 0
    assert parts["array files (a cache)"] > 0
