"""Whoosh's index writers, made to fail in one line and leave nothing behind.

Whoosh's multi-process writer (``MpWriter``) runs one ``SubWriterTask``
process per core.  As shipped, a task that fails (disk full) prints its
traceback on stderr and dies; the parent then blocks on a full job queue,
or commits the other tasks' segments without the failed one's documents.
:class:`GuardedWriter` catches a task's failure in the task, hands its
one-line reason to the parent, and refuses to commit when any task failed.
:func:`abandon` stops a failed writer; :func:`searchkit.backend.storage.remove_residue`
then removes the files it left.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
from pathlib import Path
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from searchkit import fields
from searchkit.backend.codec import CompactCodec
from searchkit.backend.postings import ArraysBeforeToc
from searchkit.backend.termpool import TermPool

#: Below this many files to index, writer processes cost more than they save.
MIN_FILES_FOR_WORKERS = 24
#: Memory for Whoosh's writer buffer, in MB (about twice this is used at peak).
WRITER_LIMIT_MB = 128
#: Documents per job sent to a writer process.  Whoosh queues up to 4 jobs per
#: process, so the "analysing" count runs at most about 5 x procs x this ahead
#: of the analysis; Whoosh's default of 100 let it reach the end while most of
#: a 3,000-file run was still to be analysed.
WRITER_BATCH = 10
#: Seconds between checks on the writer processes while the parent waits to hand them work.
POLL_SECONDS = 0.2


class WorkerFailed(Exception):
    """A writer process failed; the message is its one-line reason."""


def describe(error: BaseException) -> str:
    """One line for an error, in the words of the operating system when it has them."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}".rstrip(": ")


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """In a writer process: be killed when the indexing process (``parent``) dies.

    Without this a ``kill -9`` of ``searchkit index`` leaves Whoosh's writer
    processes running, still holding the index's locks they inherited.  It is
    set in the writer process itself, so no other fork of a host program is touched.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class _PostingsByTerm:
    """A writer's postings gathered term by term (:class:`TermPool`) and written a term at a time.

    Whoosh's ``SegmentWriter`` sorts every posting as a tuple and looks up a
    field length per posting when it writes them; this mixin replaces its
    pool and its ``_flush_segment``.  The files come out the same.
    """

    pool: TermPool

    def _use_term_pool(self: Any, limitmb: float) -> None:
        self.pool.cleanup()
        self.pool = TermPool(self._tempstorage, limitmb)

    def _flush_segment(self: Any) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader()
        try:
            count = reader.doc_count_all()

            def lengths_of(fieldname: str) -> list[int]:
                return [reader.doc_field_length(docnum, fieldname) or 0 for docnum in range(count)]

            self.fieldwriter.add_terms(self.schema, lengths_of, self.pool.terms())
            self.fieldwriter.close()
        finally:
            reader.close()


class TermPoolWriter(_PostingsByTerm, SegmentWriter):
    """Whoosh's single-process writer with :class:`_PostingsByTerm` (the one writer processes run too)."""

    def __init__(self, ix: Any, limitmb: float = WRITER_LIMIT_MB, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self._use_term_pool(limitmb)

    def add_document(self, **fields: Any) -> None:
        """Whoosh's ``add_document``, handing each field's postings to the pool at once."""
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"field {fieldname!r}: spelling fields and term vectors are not supported")
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    length = self.pool.add_field(fieldname, docnum, field.index(value), boost)
                    if not field.scorable:
                        length = 0
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


class _QuietTask(SubWriterTask):
    """A writer process that reports its failure to the parent instead of printing a traceback."""

    failures: Any = None  # a multiprocessing.Queue of one-line reasons, set by the parent
    parent: int = 0  # the indexing process, whose death ends this one

    def run(self) -> None:
        _die_with_parent(self.parent)
        try:
            self._work()
        except BaseException as error:  # every failure, Ctrl-C included, is reported
            with contextlib.suppress(Exception):
                self.failures.put(describe(error))
                self.failures.close()
                self.failures.join_thread()
            raise SystemExit(1) from None

    def _work(self) -> None:
        """Whoosh's ``SubWriterTask.run`` with a :class:`TermPoolWriter`, always one segment per process."""
        writer = self.writer = TermPoolWriter(self.storage.open_index(self.indexname), _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        fieldnames = writer.pool.fieldnames
        self.resultqueue.put((None, fieldnames, writer._finalize_segment()), timeout=5)


class _GuardedQueue:
    """The job queue as the parent sees it: a ``put`` never waits on processes that died."""

    def __init__(self, writer: GuardedWriter, jobs: Any) -> None:
        self.writer = writer
        self.jobs = jobs

    def put(self, item: object) -> None:
        while True:
            try:
                self.jobs.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                self.writer.raise_if_failed()


class GuardedWriter(_PostingsByTerm, MpWriter):
    """Whoosh's multi-process writer that fails as a whole when any of its processes fails.

    Each process writes its own segment (``multisegment``); the parent's own
    pool only gathers the segments a commit merges.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, multisegment=True, **kwargs)
        self._use_term_pool(kwargs.get("limitmb", WRITER_LIMIT_MB))
        self.failures: Any = multiprocessing.Queue()
        self.jobs = self.jobqueue
        self.jobqueue = _GuardedQueue(self, self.jobs)

    def _new_task(self) -> SubWriterTask:
        task = _QuietTask(self.storage, self.indexname, self.jobs, self.resultqueue, self.subargs, self.multisegment)
        task.failures = self.failures
        task.parent = os.getpid()
        self.tasks.append(task)
        task.start()
        return task

    def raise_if_failed(self) -> None:
        """Raise :class:`WorkerFailed` with the first failed process's reason, if one failed."""
        dead = [task for task in self.tasks if task.exitcode not in (None, 0)]
        if not dead:
            return
        try:
            reason = self.failures.get(timeout=POLL_SECONDS)
        except queue.Empty:
            code = dead[0].exitcode
            reason = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
        raise WorkerFailed(f"a writer process failed: {reason}")

    def _commit_toc(self, segments: Any) -> None:
        """Write the new table of contents only when every process delivered its segment."""
        self.raise_if_failed()
        super()._commit_toc(segments)

    def stop_tasks(self) -> None:
        """End the writer processes of a failed run, so none writes after the cleanup."""
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
            task.join()
        for channel in (self.jobs, self.resultqueue, self.failures):
            channel.cancel_join_thread()  # items nobody will read must not hold up exit
            channel.close()


class _ArraysGuardedWriter(ArraysBeforeToc, GuardedWriter):
    pass


class _ArraysSegmentWriter(ArraysBeforeToc, TermPoolWriter):
    pass


def open_writer(ix: Any, index_dir: Path, workers: int, files: int) -> Any:
    """The multi-process writer for large batches, Whoosh's plain writer for small ones.

    With ``procs`` Whoosh analyzes and writes postings in one process per
    core; ``multisegment`` keeps their segments instead of merging them at
    commit, which would cost as much again.  Either writes each new
    segment's posting arrays before the table of contents names it
    (:class:`searchkit.backend.postings.ArraysBeforeToc`).
    """
    if workers > 1 and files >= MIN_FILES_FOR_WORKERS:
        made: Any = _ArraysGuardedWriter(
            ix,
            procs=workers,
            limitmb=WRITER_LIMIT_MB,
            batchsize=WRITER_BATCH,
            codec=CompactCodec(),
        )
    else:
        made = _ArraysSegmentWriter(ix, limitmb=WRITER_LIMIT_MB, codec=CompactCodec())
    made.arrays_target = (index_dir, fields.text_fields())
    return made


def abandon(writer: Any) -> None:
    """Stop a writer whose run failed: its processes, its open files, its lock.

    Every step may fail again (the disk is still full); none may hide the
    error that brought us here, so each is tried on its own.
    """
    if isinstance(writer, GuardedWriter):
        with contextlib.suppress(Exception):
            writer.stop_tasks()
    with contextlib.suppress(Exception):
        writer.cancel()
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        with contextlib.suppress(Exception):
            lock.release()
