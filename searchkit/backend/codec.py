"""How posting lists are laid out on disk: Whoosh's whoosh3 codec with compact blocks.

whoosh3 pickles each block of up to 128 postings as a tuple of Python
objects, and a position list as a pickled list behind a four-byte count.
In Python 3 a ``bytes`` object pickled at protocol 2 becomes a call to
``_codecs.encode``, so a posting with one position cost some 20 bytes before
zlib: three quarters of the postings file was that wrapping.

Here a block is one byte string of unsigned LEB128 varints (document-number
gaps, term frequencies, position gaps), zlib'd when that makes it smaller.
Everything else is whoosh3's: the block header Whoosh skips by, the term
dictionary, stored fields, columns, segments and merges.  The codec and the
position format are named in the index's table of contents (Whoosh pickles
them), so an index written by this module is read back by it.

Part of :mod:`searchkit.backend`, the one room that knows Whoosh.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.formats import Positions
from whoosh.util.numeric import byte_to_length, length_to_byte

#: How the weights of a block are kept: all 1.0 (nothing stored), whole numbers as varints, or float32s.
_ONES, _WHOLE, _FLOATS = 0, 1, 2
#: A block's header (whoosh3 pickles it as a tuple, 25 bytes): postings, last document, highest
#: weight, zlib level, shortest and longest field length (Whoosh's length bytes).
BLOCK_HEADER = struct.Struct("!BIfBBB")
#: A block's size comes first, negative for a posting list's last block (as in whoosh3).
BLOCK_SIZE = struct.Struct("!i")


def varints(numbers: Iterable[int]) -> bytes:
    """Non-negative integers as unsigned LEB128: 7 bits a byte, the high bit set on all but the last."""
    out = bytearray()
    for number in numbers:
        while number > 127:
            out.append((number & 127) | 128)
            number >>= 7
        out.append(number)
    return bytes(out)


def gaps_of(numbers: Iterable[int]) -> Iterator[int]:
    """Each of an ascending run of numbers less the one before it (the first, less 0)."""
    return (b - a for a, b in itertools.pairwise(itertools.chain((0,), numbers)))


def read_varints(data: bytes, start: int, count: int) -> tuple[list[int], int]:
    """``count`` varints from ``data`` at ``start``, and the offset after them."""
    numbers = []
    at = start
    for _ in range(count):
        number = shift = 0
        while True:
            byte = data[at]
            at += 1
            number |= (byte & 127) << shift
            if byte < 128:
                break
            shift += 7
        numbers.append(number)
    return numbers, at


def varint_array(data: np.ndarray, start: int, count: int) -> tuple[np.ndarray, int]:
    """:func:`read_varints` over a ``uint8`` array, vectorized: the search path's decoder."""
    if count == 0:
        return np.zeros(0, dtype=np.int64), start
    ends = np.flatnonzero(data[start:] < 128)[:count] + start
    stop = int(ends[-1]) + 1
    chunk = data[start:stop].astype(np.int64)
    if len(chunk) == count:
        return chunk, stop
    firsts = np.empty(count, dtype=np.int64)
    firsts[0] = start
    firsts[1:] = ends[:-1] + 1
    owner = np.repeat(np.arange(count), ends - firsts + 1)
    shifts = 7 * (np.arange(start, stop) - firsts[owner])
    return np.add.reduceat((chunk & 127) << shifts, firsts - start), stop


def encode_block(ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes]) -> bytes:
    """One block's postings: id gaps, then the weights, then the values (count, lengths, bytes)."""
    gaps = varints(gaps_of(ids))
    if all(weight == 1.0 for weight in weights):
        weight_part = bytes((_ONES,))
    elif all(weight == int(weight) and weight >= 0 for weight in weights):
        weight_part = bytes((_WHOLE,)) + varints(int(weight) for weight in weights)
    else:
        weight_part = bytes((_FLOATS,)) + array("f", weights).tobytes()
    value_part = varints(itertools.chain((len(values),), map(len, values))) + b"".join(values)
    return gaps + weight_part + value_part


def decode_block(data: bytes, count: int) -> tuple[list[int], list[float] | None, list[bytes]]:
    """What :func:`encode_block` wrote: id gaps, weights (None when all 1.0) and values."""
    gaps, at = read_varints(data, 0, count)
    kind = data[at]
    at += 1
    weights: list[float] | None = None
    if kind == _WHOLE:
        whole, at = read_varints(data, at, count)
        weights = [float(weight) for weight in whole]
    elif kind == _FLOATS:
        weights = array("f", data[at : at + 4 * count]).tolist()
        at += 4 * count
    (held,), at = read_varints(data, at, 1)
    lengths, at = read_varints(data, at, held)
    values = []
    for length in lengths:
        values.append(data[at : at + length])
        at += length
    return gaps, weights, values


def decode_block_arrays(data: bytes, count: int, with_values: bool) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """:func:`decode_block` into numpy: document numbers (not gaps), weights and, if asked, values."""
    buf = np.frombuffer(data, dtype=np.uint8)
    gaps, at = varint_array(buf, 0, count)
    kind = data[at]
    at += 1
    if kind == _ONES:
        weights = np.ones(count)
    elif kind == _WHOLE:
        whole, at = varint_array(buf, at, count)
        weights = whole.astype(np.float64)
    else:
        weights = np.frombuffer(data, dtype=np.float32, count=count, offset=at).astype(np.float64)
        at += 4 * count
    values: list[bytes] = []
    if with_values:
        (held,), at = read_varints(data, at, 1)
        lengths, at = read_varints(data, at, held)
        for length in lengths:
            values.append(data[at : at + length])
            at += length
    return np.cumsum(gaps), weights, values


def positions_of(value: bytes) -> list[int]:
    """The positions a :class:`CompactPositions` value holds."""
    gaps, _ = read_varints(value, 0, sum(byte < 128 for byte in value))
    return list(itertools.accumulate(gaps))


class CompactPositions(Positions):
    """Whoosh's ``Positions`` format, a posting's positions kept as varint gaps instead of a pickled list."""

    def encode(self, poslist: Sequence[int]) -> bytes:
        return varints(gaps_of(poslist))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return positions_of(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return sum(byte < 128 for byte in valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class CompactPostingsWriter(W3PostingsWriter):
    """whoosh3's postings writer with each block written by :func:`encode_block` behind a 12-byte header.

    whoosh3 also opens each list with a 4-byte magic tag; a list here starts
    with its first block.
    """

    def _write_block(self, last: bool = False) -> None:
        self._terminfo.add_block(self)
        ids = self._ids
        payload = encode_block(ids, self._weights, self._values)
        level = 0
        if self._compression:
            packed = zlib.compress(payload, self._compression)
            if len(packed) < len(payload):
                payload, level = packed, self._compression
        header = BLOCK_HEADER.pack(
            len(ids),
            ids[-1],
            self._maxweight,
            level,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        size = len(header) + len(payload)
        self._postfile.write(BLOCK_SIZE.pack(-size if last else size) + header + payload)
        self._blockcount += 1
        self._new_block()


class CompactLeafMatcher(W3LeafMatcher):
    """whoosh3's on-disk matcher, reading the lists :class:`CompactPostingsWriter` writes."""

    def _read_header(self) -> None:
        self._baseoffset = self._startoffset

    def _goto(self, position: int) -> None:
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        start = BLOCK_SIZE.size + BLOCK_HEADER.size
        raw = self._postfile.get(position, start)
        (size,) = BLOCK_SIZE.unpack_from(raw)
        self._lastblock = size < 0
        self._nextoffset = position + BLOCK_SIZE.size + abs(size)
        self._dataoffset = position + start
        count, last_id, top_weight, level, shortest, longest = BLOCK_HEADER.unpack_from(raw, BLOCK_SIZE.size)
        self._blocklength, self._maxid, self._maxweight, self._compression = count, last_id, top_weight, level
        self._minlength = byte_to_length(shortest)
        self._maxlength = byte_to_length(longest)

    def _read_data(self) -> None:
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        if self._compression:
            data = zlib.decompress(data)
        gaps, weights, values = decode_block(bytes(data), self._blocklength)
        fixed = self._fixedsize
        held: object = tuple(values)
        if fixed == 0:
            held = None
        elif fixed is not None and fixed > 0:
            held = b"".join(values)
        self._data = (gaps, weights, held)


def read_blocks(raw: bytes, with_values: bool = False) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """A whole posting list (its bytes, as :class:`CompactPostingsWriter` wrote them) as numpy arrays."""
    ids_parts, weight_parts, values = [], [], []
    at = 0
    while True:
        (size,) = BLOCK_SIZE.unpack_from(raw, at)
        count, _, _, level, _, _ = BLOCK_HEADER.unpack_from(raw, at + BLOCK_SIZE.size)
        end = at + BLOCK_SIZE.size + abs(size)
        data = raw[at + BLOCK_SIZE.size + BLOCK_HEADER.size : end]
        if level:
            data = zlib.decompress(data)
        ids, weights, block_values = decode_block_arrays(bytes(data), count, with_values)
        ids_parts.append(ids)  # a block's first gap is from 0: whole document numbers
        weight_parts.append(weights)
        values.extend(block_values)
        if size < 0:
            return np.concatenate(ids_parts), np.concatenate(weight_parts), values
        at = end


class CompactCodec(W3Codec):
    """whoosh3 with compact posting blocks (term vectors, unused here, stay whoosh3's)."""

    def postings_writer(self, dbfile: object, byteids: bool = False) -> W3PostingsWriter:
        if byteids:
            return super().postings_writer(dbfile, byteids=byteids)
        return CompactPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=False,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(
        self, dbfile: object, terminfo: object, format_: object, term: object = None, scorer: object = None
    ) -> object:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
