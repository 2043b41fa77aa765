"""Posting lists as numpy arrays: read from Whoosh's segments, and cached per segment beside them.

Whoosh stays the index of record (segments, stored fields, deletions); this
module reads what a search needs from a segment as flat arrays, and keeps the
postings of the terms that are in many documents (the lists a query spends its
time on) in a derived file per segment, ``MAIN_<segment>.skarrays``.  Segments
never change once written, so the file never goes stale while its segment
lives; Whoosh's own clean-up deletes it with its segment (the name matches
Whoosh's segment-file pattern).  The file is a cache: checked when opened
(magic, format version, segment id, document count, size, a checksum of its
directory) and rebuilt from the segment when missing or unusable.

Together with :mod:`searchkit.backend.engine` and :mod:`searchkit.storage` this is
the one place that reads Whoosh's internals: ``SegmentReader._segment``,
``._terms`` (``W3TermsReader``: ``_tindex``, ``_postfile``, ``term_info``),
``._perdoc``, the posting lists as :mod:`searchkit.backend.codec` writes them, the
``_<field>_len`` byte columns and their decoding table.  ``whoosh-reloaded``
is pinned below 2.8 in setup.cfg, and :func:`check_decoder` compares this
decoder with Whoosh's own matcher once per process.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import mmap
import os
import pickle
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.util.numeric import _length_byte_cache
from whoosh.util.times import datetime_to_long
from whoosh.writing import CLEAR

from searchkit import fields
from searchkit.analysis import SHINGLE_SEPARATOR
from searchkit.backend import codec

#: Bumped whenever the layout of a ``.skarrays`` file changes (2: positions of frequent shingles;
#: 3: the documents of each value of a facet with several values; 4: weights zlib'd, positions as gaps;
#: 5: field lengths as Whoosh's length bytes, facet owners int32; 6: the term directory as arrays read in place).
ARRAYS_VERSION = 6
ARRAYS_SUFFIX = ".skarrays"
_MAGIC = b"SKARRAYS"
#: A term's postings go into the array file when it is in at least this many documents of the segment…
MIN_ARRAY_DOCS = 64
#: … and in at least this share of them: the lists a query spends its time on.
MIN_ARRAY_SHARE = 1 / 200
#: Whoosh's encoding of field lengths in one byte, as a lookup table.
LENGTH_TABLE = np.array(_length_byte_cache, dtype=np.float64)
_UNDATED = np.iinfo(np.int64).min


@dataclass
class Postings:
    """One term's postings in one segment: sorted document numbers and term frequencies."""

    ids: np.ndarray  # int64, segment-local
    weights: np.ndarray  # float64


class ArrayEntry(NamedTuple):
    """Where a term's arrays lie in the file's blob, and their sizes in bytes."""

    offset: int
    ids_bytes: int
    count: int
    weights_bytes: int
    positions_bytes: int  # 0 when the positions are not kept here


@dataclass
class DocColumns:
    """Per-document values of one segment that searches read for every match."""

    length_bytes: dict[str, np.ndarray]  # field → each document's field length in Whoosh's one byte (LENGTH_TABLE)
    dates: np.ndarray  # int64 Whoosh date longs, _UNDATED when undated
    #: name → (values, int32 codes, owners): a code per document, or for a multi-valued facet a code
    #: per value held and ``owners`` the (int32) document holding each (None for single-valued facets).
    facets: dict[str, tuple[list[str], np.ndarray, np.ndarray | None]]


def decode_positions(value: bytes) -> list[int]:
    """Positions of a term in one document, from :class:`~searchkit.backend.codec.CompactPositions`."""
    return codec.positions_of(value)


def read_from_segment(
    reader: SegmentReader, fieldname: str, text: str, with_positions: bool = False
) -> tuple[Postings, list[bytes]] | None:
    """A term's postings decoded from the segment's own blocks, or None when it is not there."""
    terms = reader._terms
    try:
        info = terms.term_info(fieldname, text.encode("utf-8"))
    except TermNotFound:
        return None
    if info.is_inlined():
        ids, weights, values = info.inlined_postings()
        postings = Postings(np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64))
        return postings, list(values) if with_positions else []
    offset, length = info.extent()
    length = length[0] if isinstance(length, tuple) else length  # whoosh3 reads it as a 1-tuple
    ids, weights, values = codec.read_blocks(terms._postfile.get(offset, length), with_positions)
    return Postings(ids, weights), values


def check_decoder(reader: SegmentReader, text_fields: tuple[str, ...]) -> None:
    """Fail loudly if this module and Whoosh disagree on a posting list (a changed Whoosh)."""
    for (fieldname, btext), info in reader._terms.items():
        if fieldname not in text_fields or info.doc_frequency() < 3 or info.is_inlined():
            continue
        found = read_from_segment(reader, fieldname, btext.decode("utf-8"))
        # The raw list, deleted documents included, as read_from_segment reads it (reader.postings
        # would leave the deleted ones out, and the engine masks them itself).
        matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        if found is None or found[0].ids.tolist() != ids or found[0].weights.tolist() != weights:
            raise RuntimeError(
                f"searchkit cannot read this Whoosh version's postings ({fieldname}:{btext!r}); "
                "install the whoosh-reloaded version setup.cfg names"
            )
        return


def segment_id(reader: SegmentReader) -> str:
    return reader._segment.segment_id()


def deleted_mask(reader: SegmentReader) -> np.ndarray:
    """True for each deleted document of the segment."""
    mask = np.zeros(reader._segment.doc_count_all(), dtype=bool)
    if reader.has_deletions():
        deleted = np.fromiter(reader._segment.deleted_docs(), dtype=np.int64)
        mask[deleted[deleted < len(mask)]] = True
    return mask


def field_length_totals(reader: SegmentReader) -> dict[str, int]:
    return dict(reader._segment._fieldlengths)


def _date_long(text: str) -> int:
    if not text:
        return int(_UNDATED)
    parts = [int(part) for part in text.split("-")]
    year, month, day = [*parts, 1, 1][:3]
    return datetime_to_long(datetime(year, month, day))


def read_columns(reader: SegmentReader, text_fields: tuple[str, ...], facet_columns: dict[str, str]) -> DocColumns:
    """Field lengths, dates and facet values of every document of the segment."""
    count = reader._segment.doc_count_all()
    length_bytes = {}
    for name in text_fields:
        length_bytes[name] = np.zeros(count, dtype=np.uint8)
        if reader._perdoc.has_column(f"_{name}_len"):
            column = reader._perdoc._cached_reader(f"_{name}_len", LENGTHS_COLUMN)
            length_bytes[name] = np.fromiter((column[doc] for doc in range(count)), dtype=np.uint8, count=count)
    date_texts = reader.column_reader("date_text") if count else []
    dates = np.fromiter((_date_long(str(date_texts[doc] or "")) for doc in range(count)), dtype=np.int64, count=count)
    facets = {}
    multiple = fields.multi_valued_facets()
    for name, column_name in facet_columns.items():
        values = reader.column_reader(column_name) if count else []
        vocabulary: dict[str, int] = {}
        if name in multiple:
            split = ((doc, str(values[doc] or "").split(fields.MULTI_SEPARATOR)) for doc in range(count))
            held = [(doc, value) for doc, found in split for value in found if value]
            codes = np.array([vocabulary.setdefault(value, len(vocabulary)) for _, value in held], dtype=np.int32)
            facets[name] = (list(vocabulary), codes, np.array([doc for doc, _ in held], dtype=np.int32))
            continue
        codes = np.fromiter(
            (vocabulary.setdefault(str(values[doc] or ""), len(vocabulary)) for doc in range(count)),
            dtype=np.int32,
            count=count,
        )
        facets[name] = (list(vocabulary), codes, None)
    return DocColumns(length_bytes, dates, facets)


def _frequent_terms(
    reader: SegmentReader, text_fields: tuple[str, ...]
) -> Iterator[tuple[str, str, codec.CompactTermInfo]]:
    """(field, text, term info) of the text-field terms in enough documents to keep as arrays."""
    threshold = max(MIN_ARRAY_DOCS, int(reader._segment.doc_count_all() * MIN_ARRAY_SHARE))
    terms = reader._terms
    for key, value in terms._tindex.items():
        if codec.CompactTermInfo.doc_frequency_of(value) < threshold:
            continue
        fieldname, btext = terms._keydecoder(key)
        if fieldname in text_fields:
            yield fieldname, btext.decode("utf-8"), codec.CompactTermInfo.from_bytes(value)


def pack(numbers: np.ndarray) -> bytes:
    """Non-negative integers in the narrowest unsigned type that holds them (one byte says which), zlib'd."""
    dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if numbers.max(initial=0) <= np.iinfo(t).max)
    return bytes((np.dtype(dtype).itemsize,)) + zlib.compress(numbers.astype(dtype).tobytes(), 6)


#: What decoding a damaged term's bytes raises: zlib's checksum, an unknown width byte, a wrong length.
_DAMAGED = (zlib.error, KeyError, IndexError, ValueError)


def unpack(packed: bytes | memoryview) -> np.ndarray:
    """What :func:`pack` wrote, as int64."""
    dtype = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[packed[0]]
    return np.frombuffer(zlib.decompress(packed[1:]), dtype=dtype).astype(np.int64)


def _shingle_positions(reader: SegmentReader, fieldname: str, text: str) -> bytes:
    """A frequent shingle's positions: each posting's count, then the gaps between its positions, packed.

    Phrases of three or more words and the proximity ranking chain shingles by
    position; kept here, they are read as arrays instead of one decode per document.
    """
    found = read_from_segment(reader, fieldname, text, with_positions=True)
    values = found[1] if found is not None else []
    positions = [decode_positions(value) for value in values]
    counts = np.fromiter(map(len, positions), dtype=np.int64, count=len(positions))
    flat = np.fromiter(itertools.chain.from_iterable(positions), dtype=np.int64, count=int(counts.sum()))
    gaps = np.diff(flat, prepend=0)
    firsts = (np.cumsum(counts) - counts)[counts > 0]
    gaps[firsts] = flat[firsts]  # each posting's first position is kept whole
    return pack(np.concatenate([counts, gaps]))


def _unpack_positions(packed: bytes | memoryview, count: int) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`_shingle_positions` wrote: each posting's count, and every position (whole, not gaps)."""
    both = unpack(packed)
    counts, gaps = both[:count], both[count:]
    flat = np.cumsum(gaps)
    firsts = np.cumsum(counts) - counts
    held = counts > 0
    # restart the running sum at each posting's first position
    before = np.zeros(len(counts), dtype=np.int64)
    before[held] = flat[firsts[held]] - gaps[firsts[held]]
    return counts, flat - np.repeat(before, counts)


def _staging(path: Path, part: str) -> Path:
    """A file ``write_arrays`` builds ``path`` in: named after the writing process, which may be a search."""
    return path.with_name(f"{path.name}.{os.getpid()}.{part}.tmp")


def abandoned_staging(index_dir: Path) -> list[Path]:
    """Staging files of array files whose writer is gone (killed mid-write): a run deletes them.

    Searches write array files too, without the index's lock, so a file is
    only abandoned once its process no longer runs (where the system can tell;
    elsewhere, once it is an hour old).
    """
    found = []
    for path in index_dir.glob(f"*{ARRAYS_SUFFIX}.*.tmp"):
        pid = path.name.split(f"{ARRAYS_SUFFIX}.", 1)[1].split(".", 1)[0]  # MAIN_<segment>.skarrays.<pid>.blob.tmp
        if not pid.isdigit() or _process_gone(int(pid), path):
            found.append(path)
    return found


def _process_gone(pid: int, path: Path) -> bool:
    if pid == os.getpid():
        return False
    if os.name != "posix":  # os.kill would end the process there, not probe it
        try:
            return time.time() - path.stat().st_mtime > 3600
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


def write_arrays(
    reader: SegmentReader, path: Path, text_fields: tuple[str, ...], facet_columns: dict[str, str]
) -> None:
    """Write the segment's array file to ``path``, atomically (a temporary file renamed into place)."""
    directory: dict[bytes, ArrayEntry] = {}
    temporary, head = _staging(path, "blob"), _staging(path, "head")
    try:
        with open(temporary, "wb") as blob:
            offset = 0
            for fieldname, text, info in _frequent_terms(reader, text_fields):
                if info.is_inlined():
                    continue
                found = read_from_segment(reader, fieldname, text)
                if found is None:
                    continue
                postings = found[0]
                if not np.array_equal(postings.weights, np.round(postings.weights)):
                    continue  # a boosted token: such a list is read from the segment's own blocks
                ids_bytes = pack(np.diff(postings.ids, prepend=0))
                weight_bytes = pack(postings.weights.astype(np.int64))
                position_bytes = _shingle_positions(reader, fieldname, text) if SHINGLE_SEPARATOR in text else b""
                blob.write(ids_bytes)
                blob.write(weight_bytes)
                blob.write(position_bytes)
                directory[_term_key(fieldname, text)] = ArrayEntry(
                    offset, len(ids_bytes), len(postings.ids), len(weight_bytes), len(position_bytes)
                )
                offset += len(ids_bytes) + len(weight_bytes) + len(position_bytes)
        columns = pickle.dumps(read_columns(reader, text_fields, facet_columns), protocol=pickle.HIGHEST_PROTOCOL)
        keys = sorted(directory)
        width = max(map(len, keys), default=1)
        entries = np.array([directory[key] for key in keys], dtype=np.int64).reshape(len(keys), len(ArrayEntry._fields))
        terms = entries.tobytes() + np.array(keys, dtype=f"S{width}").tobytes()
        header = json.dumps(
            {
                "version": ARRAYS_VERSION,
                "segment": segment_id(reader),
                "documents": reader._segment.doc_count_all(),
                "columns_bytes": len(columns),
                "terms": len(keys),
                "key_width": width,
                "meta_crc": zlib.crc32(columns + terms),
                "blob_bytes": offset,
            }
        ).encode("utf-8")
        with open(head, "wb") as out:
            out.write(_MAGIC + struct.pack("!I", len(header)) + header + columns + terms)
            with open(temporary, "rb") as blob:
                while chunk := blob.read(1 << 20):
                    out.write(chunk)
        os.replace(head, path)
    finally:
        for leftover in (temporary, head):
            leftover.unlink(missing_ok=True)


def _term_key(fieldname: str, text: str) -> bytes:
    return f"{fieldname}\x00{text}".encode()


class UnusableArrays(ValueError):
    """An array file that cannot be read (cut short, damaged, stale): a cache, rebuilt from its segment."""


#: What opening an array file may raise when the file is missing or not one to use.
UNUSABLE = (OSError, ValueError)


class SegmentArrays:
    """An opened array file: frequent terms' postings (memory-mapped) and the per-document columns.

    Opening checks the header and the checksum of the columns and the term
    directory; a term's postings are checked when decoded (zlib's own checksum,
    and the counts the directory holds).  A term that fails is read from the
    segment's own blocks instead, and the file is removed so that the next
    search or index run writes it again.
    """

    def __init__(self, path: Path, reader: SegmentReader) -> None:
        self.path = path
        self.damaged = False
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            if self._map[: len(_MAGIC)] != _MAGIC:
                raise ValueError("not a searchkit array file")
            (header_size,) = struct.unpack_from("!I", self._map, len(_MAGIC))
            start = len(_MAGIC) + 4
            header = json.loads(self._map[start : start + header_size])
            columns_start = start + header_size
            count, width = header["terms"], header["key_width"]
            terms_start = columns_start + header["columns_bytes"]
            keys_start = terms_start + count * len(ArrayEntry._fields) * 8
            self._blob_start = keys_start + count * width
            if (
                header["version"] != ARRAYS_VERSION
                or header["segment"] != segment_id(reader)
                or header["documents"] != reader._segment.doc_count_all()
                or len(self._map) != self._blob_start + header["blob_bytes"]
                or zlib.crc32(self._map[columns_start : self._blob_start]) != header["meta_crc"]
            ):
                raise ValueError("array file does not match its segment")
            self.columns: DocColumns = pickle.loads(self._map[columns_start:terms_start])
        except Exception as error:  # anything a damaged header or column block raises (struct, json, pickle)
            self._map.close()
            raise UnusableArrays(f"{path.name}: {error}") from error
        # The term directory is read in place: sorted keys ("field\0text", UTF-8) and an ArrayEntry's
        # numbers for each, found by binary search; unpickling a dict of them cost a cold search
        # 25 ms a segment at 20,000 articles.
        self._entries = np.frombuffer(
            self._map, dtype=np.int64, count=count * len(ArrayEntry._fields), offset=terms_start
        )
        self._entries = self._entries.reshape(count, len(ArrayEntry._fields))
        self._keys = np.frombuffer(self._map, dtype=f"S{width}", count=count, offset=keys_start)

    def terms(self) -> list[tuple[str, str]]:
        """(field, text) of every term kept here."""
        return [tuple(key.decode("utf-8").split("\x00", 1)) for key in self._keys.tolist()]  # type: ignore[misc]

    def postings(self, fieldname: str, text: str) -> Postings | None:
        """A frequent term's postings, or None when the term is not kept here (or its bytes are damaged)."""
        entry = self.entry(fieldname, text)
        if entry is None:
            return None
        try:
            return self._postings_at(entry)
        except _DAMAGED:
            self._discard()
            return None

    def _postings_at(self, entry: ArrayEntry) -> Postings:
        start = self._blob_start + entry.offset
        ids = np.cumsum(unpack(self._map[start : start + entry.ids_bytes]))
        start += entry.ids_bytes
        weights = unpack(self._map[start : start + entry.weights_bytes]).astype(np.float64)
        if len(ids) != entry.count or len(weights) != entry.count:
            raise ValueError("postings of the wrong length")
        return Postings(ids, weights)

    def positions(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """A frequent shingle's (document of each occurrence, its position), or None when not kept here."""
        entry = self.entry(fieldname, text)
        if entry is None or not entry.positions_bytes:
            return None
        start = self._blob_start + entry.offset + entry.ids_bytes + entry.weights_bytes
        try:
            counts, flat = _unpack_positions(self._map[start : start + entry.positions_bytes], entry.count)
            if len(counts) != entry.count or len(flat) != counts.sum():
                raise ValueError("positions of the wrong length")
            return np.repeat(self._postings_at(entry).ids, counts), flat
        except _DAMAGED:
            self._discard()
            return None

    def entry(self, fieldname: str, text: str) -> ArrayEntry | None:
        """Where a term's arrays lie, or None when the term is not kept here (or the file is damaged)."""
        if self.damaged:
            return None
        key = _term_key(fieldname, text)
        at = int(np.searchsorted(self._keys, key))
        if at == len(self._keys) or self._keys[at] != key:
            return None
        return ArrayEntry(*self._entries[at].tolist())

    def _discard(self) -> None:
        """Stop reading this file and remove it: the next search or index run writes it again from the segment."""
        self.damaged = True
        with contextlib.suppress(OSError):  # a read-only index: its terms are read from the segment's blocks
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        del self._entries, self._keys  # views of the map: it cannot close while they live
        self._map.close()


def arrays_path(index_dir: Path, reader: SegmentReader) -> Path:
    return index_dir / f"{segment_id(reader)}{ARRAYS_SUFFIX}"


def ensure_arrays(
    index_dir: Path,
    reader: SegmentReader,
    text_fields: tuple[str, ...],
    facet_columns: dict[str, str],
) -> SegmentArrays | None:
    """The segment's array file, written first if it is missing or unusable; None if it cannot be written."""
    path = arrays_path(index_dir, reader)
    try:
        return SegmentArrays(path, reader)
    except UNUSABLE:
        pass
    try:
        write_arrays(reader, path, text_fields, facet_columns)
        return SegmentArrays(path, reader)
    except OSError:
        return None


class ArraysBeforeToc:
    """Writes each new segment's array file before the table of contents names the segment.

    A search never sees a segment without its arrays, a crash before the
    table of contents leaves only an orphan file that Whoosh's clean-up
    removes with the next commit, and a failure to write (disk full) fails the
    commit, which leaves the previous index as it was.
    """

    storage: object
    schema: object
    arrays_target: tuple[Path, tuple[str, ...]]

    def _commit_toc(self, segments: list[object]) -> None:  # Whoosh's hook between segments and TOC
        index_dir, text_fields = self.arrays_target
        for segment in segments:
            reader = SegmentReader(self.storage, self.schema, segment)
            try:
                path = arrays_path(index_dir, reader)
                try:
                    SegmentArrays(path, reader).close()
                except UNUSABLE:
                    write_arrays(reader, path, text_fields, fields.facet_columns())
            finally:
                reader.close()
        super()._commit_toc(segments)  # type: ignore[misc]


def commit(made: object, replace_all: bool = False) -> None:
    """Commit a writer of :mod:`searchkit.backend.writer`; ``replace_all`` drops every earlier segment."""
    made.commit(mergetype=CLEAR) if replace_all else made.commit()  # type: ignore[attr-defined]
