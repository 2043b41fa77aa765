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
import json
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from searchkit import fields
from searchkit.articles import Article
from searchkit.backend.postings import commit
from searchkit.backend.storage import open_or_create, remove_residue, write_lock
from searchkit.backend.writer import WorkerFailed, abandon, describe, open_writer
from searchkit.errors import IndexProblem
from searchkit.ingest import (
    DEFAULT_MAX_ARTICLE_BYTES,
    MB,
    Limits,
    SkippedFile,
    SourceFile,
    discover,
    read_articles,
    shown,
)

#: Remembers each file's hash after a successful run, to skip unchanged files
#: without parsing them.  Only a cache: the index itself is the truth.
MANIFEST_FILE = "searchkit-files.json"
#: Articles with more text than this (MB of UTF-8) are cut at a word boundary.
DEFAULT_MAX_ARTICLE_MB = DEFAULT_MAX_ARTICLE_BYTES / MB
WRITE_FAILED = "cannot write the index at {index}: {error}; the previous index is unchanged"


@dataclass
class IndexSummary:
    """What one ``index`` run did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Articles cut to the size limit: (file, message).
    truncated: list[tuple[str, str]] = field(default_factory=list)
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
        cut = f", {len(self.truncated)} truncated" if self.truncated else ""
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped{reasons}{cut} "
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


def document_fields(article: Article) -> dict[str, object]:
    """The Whoosh document of an article (see :func:`searchkit.fields.document`)."""
    return fields.document(article)


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
    """Write the manifest atomically: a crash leaves the old one or the new one.

    It is written after the commit, so failing to write it (disk full) must
    not fail the run: the old manifest is removed instead, and the next run
    compares articles by their content hashes in the index.
    """
    temporary = index_dir / (MANIFEST_FILE + ".tmp")
    try:
        temporary.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, index_dir / MANIFEST_FILE)
    except OSError:
        for stale in (temporary, index_dir / MANIFEST_FILE):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)


def _under(source: str, roots: Sequence[str]) -> bool:
    return any(source == root or source.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


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
    files: list[SourceFile] = []
    listed: set[str] = set()
    for src in discover(paths, on_skip=skip):
        if src.source not in listed:  # a file under two of the given paths is indexed once, as first listed
            listed.add(src.source)
            files.append(src)
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
    on_warning: Callable[[str, str], None] | None = None,
    max_article_mb: float = DEFAULT_MAX_ARTICLE_MB,
) -> IndexSummary:
    """Bring the index at ``index_dir`` up to date with the files under ``paths``.

    New articles are added, changed ones replaced (same id), unchanged ones
    skipped without analysis, and articles whose files are gone from under
    ``paths`` removed.  ``full`` rebuilds from scratch, still in one atomic
    commit.  A write failure (disk full, permissions) raises
    :class:`IndexProblem` and leaves the previous index as it was.

    A file, or a record of a JSON file, that cannot be read goes to
    ``on_skip(where, reason)``; an article over ``max_article_mb`` MB of
    text is cut there and goes to ``on_warning(file, message)``.
    """
    if not max_article_mb > 0:
        raise ValueError("max_article_mb must be more than 0")
    started = time.monotonic()
    summary = IndexSummary()

    def skip(path: str, reason: str) -> None:
        summary.skipped.append((path, reason))
        if on_skip:
            on_skip(path, reason)

    def warn(path: str, message: str) -> None:
        summary.truncated.append((path, message))
        if on_warning:
            on_warning(path, message)

    limits = Limits(max(1, int(max_article_mb * MB)), on_skip=skip, on_warning=warn)

    try:
        with write_lock(index_dir, wait=wait, on_wait=on_wait):
            ix = open_or_create(index_dir, rebuild=full)
            remove_residue(ix, index_dir)  # of a run that was killed
            plan = _plan([os.fspath(p) for p in paths], ix, index_dir, full, skip, summary, on_progress)
            if full or plan.to_prepare or _gone_sources(plan):
                _apply(ix, index_dir, plan, full, workers or os.cpu_count() or 1, summary, limits, on_progress)
                _save_manifest(index_dir, plan.manifest)
    except (OSError, WorkerFailed) as error:
        raise IndexProblem(WRITE_FAILED.format(index=index_dir, error=describe(error))) from None
    summary.elapsed = time.monotonic() - started
    return summary


def _apply(
    ix: object,
    index_dir: Path,
    plan: Plan,
    full: bool,
    workers: int,
    summary: IndexSummary,
    limits: Limits,
    on_progress: ProgressCallback | None,
) -> None:
    """Write the changes of ``plan`` in one commit; on any failure, undo everything but the previous index."""
    total = len(plan.to_prepare)
    writer = open_writer(ix, index_dir, workers, total)
    try:
        written: dict[str, str] = {}
        dropped: set[str] = set()
        for done, src in enumerate(plan.to_prepare):
            if on_progress:
                on_progress("analysing", done, total)
            skips_before = len(summary.skipped)
            try:
                articles = read_articles(src, limits)
            except SkippedFile as skipped:
                limits.on_skip(src.path, str(skipped))
            else:
                _write_file(writer, src, articles, plan, written, summary, limits.on_skip, dropped)
                if len(summary.skipped) == skips_before:  # else read (and reported) again next run
                    plan.manifest[src.source] = plan.hashes[src.source]
                summary.bytes_read += os.path.getsize(src.source)
        for article_id in dropped - written.keys():  # an id may have moved to another file
            writer.delete_by_term("id", article_id)
            summary.removed += 1
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
        commit(writer, replace_all=full)
    except BaseException:
        abandon(writer)
        with contextlib.suppress(Exception):
            remove_residue(ix, Path(ix.storage.folder))
        raise


def _write_file(
    writer: object,
    src: SourceFile,
    articles: list[Article],
    plan: Plan,
    written: dict[str, str],
    summary: IndexSummary,
    skip: Callable[[str, str], None],
    dropped: set[str],
) -> None:
    """Add or replace the articles of one file; add to ``dropped`` the ids it no longer holds.

    An article that moved here from another file is written again, so that
    its source names this file; ids dropped here are deleted only once every
    file is written (:func:`_apply`): another file may hold them now.
    """
    produced: set[str] = set()
    for article in articles:
        if article.id in written:
            skip(src.path, f"duplicate id {article.id!r} (also in {shown(written[article.id])})")
            continue
        written[article.id] = src.path
        produced.add(article.id)
        known = plan.indexed.get(article.id)
        if known is not None and known.content_hash == article.content_hash and known.source == src.source:
            summary.unchanged += 1
            continue
        fields = document_fields(article)
        if known is None:
            writer.add_document(**fields)  # type: ignore[attr-defined]
            summary.added += 1
        else:
            writer.update_document(**fields)  # type: ignore[attr-defined]
            summary.updated += 1
    dropped.update(plan.by_source.get(src.source, set()) - produced)
