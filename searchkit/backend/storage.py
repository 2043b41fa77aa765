"""The on-disk index: its schema (from :mod:`searchkit.fields`), opening it safely, the single-writer lock.

Part of :mod:`searchkit.backend`, the one room that knows Whoosh: everything
outside it reads searchkit's own objects.
"""

from __future__ import annotations

import mmap
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import fields as wf
from whoosh.columns import VarBytesColumn
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import FileIndex, clean_files

from searchkit import fields
from searchkit.analysis import name_analyzer, vietnamese_analyzer
from searchkit.backend.codec import CompactPositions
from searchkit.errors import IndexBusy, IndexMissing, IndexProblem
from searchkit.fields import SCHEMA_VERSION

INDEX_NAME = "MAIN"
LOCK_FILE = "searchkit.lock"
#: Holds the SCHEMA_VERSION an index was written with (indexes older than the file are "1").
FORMAT_FILE = "searchkit-format"
REBUILD_HINT = "rebuild it with `searchkit index --full PATH...`"


def _whoosh_field(field: fields.Field, analyzer: object) -> object:
    if field.kind == fields.TEXT:
        text = wf.TEXT(analyzer=analyzer, stored=field.stored, phrase=True, multitoken_query="phrase")
        text.format = CompactPositions(field_boost=text.format.field_boost)
        return text
    if field.kind in (fields.NAMES, fields.PLACES):
        return wf.TEXT(analyzer=name_analyzer(places=field.kind == fields.PLACES), stored=field.stored, phrase=False)
    if field.kind in (fields.ID, fields.DATE):
        kind = wf.ID if field.kind == fields.ID else wf.DATETIME
        made = kind(stored=field.stored, unique=field.unique, sortable=field.column)
        made.indexed = field.indexed  # Whoosh still writes the column and the stored value
        return made
    return wf.COLUMN(VarBytesColumn()) if field.column else wf.STORED()


def build_schema() -> wf.Schema:
    """The Whoosh schema of an article, derived from :data:`searchkit.fields.FIELDS`."""
    analyzer = vietnamese_analyzer()
    return wf.Schema(**{field.name: _whoosh_field(field, analyzer) for field in fields.FIELDS})


class _MemoryReader:
    """A read-only file over a memoryview: what Whoosh's pickled records are read from, without a copy."""

    def __init__(self, buffer: memoryview) -> None:
        self._buffer = buffer
        self._at = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buffer) if size is None or size < 0 else min(len(self._buffer), self._at + size)
        data = bytes(self._buffer[self._at : end])
        self._at = end
        return data

    def readline(self, size: int | None = -1) -> bytes:
        line = bytearray()
        while self._at < len(self._buffer) and (size is None or size < 0 or len(line) < size):
            byte = self._buffer[self._at]
            self._at += 1
            line.append(byte)
            if byte == 10:
                break
        return bytes(line)

    def seek(self, position: int, whence: int = 0) -> int:
        self._at = position + (self._at if whence == 1 else len(self._buffer) if whence == 2 else 0)
        return self._at

    def tell(self) -> int:
        return self._at

    def close(self) -> None:
        pass


class _MappedFile(BufferFile):
    """Whoosh's ``BufferFile`` over a memory map, minus the ``BytesIO`` copy of the whole file it makes.

    Whoosh's own mmap path wraps each mapped file in ``BytesIO``, which copies
    it: every reader of a 20,000-article index held 1.3 GB (the same bug is
    reported in Alfanous-team/alfanous#860).  Here reads slice the mapping:
    a term look-up is a few memory reads instead of a few system calls, and
    memory holds only the pages a search touches.
    """

    def __init__(self, buffer: memoryview, name: str | None = None, onclose: object = None) -> None:
        self._buf = buffer
        self._name = name
        self.file = _MemoryReader(buffer)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position: int, length: int, name: str | None = None) -> _MappedFile:
        return _MappedFile(self._buf[position : position + length], name=name or self._name)


class _MappedStorage(FileStorage):
    """File storage whose files are read through memory maps, without copies."""

    def open_file(self, name: str, **kwargs: object) -> BufferFile:
        with open(self._fpath(name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return _MappedFile(memoryview(mapped), name=name)


def _storage(index_dir: Path) -> FileStorage:
    """The index's files, read in place through memory maps (see :class:`_MappedFile`)."""
    return _MappedStorage(str(index_dir), supports_mmap=False)


def exists(index_dir: Path) -> bool:
    """True when ``index_dir`` holds a searchkit index (damaged or not: nothing is read)."""
    return index_dir.is_dir() and any(index_dir.glob(f"_{INDEX_NAME}_*.toc"))


def _format_of(index_dir: Path) -> str:
    try:
        return (index_dir / FORMAT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return "1"
    except (OSError, UnicodeDecodeError) as error:
        return f"unreadable ({error})"


def open_index(index_dir: Path) -> FileIndex:
    """Open an existing index for reading, with a clear error when it is missing, damaged or outdated."""
    if not exists(index_dir):
        raise IndexMissing(index_dir)
    found = _format_of(index_dir)
    if found != SCHEMA_VERSION:
        raise IndexProblem(
            f"the index at {index_dir} has format {found}, this searchkit reads format {SCHEMA_VERSION}; {REBUILD_HINT}"
        )
    try:
        ix = _storage(index_dir).open_index(indexname=INDEX_NAME)
        ix.doc_count()  # touches the table of contents and segment files
    except Exception as error:  # whoosh raises many kinds on a damaged index
        raise IndexProblem(
            f"the index at {index_dir} is damaged ({type(error).__name__}: {error}); {REBUILD_HINT}"
        ) from None
    return ix


def open_or_create(index_dir: Path, rebuild: bool = False) -> FileIndex:
    """Open the index for writing, creating it (and its folder) on first use.

    ``rebuild`` (``index --full``) starts a new, empty index over one that is
    damaged or of another format, which is what the error messages advise.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    if exists(index_dir):
        try:
            return open_index(index_dir)
        except IndexProblem:
            if not rebuild:
                raise
    ix = _storage(index_dir).create_index(build_schema(), indexname=INDEX_NAME)
    staging = index_dir / f"{FORMAT_FILE}.tmp"
    staging.write_text(f"{SCHEMA_VERSION}\n", encoding="utf-8")
    os.replace(staging, index_dir / FORMAT_FILE)
    return ix


def remove_residue(ix: FileIndex, index_dir: Path) -> None:
    """Delete what a failed or killed run left beside the committed index.

    Whoosh's temporary folder (``MAIN.tmp/``: job and run files), segment
    files no table of contents names, half-written tables of contents and
    searchkit's own staging files.  Only under the write lock: another
    writer's files would look the same.
    """
    shutil.rmtree(index_dir / f"{INDEX_NAME}.tmp", ignore_errors=True)
    toc = ix._read_toc()
    clean_files(ix.storage, INDEX_NAME, toc.generation, toc.segments)
    from searchkit.backend.postings import abandoned_staging  # numpy: only an index run gets here

    for pattern in (f"_{INDEX_NAME}_*.toc.*", "searchkit-*.tmp"):
        for staging in index_dir.glob(pattern):
            staging.unlink(missing_ok=True)
    for staging in abandoned_staging(index_dir):
        staging.unlink(missing_ok=True)


@contextmanager
def write_lock(index_dir: Path, wait: float = 0.0, on_wait: object = None) -> Iterator[None]:
    """Hold the index's single-writer lock, waiting up to ``wait`` seconds for it.

    filelock's ``FileLock``: an ``flock`` on a file in the index folder where
    the system has it (the kernel releases it when the holder dies, even by
    ``kill -9``, so a crashed run never blocks the next), a Windows lock on
    Windows, and filelock's own marker file where neither exists.  A native
    lock gets the holder's pid written into its file.  ``on_wait`` (a
    callable) is told once when another run holds the lock.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock, SoftFileLock, Timeout  # here: a search never locks, so never pays its import

    native = FileLock is not SoftFileLock
    lock = FileLock(index_dir / LOCK_FILE, on_acquired=_write_pid if native else None, poll_interval=0.1)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if wait <= 0:
            raise IndexBusy(index_dir, wait) from None
        if callable(on_wait):
            on_wait()
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise IndexBusy(index_dir, wait) from None
    try:
        yield
    finally:
        lock.release()


def _write_pid(fd: int) -> None:
    """Record the holder in the lock file, through the locked descriptor (which Windows requires)."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def index_size(index_dir: Path) -> int:
    """Bytes on disk of the index's files."""
    return sum(entry.stat().st_size for entry in index_dir.iterdir() if entry.is_file())


#: The parts of an index, by what Whoosh's segment files (inside each ``.seg``) or searchkit's own files end with.
INDEX_PARTS = {
    ".pst": "posting lists",
    ".trm": "term dictionary",
    "_stored.col": "stored fields",
    ".col": "per-document columns",
    ".skarrays": "array files (a cache)",
}


def index_parts(index_dir: Path) -> dict[str, int]:
    """Bytes on disk of each part of the index (:data:`INDEX_PARTS`, and "other"): where its size goes."""
    from whoosh.filedb.compound import CompoundStorage

    parts = dict.fromkeys([*INDEX_PARTS.values(), "other"], 0)
    storage = FileStorage(str(index_dir))

    def count(name: str, size: int) -> None:
        part = next((label for end, label in INDEX_PARTS.items() if name.endswith(end)), "other")
        parts[part] += size

    for entry in index_dir.iterdir():
        if not entry.is_file():
            continue
        if entry.suffix != ".seg":
            count(entry.name, entry.stat().st_size)
            continue
        segment_file = storage.open_file(entry.name)
        try:
            compound = CompoundStorage(segment_file, use_mmap=False)
            inner = {name: compound.file_length(name) for name in compound.list()}
        finally:
            segment_file.close()
        for name, size in inner.items():
            count(name, size)
        parts["other"] += entry.stat().st_size - sum(inner.values())  # the compound file's own directory
    return parts
