"""Indexing as users expect it: honest progress, --watch on file events, a portable writer lock."""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchkit.backend.storage import write_lock
from searchkit.errors import IndexBusy
from searchkit.indexer import index_paths
from searchkit.search import search, stats

from .conftest import hears_ctrl_c, write_generated_articles


def _poll(condition, what: str, timeout: float = 60.0) -> None:
    """Wait until ``condition()`` is true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


# ---------------------------------------------------------------- progress


def test_progress_goes_through_the_phases_with_true_counts_and_is_never_full_before_the_end(
    seeds_copy: Path, tmp_path: Path
) -> None:
    write_generated_articles(seeds_copy / "more", 5)
    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    (seeds_copy / "more" / "000" / "article-000001.txt").unlink()
    (seeds_copy / "more" / "000" / "article-000002.txt").write_text("Tin sửa\n\nNội dung mới.", encoding="utf-8")
    (seeds_copy / "new.txt").write_text("Tin mới\n\nMột bài mới.", encoding="utf-8")
    events: list[tuple[str, int, int | None]] = []
    summary = index_paths([seeds_copy], index_dir, workers=1, on_progress=lambda *e: events.append(e))
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 1, 1, 5)

    phases = [phase for phase, _, _ in events]
    assert phases == sorted(phases, key=["reading", "analysing", "writing", "committing"].index)
    assert [e for e in events if e[0] == "reading"] == [("reading", n, 7) for n in range(7)]  # 7 files on disk
    assert [e for e in events if e[0] == "analysing"] == [("analysing", n, 2) for n in range(2)]  # 2 changed
    assert [e for e in events if e[0] == "writing"] == [("writing", 0, 1)]  # 1 file gone
    assert events[-1] == ("committing", 0, None)  # the commit reports nothing: indeterminate
    assert all(total is None or done < total for _, done, total in events)


def test_progress_bar_draws_each_phase_and_an_indeterminate_commit() -> None:
    from rich.console import Console

    from searchkit.console import progress_bar

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    with progress_bar(True, console=console) as update:
        assert update is not None
        update("reading", 3, 10)
        update("analysing", 4, 10)
        update("committing", 0, None)
    text = out.getvalue()
    assert "reading" in text and "3/10 files" in text
    assert "analysing" in text and "4/10 files" in text
    assert "committing" in text
    assert "10/10" not in text
    with progress_bar(False) as nothing:
        assert nothing is None


# ---------------------------------------------------------------- --watch


def test_watch_indexes_new_changed_and_removed_files_once_per_burst(
    seeds_copy: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    index_dir = tmp_path / "ix"
    watcher = subprocess.Popen(
        [searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir), "--watch", "--debounce", "0.3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=hears_ctrl_c,
    )
    runs: list[str] = []  # the summary line of each run, as it is printed
    reader = threading.Thread(target=lambda: runs.extend(watcher.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()

    def printed(text: str) -> bool:
        return any(text in line for line in runs)

    try:
        _poll(lambda: len(runs) == 1, "the first run")
        # A file written right after the first run, and a burst of five: picked up, in few runs.
        (seeds_copy / "late.txt").write_text("Tin muộn\n\nCần Thơ khai mạc lễ hội bánh dân gian.", encoding="utf-8")
        write_generated_articles(seeds_copy / "burst", 5)
        _poll(lambda: sum(int(line.split()[0]) for line in runs) == 8, "the new files indexed")
        assert stats(index_dir).articles == 8
        assert search(index_dir, "can tho banh dan gian").hits[0].id == "late.txt"
        (seeds_copy / "late.txt").write_text("Tin muộn\n\nHuế khai mạc festival nghề truyền thống.", encoding="utf-8")
        _poll(lambda: printed(" 1 updated,"), "the changed file indexed")
        assert search(index_dir, '"festival nghe truyen thong"').hits[0].id == "late.txt"
        (seeds_copy / "late.txt").unlink()
        _poll(lambda: printed(" 1 removed,"), "the removed file taken out")
        assert stats(index_dir).articles == 7
    finally:
        watcher.send_signal(signal.SIGINT)
        _, err = watcher.communicate(timeout=60)
        reader.join(timeout=10)
    assert watcher.returncode == 0, err
    assert "Traceback" not in err and "stopped watching" in err
    assert runs[0].startswith("2 added")
    assert len(runs) <= 6, runs  # first run, new files (one or two runs: debounced), change, removal


# ---------------------------------------------------------------- the writer lock


def _hold_lock(index_dir: Path, *prelude: str) -> subprocess.Popen:
    """A process that takes the writer lock, says so, and keeps it until killed."""
    code = "\n".join(
        [
            *prelude,
            "import sys, time",
            "from pathlib import Path",
            "from searchkit.backend.storage import write_lock",
            f"with write_lock(Path({str(index_dir)!r})):",
            "    print('held', flush=True)",
            "    sys.stdin.read()",
        ]
    )
    holder = subprocess.Popen(
        [sys.executable, "-W", "ignore", "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_the_lock_is_held_across_processes_and_freed_by_kill_9(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    holder = _hold_lock(index_dir)
    try:
        assert (index_dir / "searchkit.lock").read_text().strip() == str(holder.pid)
        told: list[bool] = []
        started = time.monotonic()
        with (
            pytest.raises(IndexBusy, match=r"after waiting 0\.3s"),
            write_lock(index_dir, 0.3, lambda: told.append(True)),
        ):
            pass
        assert told == [True] and time.monotonic() - started >= 0.3
        with pytest.raises(IndexBusy), write_lock(index_dir):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        with write_lock(index_dir, wait=5):  # the kernel released it
            assert (index_dir / "searchkit.lock").read_text().strip() == str(os.getpid())
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_searchkit_imports_and_locks_where_fcntl_is_missing(tmp_path: Path) -> None:
    no_fcntl = "import sys; sys.modules['fcntl'] = None  # as on a platform without it"
    holder = _hold_lock(tmp_path / "ix", no_fcntl, "import searchkit.search")
    try:
        code = "\n".join(
            [
                no_fcntl,
                "from pathlib import Path",
                "from searchkit.errors import IndexBusy",
                "from searchkit.backend.storage import write_lock",
                "try:",
                f"    with write_lock(Path({str(tmp_path / 'ix')!r})): print('got it')",
                "except IndexBusy: print('busy')",
            ]
        )
        second = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True)
        assert second.stdout == "busy\n", second.stderr
    finally:
        holder.stdin.close()  # type: ignore[union-attr]
        holder.wait(timeout=30)
    assert holder.returncode == 0


def test_watch_filter_keeps_articles_and_named_files_and_ignores_the_index(tmp_path: Path) -> None:
    from watchfiles import Change

    from searchkit.console import WatchedFiles

    notes = tmp_path / "notes.md"
    notes.write_text("Ghi chú", encoding="utf-8")
    keep = WatchedFiles([str(tmp_path / "news"), str(notes)], tmp_path / "news" / "index")
    assert keep(Change.added, str(tmp_path / "news" / "a.txt"))
    assert keep(Change.modified, str(tmp_path / "news" / "feed.JSONL"))
    assert keep(Change.deleted, str(tmp_path / "news" / "2024"))  # a folder gone: its articles go
    assert keep(Change.modified, str(notes))  # named on the command line, read whatever its suffix
    assert not keep(Change.added, str(tmp_path / "news" / "photo.jpg"))
    assert not keep(Change.added, str(tmp_path / "news" / ".a.txt.swp"))
    assert not keep(Change.modified, str(tmp_path / "news" / "index" / "searchkit-files.json"))
