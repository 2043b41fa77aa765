"""Incremental indexing: compare the files with the index, analyze what changed, commit once.

This process hashes and parses the files (cheap); analysis (pyvi's
segmentation, the costly step) and posting writing run in Whoosh's own
writer processes, one per core, fed through a bounded queue so memory stays
flat on any corpus size.  All changes go into one Whoosh commit, which
replaces the table of contents atomically: a crash at any moment leaves the
previous index as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.writing import CLEAR

from searchkit.articles import Article
from searchkit.errors import IndexProblem
from searchkit.index import open_or_create, write_lock
from searchkit.ingest import SkippedFile, SourceFile, discover, read_articles

#: Remembers each file's hash after a successful run, to skip unchanged files
#: without parsing them.  Only a cache: the index itself is the truth.
MANIFEST_FILE = "searchkit-files.json"
#: Below this many files to index, writer processes cost more than they save.
MIN_FILES_FOR_WORKERS = 24
WRITE_FAILED = "cannot write the index at {index}: {error}; the previous index is unchanged"
#: Memory for Whoosh's writer buffer, in MB (about twice this is used at peak).
WRITER_LIMIT_MB = 128
#: Documents per job sent to a writer process.  Whoosh queues up to 4 jobs per
#: process, so the "analysing" count runs at most about 5 x procs x this ahead
#: of the analysis; Whoosh's default of 100 let it reach the end while most of
#: a 3,000-file run was still to be analysed.
WRITER_BATCH = 10


@dataclass
class IndexSummary:
    """What one ``index`` run did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0
    bytes_read: int = 0

    @property
    def written(self) -> int:
        return self.added + self.updated

    def line(self) -> str:
        """The one summary line ``searchkit index`` prints, skip reasons counted by kind."""
        rate = self.written / self.elapsed if self.elapsed > 0 else 0.0
        kinds = Counter(re.split(r" \(| at | on |:", reason, maxsplit=1)[0] for _, reason in self.skipped)
        reasons = " (" + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) + ")" if kinds else ""
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped{reasons} "
            f"in {self.elapsed:.1f}s ({rate:.1f} articles/s)"
        )


@dataclass
class IndexedArticle:
    """What the index already holds of an article, read from its columns."""

    source: str
    content_hash: str


#: Told ``(phase, done, total)`` as a run goes: "reading" (files hashed), "analysing" (files parsed
#: and handed to the analyzer), "writing" (removals), then "committing" with ``total`` None, since
#: Whoosh's commit (the writer processes finishing their queue, the merge) reports nothing.
ProgressCallback = Callable[[str, int, "int | None"], None]


def _text_fields(article: Article) -> dict[str, str]:
    return {
        "title": article.title,
        "captions": "\n".join(article.captions),
        "body": article.body,
        "author": article.author,
    }


def document_fields(article: Article) -> dict[str, object]:
    """The Whoosh document of an article."""
    doc: dict[str, object] = {
        "id": article.id,
        "path": article.path,
        "source": article.source,
        "author_name": article.author,
        "url": article.url,
        "content_hash": article.content_hash,
    }
    doc.update(_text_fields(article))
    # Sortable columns get a value on every document, "" when undated: Whoosh's
    # variable-length column reader fails on a segment whose last documents lack one.
    doc["date_text"] = doc["year"] = doc["month"] = ""
    if article.date is not None:
        doc["date"] = article.date.value
        doc["date_text"] = article.date.iso
        doc["year"] = f"{article.date.year:04d}"
        doc["month"] = f"{article.date.year:04d}-{article.date.month:02d}"
    return doc


def read_indexed(ix: object) -> dict[str, IndexedArticle]:
    """id → (source, content hash) of every live article, from the index's columns."""
    indexed: dict[str, IndexedArticle] = {}
    with ix.reader() as reader:  # type: ignore[attr-defined]
        if reader.doc_count_all() == 0:
            return indexed
        ids = reader.column_reader("id")
        sources = reader.column_reader("source")
        hashes = reader.column_reader("content_hash")
        for docnum in reader.all_doc_ids():
            indexed[ids[docnum]] = IndexedArticle(sources[docnum], hashes[docnum])
    return indexed


def _load_manifest(index_dir: Path) -> dict[str, str]:
    try:
        data = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_manifest(index_dir: Path, manifest: dict[str, str]) -> None:
    """Write the manifest atomically: a crash leaves the old one or the new one."""
    temporary = index_dir / (MANIFEST_FILE + ".tmp")
    temporary.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, index_dir / MANIFEST_FILE)


def _under(source: str, roots: Sequence[str]) -> bool:
    return any(source == root or source.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _read_all(files: Sequence[SourceFile]) -> Iterator[tuple[SourceFile, list[Article] | SkippedFile]]:
    """Each file's articles, or the reason it is skipped, in order."""
    for src in files:
        try:
            yield src, read_articles(src)
        except SkippedFile as skipped:
            yield src, skipped


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_children_die_with_parent = False


def _die_with_parent() -> None:
    """In a forked writer process: be killed when the indexing process dies.

    Without this a ``kill -9`` of ``searchkit index`` leaves Whoosh's writer
    processes running, still holding the index's locks they inherited.
    """
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _open_writer(ix: object, workers: int, files: int) -> object:
    """Whoosh's multi-process writer for large batches, its plain writer for small ones.

    With ``procs`` Whoosh analyzes and writes postings in one process per
    core; ``multisegment`` keeps their segments instead of merging them at
    commit, which would cost as much again.
    """
    global _children_die_with_parent
    if workers > 1 and files >= MIN_FILES_FOR_WORKERS:
        if not _children_die_with_parent and sys.platform.startswith("linux"):
            os.register_at_fork(after_in_child=_die_with_parent)
            _children_die_with_parent = True
        return ix.writer(  # type: ignore[attr-defined]
            procs=workers, multisegment=True, limitmb=WRITER_LIMIT_MB, batchsize=WRITER_BATCH
        )
    return ix.writer(limitmb=WRITER_LIMIT_MB)  # type: ignore[attr-defined]


@dataclass
class Plan:
    """What an index run must do, decided before any file is parsed."""

    roots: list[str]
    seen: set[str]
    to_prepare: list[SourceFile]
    hashes: dict[str, str]
    indexed: dict[str, IndexedArticle]
    by_source: dict[str, set[str]]
    manifest: dict[str, str]


def _plan(
    paths: list[str],
    ix: object,
    index_dir: Path,
    full: bool,
    skip: Callable[[str, str], None],
    summary: IndexSummary,
    on_progress: ProgressCallback | None = None,
) -> Plan:
    """Hash every file and keep those whose bytes differ from the last successful run."""
    indexed = {} if full else read_indexed(ix)
    by_source: dict[str, set[str]] = defaultdict(set)
    for article_id, known in indexed.items():
        by_source[known.source].add(article_id)
    old_manifest = {} if full else _load_manifest(index_dir)
    manifest = {source: digest for source, digest in old_manifest.items() if source in by_source}
    files = list(discover(paths, on_skip=skip))
    to_prepare: list[SourceFile] = []
    hashes: dict[str, str] = {}
    for number, src in enumerate(files, start=1):
        if on_progress:
            on_progress("reading", number - 1, len(files))
        try:
            hashes[src.source] = src.file_hash()
        except OSError as error:
            skip(src.path, f"cannot read: {error.strerror or error}")
            continue
        if manifest.get(src.source) == hashes[src.source] and src.source in by_source:
            summary.unchanged += len(by_source[src.source])
        else:
            to_prepare.append(src)
    roots = [os.path.abspath(p) for p in paths]
    return Plan(roots, {src.source for src in files}, to_prepare, hashes, indexed, by_source, manifest)


def _gone_sources(plan: Plan) -> list[str]:
    """Indexed files under the roots being indexed that are no longer there."""
    return [s for s in plan.by_source if s not in plan.seen and _under(s, plan.roots)]


def index_paths(
    paths: Iterable[str | os.PathLike[str]],
    index_dir: Path,
    *,
    full: bool = False,
    workers: int | None = None,
    wait: float = 0.0,
    on_wait: Callable[[], None] | None = None,
    on_progress: ProgressCallback | None = None,
    on_skip: Callable[[str, str], None] | None = None,
) -> IndexSummary:
    """Bring the index at ``index_dir`` up to date with the files under ``paths``.

    New articles are added, changed ones replaced (same id), unchanged ones
    skipped without analysis, and articles whose files are gone from under
    ``paths`` removed.  ``full`` rebuilds from scratch, still in one atomic
    commit.  A write failure (disk full, permissions) raises
    :class:`IndexProblem` and leaves the previous index as it was.
    """
    started = time.monotonic()
    summary = IndexSummary()

    def skip(path: str, reason: str) -> None:
        summary.skipped.append((path, reason))
        if on_skip:
            on_skip(path, reason)

    try:
        with write_lock(index_dir, wait=wait, on_wait=on_wait):
            ix = open_or_create(index_dir, rebuild=full)
            plan = _plan([os.fspath(p) for p in paths], ix, index_dir, full, skip, summary, on_progress)
            if full or plan.to_prepare or _gone_sources(plan):
                _apply(ix, plan, full, workers or os.cpu_count() or 1, summary, skip, on_progress)
                _save_manifest(index_dir, plan.manifest)
    except OSError as error:
        raise IndexProblem(WRITE_FAILED.format(index=index_dir, error=error.strerror or error)) from None
    summary.elapsed = time.monotonic() - started
    return summary


def _apply(
    ix: object,
    plan: Plan,
    full: bool,
    workers: int,
    summary: IndexSummary,
    skip: Callable[[str, str], None],
    on_progress: ProgressCallback | None,
) -> None:
    """Write the changes of ``plan`` in one commit; cancel everything on any failure."""
    total = len(plan.to_prepare)
    writer = _open_writer(ix, workers, total)
    try:
        written: dict[str, str] = {}
        for done, (src, result) in enumerate(_read_all(plan.to_prepare)):
            if on_progress:
                on_progress("analysing", done, total)
            if isinstance(result, SkippedFile):
                skip(src.path, str(result))
            else:
                _write_file(writer, src, result, plan, written, summary, skip)
                plan.manifest[src.source] = plan.hashes[src.source]
                summary.bytes_read += os.path.getsize(src.source)
        gone_sources = _gone_sources(plan)
        for number, source in enumerate(gone_sources):
            if on_progress:
                on_progress("writing", number, len(gone_sources))
            gone = plan.by_source[source] - written.keys()  # an id may have moved to another file
            for article_id in gone:
                writer.delete_by_term("id", article_id)
            summary.removed += len(gone)
            plan.manifest.pop(source, None)
        if on_progress:
            on_progress("committing", 0, None)
        writer.commit(mergetype=CLEAR) if full else writer.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


def _write_file(
    writer: object,
    src: SourceFile,
    articles: list[Article],
    plan: Plan,
    written: dict[str, str],
    summary: IndexSummary,
    skip: Callable[[str, str], None],
) -> None:
    """Add or replace the articles of one file; drop its records that disappeared."""
    produced: set[str] = set()
    for article in articles:
        if article.id in written:
            skip(src.path, f"duplicate id {article.id!r} (also in {written[article.id]})")
            continue
        written[article.id] = src.path
        produced.add(article.id)
        known = plan.indexed.get(article.id)
        if known is not None and known.content_hash == article.content_hash:
            summary.unchanged += 1
            continue
        fields = document_fields(article)
        if known is None:
            writer.add_document(**fields)  # type: ignore[attr-defined]
            summary.added += 1
        else:
            writer.update_document(**fields)  # type: ignore[attr-defined]
            summary.updated += 1
    for stale in plan.by_source.get(src.source, set()) - produced:
        writer.delete_by_term("id", stale)  # type: ignore[attr-defined]
        summary.removed += 1
