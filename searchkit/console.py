"""The terminal side of indexing: progress bar, skipped-file lines, summary, ``--watch`` loop."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from searchkit.indexer import DEFAULT_MAX_ARTICLE_MB, IndexSummary, ProgressCallback, index_paths
from searchkit.ingest import SUPPORTED_SUFFIXES, shown

if TYPE_CHECKING:
    from rich.console import Console

WAITING = "another `searchkit index` run holds {index}; waiting up to {wait:g}s…"
#: How often the watcher wakes without events (to start the first run once it is live).
WATCH_TICK_MS = 500
#: What the count of each phase counts (see :data:`searchkit.indexer.ProgressCallback`).
PHASE_UNITS = {"reading": "files", "analysing": "files", "writing": "removals"}


@contextmanager
def progress_bar(enabled: bool, console: Console | None = None) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on a terminal, one phase at a time; nothing when output is piped or quiet.

    Each phase shows its own true count (files read, files analysed,
    removals written) and the time spent; the commit, which Whoosh does not
    report, shows as an indeterminate "committing" bar, so the bar is never
    full before the run ends.
    """
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        current: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int | None) -> None:
            count = f"{done}/{total} {PHASE_UNITS.get(phase, '')}".rstrip() if total is not None else ""
            if phase not in current:  # a bar per phase, drawn at once; the last one's total may be unknown
                for task in current.values():
                    progress.update(task, visible=False)
                current[phase] = progress.add_task(phase, total=total, completed=done, count=count)
                progress.refresh()
            progress.update(current[phase], completed=done, count=count)

        yield update


def run_index(
    paths: list[str],
    index_dir: Path,
    *,
    full: bool = False,
    workers: int | None = None,
    wait: float = 0.0,
    quiet: bool = False,
    max_article_mb: float = DEFAULT_MAX_ARTICLE_MB,
) -> IndexSummary:
    """One indexing run with the terminal's progress bar; the caller prints ``summary.line()``."""

    def on_skip(path: str, reason: str) -> None:
        click.echo(f"skipped {shown(path)}: {reason}", err=True)

    def on_warning(path: str, message: str) -> None:
        click.echo(f"warning: {shown(path)}: {message}", err=True)

    def on_wait() -> None:
        if not quiet:
            click.echo(WAITING.format(index=index_dir, wait=wait), err=True)

    with progress_bar(not quiet and sys.stdout.isatty()) as on_progress:
        summary = index_paths(
            paths,
            index_dir,
            full=full,
            workers=workers,
            wait=wait,
            on_wait=on_wait,
            on_progress=on_progress,
            on_skip=on_skip,
            on_warning=on_warning,
            max_article_mb=max_article_mb,
        )
    return summary


class WatchedFiles:
    """watchfiles' filter: changes to the files ``index`` reads (or to folders), not to the index itself.

    A file named on the command line counts whatever its suffix, as ``index`` reads it.
    """

    def __init__(self, paths: list[str], index_dir: Path) -> None:
        self.named = {os.path.abspath(path) for path in paths if os.path.isfile(path)}
        self.index_dir = os.path.abspath(index_dir)

    def __call__(self, change: object, path: str) -> bool:
        if path in self.named:
            return True
        if path == self.index_dir or path.startswith(self.index_dir + os.sep):
            return False
        name = os.path.basename(path)
        suffix = Path(name).suffix.lower()
        return not name.startswith(".") and (suffix in SUPPORTED_SUFFIXES or not suffix)


def watch_paths(
    paths: list[str],
    index_dir: Path,
    *,
    workers: int | None = None,
    wait: float = 0.0,
    quiet: bool = False,
    debounce: float = 0.5,
    max_article_mb: float = DEFAULT_MAX_ARTICLE_MB,
) -> None:
    """Index now, then again whenever files appear, change or go, until Ctrl-C.

    watchfiles reports the file system's events; a burst of them (a scraper
    writing a folder) becomes one run once no event came for ``debounce``
    seconds.  The watch starts before the first run, so a file written during
    a run is picked up by the next.  An interrupted run cancels its writer, so
    the index stays as the last completed run left it.
    """
    from watchfiles import watch

    if not quiet:
        click.echo(f"watching {', '.join(paths)} (Ctrl-C to stop)", err=True)
    step = max(1, round(debounce * 1000))
    pending = True  # the first run, once the watcher is live
    try:
        for changes in watch(
            *paths,
            watch_filter=WatchedFiles(paths, index_dir),
            step=step,
            debounce=max(1600, 4 * step),
            rust_timeout=WATCH_TICK_MS,
            yield_on_timeout=True,
        ):
            if pending or changes:
                summary = run_index(
                    paths,
                    index_dir,
                    workers=workers,
                    wait=max(wait, debounce),
                    quiet=quiet,
                    max_article_mb=max_article_mb,
                )
                if not quiet:
                    click.echo(summary.line())
                pending = False
    except KeyboardInterrupt:
        if not quiet:
            click.echo("stopped watching; the index is up to date with the last completed run", err=True)
