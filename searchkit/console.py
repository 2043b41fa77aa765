"""The terminal side of indexing: progress bar, skipped-file lines, summary, ``--watch`` loop."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from searchkit.indexer import DEFAULT_MAX_ARTICLE_MB, IndexSummary, ProgressCallback, index_paths
from searchkit.ingest import discover, shown

WAITING = "another `searchkit index` run holds {index}; waiting up to {wait:g}s…"


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on a terminal; nothing when output is piped or quiet."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("index", total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

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
    """One indexing run with the terminal's progress bar and summary line."""

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
    if not quiet:
        click.echo(summary.line())
    return summary


def _snapshot(paths: list[str]) -> dict[str, tuple[int, int]]:
    """Modification time and size of every file to index: cheap change detection."""
    state = {}
    for src in discover(paths):
        try:
            info = os.stat(src.source)
        except OSError:
            continue
        state[src.source] = (info.st_mtime_ns, info.st_size)
    return state


def watch_paths(
    paths: list[str],
    index_dir: Path,
    *,
    workers: int | None = None,
    wait: float = 0.0,
    quiet: bool = False,
    interval: float = 2.0,
    max_article_mb: float = DEFAULT_MAX_ARTICLE_MB,
) -> None:
    """Index now, then again whenever a file appears, changes or goes, until Ctrl-C.

    An interrupted run cancels its writer, so the index stays as the last
    completed run left it.
    """
    if not quiet:
        click.echo(f"watching {', '.join(paths)} (Ctrl-C to stop)", err=True)
    previous: dict[str, tuple[int, int]] | None = None
    try:
        while True:
            current = _snapshot(paths)
            if current != previous:
                run_index(
                    paths,
                    index_dir,
                    workers=workers,
                    wait=max(wait, interval),
                    quiet=quiet,
                    max_article_mb=max_article_mb,
                )
                previous = current
            time.sleep(interval)
    except KeyboardInterrupt:
        if not quiet:
            click.echo("stopped watching; the index is up to date with the last completed run", err=True)
