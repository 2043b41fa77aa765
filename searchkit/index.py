"""The on-disk index: its schema, opening it safely, and the single-writer lock.

Whoosh stays behind this module and :mod:`searchkit.search`: nothing else
imports it, so the engine could be replaced without touching the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, SoftFileLock, Timeout
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

from searchkit.analysis import vietnamese_analyzer
from searchkit.errors import IndexBusy, IndexMissing, IndexProblem

#: Searchable text fields, in order of weight in ranking.
TEXT_FIELDS = ("title", "captions", "body", "author")
#: Query-time weight of each text field: title over captions over body.
FIELD_BOOSTS = {"title": 3.0, "captions": 1.5, "body": 1.0, "author": 1.0}
#: Fields a query may name (``title:…``, ``date:…``).
QUERY_FIELDS = (*TEXT_FIELDS, "date", "year", "month", "id", "path")

INDEX_NAME = "MAIN"
LOCK_FILE = "searchkit.lock"
#: Bumped when the schema or analyzer changes in a way old indexes cannot follow.
SCHEMA_VERSION = "1"
#: Holds the SCHEMA_VERSION an index was written with (indexes older than the file are "1").
FORMAT_FILE = "searchkit-format"
REBUILD_HINT = "rebuild it with `searchkit index --full PATH...`"


def build_schema() -> Schema:
    """Whoosh schema of an article; columns (sortable) hold what reindexing compares."""
    analyzer = vietnamese_analyzer()

    def text() -> TEXT:
        return TEXT(analyzer=analyzer, stored=True, phrase=True, multitoken_query="phrase")

    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        path=ID(stored=True),
        source=ID(stored=True, sortable=True),
        title=text(),
        captions=text(),
        body=text(),
        author=text(),
        author_name=ID(stored=False, sortable=True),
        date=DATETIME(stored=True, sortable=True),
        date_text=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        month=ID(stored=True, sortable=True),
        url=STORED(),
        content_hash=ID(stored=True, sortable=True),
    )


def _storage(index_dir: Path) -> FileStorage:
    """Whoosh file storage that reads segment files in place instead of through mmap.

    With mmap, Whoosh wraps each file of a segment in a ``BytesIO`` over the
    mapping, which copies the whole file: every reader of a 20,000-article index
    held 1.3 GB and took 1.6 s to open (the same bug is reported in
    Alfanous-team/alfanous#860).  Plain reads keep a search at tens of MB, for
    about 12% more time per warm query (docs/benchmarks.md).
    """
    return FileStorage(str(index_dir), supports_mmap=False)


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
