"""The compact posting blocks (searchkit.backend.codec): what is written is what is read, by both readers."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from searchkit.backend import codec

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
    values = draw(st.lists(st.binary(max_size=40), max_size=len(ids)))
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
def test_a_block_reads_back_the_same_in_python_and_numpy(block: tuple[list[int], list[float], list[bytes]]) -> None:
    ids, weights, values = block
    data = codec.encode_block(ids, weights, values)
    gaps, read_weights, read_values = codec.decode_block(data, len(ids))
    assert np.cumsum(gaps).tolist() == ids
    if all(w == 1.0 for w in weights):
        assert read_weights is None  # Whoosh's own reading of "all ones"
    else:
        assert read_weights == weights
    assert read_values == values
    got_ids, got_weights, got_values = codec.decode_block_arrays(data, len(ids), with_values=True)
    assert got_ids.tolist() == ids
    assert got_weights.tolist() == weights
    assert got_values == values


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
