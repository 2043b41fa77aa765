"""How posting lists are laid out on disk: Whoosh's whoosh3 codec with compact blocks and term records.

whoosh3 pickles each block of up to 128 postings as a tuple of Python
objects, and a position list as a pickled list behind a four-byte count.
In Python 3 a ``bytes`` object pickled at protocol 2 becomes a call to
``_codecs.encode``, so a posting with one position cost some 20 bytes before
zlib: three quarters of the postings file was that wrapping.

Here a block is one byte string of unsigned LEB128 varints (document-number
gaps, term frequencies, position gaps), zlib'd when that makes it smaller,
behind a 12-byte header (whoosh3 pickles a 25-byte tuple); a list starts with
its first block (whoosh3 adds a 4-byte tag); a term's record in the
dictionary packs its statistics as varints (35 bytes in whoosh3) and holds
the posting itself when the term is in one document.  Everything else is
whoosh3's: the dictionary's hash file, stored fields, columns, segments and
merges.  The codec and the position format are named in the index's table of
contents (Whoosh pickles them), so an index written by this module is read
back by it.  On a 1,000-article archive the postings file went from 36.6 to
6.9 MB and the dictionary from 10.6 to 8.4 MB.

Part of :mod:`searchkit.backend`, the one room that knows Whoosh.
"""

from __future__ import annotations

import itertools
import operator
import struct
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
from whoosh.codec.whoosh3 import (
    W3Codec,
    W3FieldCursor,
    W3FieldWriter,
    W3LeafMatcher,
    W3PostingsWriter,
    W3TermInfo,
    W3TermsReader,
)
from whoosh.formats import Positions, tokens
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

from searchkit.analysis import index_terms, is_vietnamese_analyzer
from searchkit.backend.termpool import TermPostings

#: How the weights of a block are kept: all 1.0 (nothing stored), whole numbers as varints, or float32s.
_ONES, _WHOLE, _FLOATS = 0, 1, 2
#: A block's header (whoosh3 pickles it as a tuple, 25 bytes): postings, last document, highest
#: weight, zlib level, shortest and longest field length (Whoosh's length bytes).
BLOCK_HEADER = struct.Struct("!BIfBBB")
#: A block's size comes first, negative for a posting list's last block (as in whoosh3).
BLOCK_SIZE = struct.Struct("!i")


def varints(numbers: Iterable[int]) -> bytes:
    """Non-negative integers as unsigned LEB128: 7 bits a byte, the high bit set on all but the last."""
    numbers = list(numbers)
    if not numbers or max(numbers) < 128:  # the common case (gaps, frequencies): one byte each
        return bytes(numbers)
    out = bytearray()
    for number in numbers:
        while number > 127:
            out.append((number & 127) | 128)
            number >>= 7
        out.append(number)
    return bytes(out)


def gaps_of(numbers: Sequence[int]) -> list[int]:
    """Each of an ascending run of numbers less the one before it (the first, less 0)."""
    return list(map(operator.sub, numbers, itertools.chain((0,), numbers)))


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
    if min(weights) == max(weights) == 1.0:
        weight_part = bytes((_ONES,))
    elif min(weights) >= 0 and all(map(float.is_integer, map(float, weights))):
        weight_part = bytes((_WHOLE,)) + varints(int(weight) for weight in weights)
    else:
        weight_part = bytes((_FLOATS,)) + array("f", weights).tobytes()
    if len(values) not in (0, len(ids)):  # whoosh3's writer drops empty values: all or none must be
        raise ValueError(f"a block of {len(ids)} postings with {len(values)} values")
    value_part = varints(itertools.chain((len(values),), map(len, values))) + b"".join(values)
    return gaps + weight_part + value_part


def decode_block_arrays(data: bytes, count: int, with_values: bool) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """What :func:`encode_block` wrote: document numbers (not gaps), weights and, if asked, values.

    A block that kept no values (positions not kept) gives an empty value per posting.
    """
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
        values = values or [b""] * count
    return np.cumsum(gaps), weights, values


def varint_count(data: bytes) -> int:
    """How many varints ``data`` holds (each ends with a byte below 128)."""
    return sum(byte < 128 for byte in data)


def positions_of(value: bytes) -> list[int]:
    """The positions a :class:`CompactPositions` value holds."""
    gaps, _ = read_varints(value, 0, varint_count(value))
    return list(itertools.accumulate(gaps))


class CompactPositions(Positions):
    """Whoosh's ``Positions`` format, a posting's positions kept as varint gaps instead of a pickled list.

    A token the analyzer marks ``ranks_only`` (a compound word: scored, never
    looked up by position) keeps no positions, only its frequency.
    """

    def word_values(self, value: str, analyzer: object, **kwargs: object) -> Iterator[tuple[str, int, float, bytes]]:
        if kwargs.get("mode") == "index" and is_vietnamese_analyzer(analyzer):
            return self._vietnamese_word_values(value)
        return self._word_values(value, analyzer, kwargs)

    def _vietnamese_word_values(self, value: str) -> Iterator[tuple[str, int, float, bytes]]:
        """``word_values`` for searchkit's analyzer, whose terms all weigh 1: a term's weight is its frequency."""
        positions: defaultdict[str, list[int]] = defaultdict(list)
        ranks_only: set[str] = set()
        for text, pos, _, _, only_ranks in index_terms(value):
            positions[text].append(pos)
            if only_ranks:
                ranks_only.add(text)
        boost, encode = self.field_boost, self.encode
        for text, held in positions.items():
            yield text, len(held), len(held) * boost, b"" if text in ranks_only else encode(held)

    def _word_values(
        self, value: str, analyzer: object, kwargs: dict[str, object]
    ) -> Iterator[tuple[str, int, float, bytes]]:
        positions: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        ranks_only: set[str] = set()
        kwargs = {**kwargs, "positions": True, "boosts": True}
        for token in tokens(value, analyzer, kwargs):
            positions.setdefault(token.text, []).append(token.pos)
            weights[token.text] = weights.get(token.text, 0.0) + token.boost
            if getattr(token, "ranks_only", False):
                ranks_only.add(token.text)
        for text, held in positions.items():
            encoded = b"" if text in ranks_only else self.encode(held)
            yield text, len(held), weights[text] * self.field_boost, encoded

    def encode(self, poslist: Sequence[int]) -> bytes:
        if len(poslist) == 1 and poslist[0] < 128:  # most terms of a field: one position, one byte
            return bytes(poslist)
        return varints(gaps_of(poslist))

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return positions_of(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return varint_count(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


class CompactPostingsWriter(W3PostingsWriter):
    """whoosh3's postings writer with each block written by :func:`encode_block` behind a 12-byte header.

    whoosh3 also opens each list with a 4-byte magic tag; a list here starts
    with its first block.  A term in one document keeps its posting in its
    term record instead (:class:`CompactTermInfo`): half the terms of an
    archive are such, mostly shingles.
    """

    def finish_postings(self) -> CompactTermInfo:
        terminfo = self._terminfo
        if not self.written() and len(self) == 1:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values[:1] or [b""])
        else:
            if self._ids:
                self._write_block(last=True)
            terminfo.set_extent(self._startoffset, self._postfile.tell() - self._startoffset)
        self._terminfo = None
        return terminfo

    def add_postings(self, ids: list[int], weights: list[float], values: list[bytes], lengths: Sequence[int]) -> None:
        """A whole term's postings at once: what ``add_posting`` does one by one, a block at a time.

        ``lengths`` holds each document's field length (Whoosh's rounded
        length, 0 for none), indexed by document number.  The blocks, the
        term record and its statistics come out byte for byte as from
        ``add_posting`` (the tests compare both writers' files).
        """
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if self._ids:
                self._write_block()
            chunk = ids[start : start + limit]
            self._ids = chunk
            self._weights = array("f", weights[start : start + limit])
            self._values = [value for value in values[start : start + limit] if value]
            self._maxweight = max(0, max(weights[start : start + limit]))
            held = [length for length in map(lengths.__getitem__, chunk) if length]
            self._minlength = min(held) if held else None
            self._maxlength = max(held) if held else 0

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
        ids, weights, values = decode_block_arrays(bytes(data), self._blocklength, with_values=True)
        gaps = np.diff(ids, prepend=0).tolist()  # whoosh3's matcher adds the gaps up itself
        fixed = self._fixedsize
        held: object = tuple(values)
        if fixed == 0:
            held = None
        elif fixed is not None and fixed > 0:
            held = b"".join(values)
        self._data = (gaps, weights.tolist(), held)


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


class CompactTermInfo(W3TermInfo):
    """A term's statistics and where its postings are: varints where whoosh3 packs fixed widths (35 bytes).

    The record: flags, document frequency, first document, last less first
    (varints), shortest and longest field length (Whoosh's length bytes), total
    and highest weight (float32, as whoosh3), then the postings' offset and
    size (varints) or, for a term in one document, that posting's value: its
    document and weight are the first document and the total weight.
    """

    _INLINED, _NO_IDS = 1, 2
    _WEIGHTS = struct.Struct("!ff")

    def to_bytes(self) -> bytes:
        inlined = self.is_inlined()
        flags = (self._INLINED if inlined else 0) | (self._NO_IDS if self._minid is None else 0)
        first = self._minid or 0
        last = first if self._maxid is None else self._maxid
        shortest = 0 if self._minlength is None else length_to_byte(self._minlength)
        record = (
            bytes((flags,))
            + varints((self._df, first, last - first))
            + bytes((shortest, length_to_byte(self._maxlength)))
            + self._WEIGHTS.pack(self._weight, self._maxweight)
        )
        if inlined:
            return record + self._inlined[2][0]
        return record + varints((self._offset, self._length))

    @classmethod
    def from_bytes(cls, record: bytes) -> CompactTermInfo:
        record = bytes(record)
        info = cls()
        flags = record[0]
        (info._df, first, span), at = read_varints(record, 1, 3)
        info._minid, info._maxid = (None, None) if flags & cls._NO_IDS else (first, first + span)
        info._minlength, info._maxlength = byte_to_length(record[at]), byte_to_length(record[at + 1])
        info._weight, info._maxweight = cls._WEIGHTS.unpack_from(record, at + 2)
        at += 2 + cls._WEIGHTS.size
        if flags & cls._INLINED:
            info._inlined = ((first,), (info._weight,), (record[at:],))
        else:
            (info._offset, info._length), _ = read_varints(record, at, 2)
        return info

    @staticmethod
    def doc_frequency_of(record: bytes) -> int:
        """The document frequency of a record, without reading the rest of it."""
        return read_varints(record, 1, 1)[0][0]


class CompactFieldWriter(W3FieldWriter):
    """whoosh3's term writer, with :class:`CompactTermInfo` records."""

    def start_term(self, btext: bytes) -> None:
        if self._postwriter is None:
            raise RuntimeError("start_term called before start_field")
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, CompactTermInfo())

    def add_terms(
        self, schema: object, lengths_of: Callable[[str], Sequence[int]], terms: Iterable[TermPostings]
    ) -> None:
        """Write every term's postings, given term by term in order (:meth:`TermPool.terms`).

        Whoosh's ``add_postings`` takes the same postings one tuple at a time
        and looks up each one's field length; here a term's list goes to
        :meth:`CompactPostingsWriter.add_postings` whole, with the field's
        lengths (``lengths_of(field)``, indexed by document number) read once.
        """
        current = None
        lengths: Sequence[int] = ()
        for fieldname, tbytes, ids, weights, values in terms:
            if fieldname != current:
                if current is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lengths, current = lengths_of(fieldname), fieldname
            if ids[0] == -1:  # Whoosh's marker of a spelling word, not a posting (as its add_postings)
                continue
            self.start_term(tbytes)
            self._postwriter.add_postings(ids, weights, values, lengths)
            self.finish_term()
        if current is not None:
            self.finish_field()


class CompactFieldCursor(W3FieldCursor):
    def term_info(self) -> CompactTermInfo | None:
        if self._pos is None:
            return None
        return CompactTermInfo.from_bytes(self._tindex.dbfile.get(self._datapos, self._datalen))


class CompactTermsReader(W3TermsReader):
    """whoosh3's term dictionary, reading :class:`CompactTermInfo` records."""

    def cursor(self, fieldname: str, fieldobj: object) -> CompactFieldCursor:
        return CompactFieldCursor(self._tindex, fieldname, self._keycoder, self._keydecoder, fieldobj)

    def items(self) -> Iterator[tuple[tuple[str, bytes], CompactTermInfo]]:
        for key, record in self._tindex.items():
            yield self._keydecoder(key), CompactTermInfo.from_bytes(record)

    def items_from(self, fieldname: str, prefix: bytes) -> Iterator[tuple[tuple[str, bytes], CompactTermInfo]]:
        for key, record in self._tindex.items_from(self._keycoder(fieldname, prefix)):
            yield self._keydecoder(key), CompactTermInfo.from_bytes(record)

    def term_info(self, fieldname: str, tbytes: bytes) -> CompactTermInfo:
        try:
            return CompactTermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)])
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None

    # whoosh3 raises KeyError for a missing term here, which Whoosh's reader reads as 0

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        return CompactTermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)]).weight()

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        return CompactTermInfo.doc_frequency_of(self._tindex[self._keycoder(fieldname, tbytes)])


class CompactCodec(W3Codec):
    """whoosh3 with compact posting blocks and term records (term vectors, unused here, stay whoosh3's)."""

    def field_writer(self, storage: object, segment: object) -> CompactFieldWriter:
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage: object, segment: object) -> CompactTermsReader:
        name = segment.make_filename(self.TERMS_EXT)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        return CompactTermsReader(self, storage.open_file(name), storage.file_length(name), postfile)

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
