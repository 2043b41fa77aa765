"""Faults that once lost data or left residue: disk full, failing writer processes, killed runs.

The disk-full tests run the installed ``searchkit`` command on a real, small
tmpfs (mounting needs root; elsewhere they are skipped with the reason).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchkit.errors import IndexProblem
from searchkit.indexer import index_paths
from searchkit.search import search, stats

from .conftest import SEED_MEETING, write_generated_articles

#: Free space left on the small filesystem before the run that cannot fit.
HEADROOM = 160 * 1024


def _files(index_dir: Path) -> set[str]:
    """Every file and folder under the index, relative: residue shows up here."""
    return {str(p.relative_to(index_dir)) for p in index_dir.rglob("*")}


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 4 MB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root and mount(8); the disk-full test cannot run here")
    mountpoint = Path(tempfile.mkdtemp(prefix="searchkit-disk-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)], capture_output=True)
    if mounted.returncode != 0:
        mountpoint.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False)
        with contextlib.suppress(OSError):
            mountpoint.rmdir()


def _fill(disk: Path, leave: int) -> Path:
    """A file that takes all of ``disk`` but ``leave`` bytes."""
    info = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(0, info.f_bavail * info.f_frsize - leave))
    return filler


@pytest.mark.parametrize("workers", ["1", "2"])
def test_disk_full_is_one_line_keeps_the_index_and_leaves_no_residue(
    small_disk: Path, seeds_copy: Path, tmp_path: Path, searchkit_exe: Path, workers: str
) -> None:
    index_dir = small_disk / "ix"
    command = [str(searchkit_exe), "index", str(seeds_copy), "--index", str(index_dir), "--workers", workers]
    subprocess.run(command, check=True, capture_output=True)
    before = _files(index_dir)
    write_generated_articles(seeds_copy / "more", 40)  # over MIN_FILES_FOR_WORKERS: real writer processes
    filler = _fill(small_disk, HEADROOM)

    failed = subprocess.run(command, capture_output=True, text=True)
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1, failed.stderr
    assert "Traceback" not in failed.stderr
    assert "No space left on device; the previous index is unchanged" in failed.stderr
    assert _files(index_dir) == before  # no MAIN.tmp/, no half-written segment
    assert stats(index_dir).articles == 2
    assert search(index_dir, "bo cong an").hits[0].id == SEED_MEETING

    filler.unlink()
    recovered = subprocess.run(command, capture_output=True, text=True)
    assert recovered.returncode == 0, recovered.stderr
    assert recovered.stdout.startswith("40 added, 0 updated, 0 removed, 2 unchanged")
    assert search(index_dir, '"ban tin so 17"').hits[0].id == "more/000/article-000017.txt"


def _fail_in_writer_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every forked writer process fail with ENOSPC when it finishes its segment."""
    from whoosh.writing import SegmentWriter

    parent = os.getpid()
    finalize = SegmentWriter._finalize_segment

    def failing(self: SegmentWriter) -> object:
        if os.getpid() != parent:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return finalize(self)

    monkeypatch.setattr(SegmentWriter, "_finalize_segment", failing)


def test_a_failing_writer_process_fails_the_run_without_traceback(
    seeds_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    before = _files(index_dir)
    write_generated_articles(seeds_copy / "more", 30)
    _fail_in_writer_processes(monkeypatch)

    with pytest.raises(IndexProblem, match="a writer process failed: No space left on device"):
        index_paths([seeds_copy], index_dir, workers=2)
    assert "Traceback" not in capfd.readouterr().err  # the processes' stderr, at the file descriptor
    assert _files(index_dir) == before
    assert stats(index_dir).articles == 2  # nothing committed, not even the other process's segment


def test_a_run_removes_the_residue_of_a_killed_run(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    before = _files(index_dir)
    residue = [
        index_dir / "MAIN.tmp" / "abc.doclist",
        index_dir / "MAIN_0ft66xndimtenfj5.pst",
        index_dir / "MAIN_0ft66xndimtenfj5._stored.col",
        index_dir / "_MAIN_2.toc.1700000000.5",
        index_dir / "searchkit-files.json.tmp",
    ]
    for path in residue:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 1000)
    (seeds_copy / "new.txt").write_text("Tin mới\n\nĐà Nẵng đón khách trở lại.", encoding="utf-8")
    result = index_paths([seeds_copy], index_dir, workers=1)
    assert result.added == 1
    assert not any(path.exists() for path in residue)
    assert not (index_dir / "MAIN.tmp").exists()
    assert stats(index_dir).articles == 3
    per_segment = (".seg", ".toc", ".skarrays")  # a new segment brings its own files
    assert {name for name in _files(index_dir) if not name.endswith(per_segment)} == {
        name for name in before if not name.endswith(per_segment)
    }


# ---------------------------------------------------------------- bad records, huge articles, odd names


def _index_cli(*args: str) -> object:
    from click.testing import CliRunner

    from searchkit.cli import cli

    return CliRunner().invoke(cli, ["index", *args])


def test_a_bad_record_is_one_line_its_neighbours_are_indexed_and_the_run_exits_1(
    tmp_path: Path, searchkit_exe: Path
) -> None:
    import json

    feed = tmp_path / "feeds" / "feed.jsonl"
    feed.parent.mkdir()
    good = [json.dumps({"id": f"r{n}", "title": f"Bản tin {n}", "body": "Đà Nẵng đón khách."}) for n in range(5)]
    feed.write_text("\n".join([*good[:3], '{"id": "r9", "body": {"p": 1}}', "{oops", *good[3:]]) + "\n")
    index_dir = tmp_path / "ix"
    done = subprocess.run(
        [searchkit_exe, "index", str(feed.parent), "--index", str(index_dir)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"skipped {feed}:4: wrong type (body is an object, not text)",
        f"skipped {feed}:5: invalid JSON line (column 2: Expecting property name enclosed in double quotes)",
    ]
    assert done.stdout.startswith(
        "5 added, 0 updated, 0 removed, 0 unchanged, 2 skipped (1 invalid JSON line, 1 wrong type)"
    )
    assert stats(index_dir).articles == 5
    again = _index_cli(str(feed.parent), "--index", str(index_dir))  # still reported until the file is fixed
    assert again.exit_code == 1
    assert "0 added, 0 updated, 0 removed, 5 unchanged, 2 skipped" in again.output


def test_max_article_mb_cuts_a_huge_article_with_one_warning(tmp_path: Path, searchkit_exe: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "huge.txt").write_text("Bài rất dài\n\n" + "Đà Nẵng đón khách. " * 3000 + "Yagi", encoding="utf-8")
    index_dir = tmp_path / "ix"
    command = [str(corpus), "--index", str(index_dir), "--max-article-mb", "0.01"]
    done = subprocess.run([searchkit_exe, "index", *command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (warning,) = done.stderr.splitlines()
    assert warning.startswith(f"warning: {corpus / 'huge.txt'}: article truncated to its first 0.01 MB of text")
    assert "(the file has 0.0" in warning
    assert ", 1 truncated in " in done.stdout
    assert search(index_dir, "da nang don khach").total == 1
    assert search(index_dir, "yagi").total == 0  # past the limit
    refused = _index_cli(*command[:-1], "0")
    assert refused.exit_code == 2 and "--max-article-mb" in refused.output


def test_file_names_with_control_characters_print_on_one_line(tmp_path: Path, searchkit_exe: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad\nname.txt").write_bytes(b"\xe9 not utf-8")
    (corpus / "tin\nmoi.txt").write_text("Tin mới\n\nCần Thơ khai mạc lễ hội bánh dân gian.", encoding="utf-8")
    index_dir = tmp_path / "ix"
    command = [searchkit_exe, "index", str(corpus), "--index", str(index_dir)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 1
    bad, good = repr(str(corpus / "bad\nname.txt")), repr(str(corpus / "tin\nmoi.txt"))
    assert done.stderr == f"skipped {bad}: not UTF-8 text (byte 0xe9 at offset 0)\n"
    found = subprocess.run(
        [searchkit_exe, "search", "can tho", "--index", str(index_dir)], capture_output=True, text=True
    )
    meta = found.stdout.splitlines()[3]
    assert f" · {good}  [score " in meta
