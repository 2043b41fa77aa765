"""Reindexing: incremental counts, removals, --full, and safety with real processes.

The crash, concurrency and disk-full tests start the installed ``searchkit``
command as real processes: no mocks stand between them and the index.
"""

import json
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from searchkit.indexer import index_paths
from searchkit.search import search, stats

from .conftest import SEED_ENGINEERS, SEED_MEETING, hears_ctrl_c, write_generated_articles


def test_edit_one_seed_add_one_file(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    write_generated_articles(seeds_copy / "more", 3)
    first = index_paths([seeds_copy], index_dir, workers=1)
    assert (first.added, first.updated, first.removed, first.unchanged) == (5, 0, 0, 0)

    meeting = seeds_copy / SEED_MEETING
    meeting.write_text(meeting.read_text(encoding="utf-8") + "\n\nBổ sung: tin cập nhật.", encoding="utf-8")
    (seeds_copy / "new.txt").write_text("Tin mới\n\nĐà Nẵng đón khách trở lại.", encoding="utf-8")
    second = index_paths([seeds_copy], index_dir, workers=1)
    assert second.line().startswith("1 added, 1 updated, 0 removed, 4 unchanged, 0 skipped")
    assert stats(index_dir).articles == 6
    assert search(index_dir, "bo sung tin cap nhat").hits[0].id == SEED_MEETING
    assert search(index_dir, "da nang").hits[0].id == "new.txt"


def test_unchanged_run_writes_nothing(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    before = sorted(p.name for p in index_dir.iterdir())
    again = index_paths([seeds_copy], index_dir, workers=1)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 2)
    assert sorted(p.name for p in index_dir.iterdir()) == before


def test_touched_file_with_same_content_is_unchanged(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    meeting = seeds_copy / SEED_MEETING
    meeting.write_bytes(meeting.read_bytes() + b"\n")  # bytes differ, article does not
    again = index_paths([seeds_copy], index_dir, workers=1)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_removed_files_are_removed_only_under_the_indexed_roots(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    other = tmp_path / "other"
    write_generated_articles(other, 2)
    index_paths([seeds_copy, other], index_dir, workers=1)
    (seeds_copy / SEED_ENGINEERS).unlink()
    result = index_paths([seeds_copy], index_dir, workers=1)  # "other" is not being indexed now
    assert (result.removed, result.unchanged) == (1, 1)
    assert stats(index_dir).articles == 3
    assert SEED_ENGINEERS not in [hit.id for hit in search(index_dir, "Trần Trung Hòa").hits]


def test_a_fresh_process_searches_an_index_whose_newest_segment_has_removed_articles(
    seeds_copy: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    """The start-up check of Whoosh's posting layout reads the newest segment's raw lists."""
    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    news = seeds_copy / "news"
    news.mkdir()
    others = [
        "Giá vé máy bay giảm mạnh trong tháng này.",
        "Các khách sạn ven biển kín phòng dịp cuối tuần.",
        "Nhiều lễ hội được tổ chức dọc sông Hàn.",
        "Ngành du lịch đặt mục tiêu một triệu lượt khách quốc tế.",
    ]
    for name, other in zip("abcd", others, strict=True):
        (news / f"{name}.txt").write_text(f"Tin {name}\n\nĐà Nẵng đón khách trở lại. {other}", encoding="utf-8")
    assert index_paths([seeds_copy], index_dir, workers=1).added == 4
    (news / "a.txt").unlink()
    assert index_paths([seeds_copy], index_dir, workers=1).removed == 1

    result = subprocess.run(
        [searchkit_exe, "search", "da nang don khach", "--index", str(index_dir), "--json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    found = [hit["id"] for hit in json.loads(result.stdout)["hits"]]
    assert sorted(hit for hit in found if hit.startswith("news/")) == [
        "news/b.txt",
        "news/c.txt",
        "news/d.txt",
    ]


@pytest.mark.parametrize("destination", ["a.jsonl", "z.jsonl"])  # read before and after the file it left
def test_a_record_moved_to_another_file_is_kept_through_later_runs(tmp_path: Path, destination: str) -> None:
    def record(article_id: str, body: str) -> str:
        return json.dumps({"id": article_id, "title": f"Tin {article_id}", "body": body}, ensure_ascii=False)

    folder, index_dir = tmp_path / "feeds", tmp_path / "ix"
    folder.mkdir()
    moved = record("r2", "Đà Nẵng đón khách trở lại sau mùa mưa bão.")
    (folder / destination).write_text(record("r1", "Hà Nội khai mạc hội chợ sách mùa thu.") + "\n", encoding="utf-8")
    (folder / "m.jsonl").write_text(moved + "\n", encoding="utf-8")
    index_paths([folder], index_dir, workers=1)

    with (folder / destination).open("a", encoding="utf-8") as out:
        out.write(moved + "\n")  # the same record, word for word, now in another file
    (folder / "m.jsonl").write_text(record("r3", "Cần Thơ mở lại chợ nổi Cái Răng.") + "\n", encoding="utf-8")
    moved_run = index_paths([folder], index_dir, workers=1)
    assert (moved_run.added, moved_run.updated, moved_run.removed) == (1, 1, 0)
    assert [hit.id for hit in search(index_dir, "da nang don khach").hits] == ["r2"]

    changed = record("r3", "Cần Thơ mở lại chợ nổi Cái Răng từ tuần sau.")
    (folder / "m.jsonl").write_text(changed + "\n", encoding="utf-8")
    later = index_paths([folder], index_dir, workers=1)  # the file r2 left changes again
    assert (later.updated, later.removed) == (1, 0)
    assert [hit.id for hit in search(index_dir, "da nang don khach").hits] == ["r2"]
    assert stats(index_dir).articles == 3


def test_full_rebuild(seeds_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    result = index_paths([seeds_copy], index_dir, full=True, workers=1)
    assert (result.added, result.updated, result.unchanged) == (2, 0, 0)
    assert stats(index_dir).articles == 2


@pytest.mark.parametrize("damage", ["segments", "table of contents", "format"])
def test_full_rebuild_repairs_what_the_error_tells_the_user_to_repair(
    seeds_copy: Path, tmp_path: Path, damage: str
) -> None:
    from searchkit.backend.storage import FORMAT_FILE
    from searchkit.errors import IndexProblem

    index_dir = tmp_path / "ix"
    index_paths([seeds_copy], index_dir, workers=1)
    if damage == "segments":
        for segment in index_dir.glob("*.seg"):
            segment.write_bytes(b"garbage")
    elif damage == "table of contents":
        for toc in index_dir.glob("_MAIN_*.toc"):
            toc.write_bytes(bytes(range(256)))
    else:
        (index_dir / FORMAT_FILE).write_text("0\n")
    with pytest.raises(IndexProblem, match="searchkit index --full"):
        search(index_dir, "bo cong an")
    before = {path.name: path.read_bytes() for path in index_dir.iterdir() if path.name != "searchkit.lock"}
    with pytest.raises(IndexProblem, match="searchkit index --full"):
        index_paths([seeds_copy], index_dir, workers=1)
    assert {path.name: path.read_bytes() for path in index_dir.iterdir() if path.name != "searchkit.lock"} == before
    summary = index_paths([seeds_copy], index_dir, full=True, workers=1)
    assert summary.added == 2
    assert search(index_dir, "bo cong an").hits[0].id == SEED_MEETING
    assert stats(index_dir).articles == 2


def test_parallel_workers_give_the_same_index_as_one(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_generated_articles(corpus, 60)
    one = index_paths([corpus], tmp_path / "one", workers=1)
    two = index_paths([corpus], tmp_path / "two", workers=2)
    assert one.added == two.added == 60
    for query in ("ban tin so 17", "bo cong an", '"quoc phong"'):
        assert [h.id for h in search(tmp_path / "one", query, limit=60).hits] == [
            h.id for h in search(tmp_path / "two", query, limit=60).hits
        ]


def test_skipped_files_are_counted_and_the_rest_indexed(seeds_copy: Path, tmp_path: Path) -> None:
    (seeds_copy / "latin1.txt").write_bytes("Tiêu đề".encode("utf-16-le"))  # no BOM: not UTF-8
    result = index_paths([seeds_copy], tmp_path / "ix", workers=1)
    assert result.added == 2
    assert [path for path, _ in result.skipped] == [str(seeds_copy / "latin1.txt")]
    assert "2 added" in result.line()
    assert "1 skipped (1 not UTF-8 text) in" in result.line()


# ---------------------------------------------------------------- real processes


def _start_index(exe: Path, corpus: Path, index_dir: Path, *extra: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [exe, "index", str(corpus), "--index", str(index_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def _wait_for_lock_holder(index_dir: Path, pid: int, timeout: float = 30) -> None:
    lock = index_dir / "searchkit.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        time.sleep(0.05)
    pytest.fail("the index run never took the lock")


def _wait_until_no_process_uses(index_dir: Path, timeout: float = 10) -> None:
    """Writer processes must not outlive a killed ``searchkit index`` (they hold its locks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        users = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(index_dir).encode() in cmdline.read_bytes():
                    users.append(cmdline.parent.name)
            except OSError:
                continue
        if not users:
            return
        time.sleep(0.1)
    pytest.fail(f"processes still use {index_dir} after the run was killed: {users}")


#: Enough articles for a run that lasts while the tests act on it (several seconds on two cores).
BIG = 600


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "big"
    write_generated_articles(corpus, BIG)
    return corpus


def _wait_for_writer_files(index_dir: Path, before: set[str], timeout: float = 60) -> None:
    """Wait until the run's writers have created segment files: workers are segmenting, the writer buffering."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(path.name not in before for path in index_dir.glob("*.trm")):
            return
        time.sleep(0.05)
    pytest.fail("the index run never started writing")


def test_kill_9_mid_run_leaves_the_previous_index_and_the_next_run_completes(
    seeds_copy: Path, big_corpus: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    index_dir = tmp_path / "ix"
    subprocess.run([searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir)], check=True)
    for folder in sorted(big_corpus.iterdir()):
        os.rename(folder, seeds_copy / folder.name)  # the new articles join the indexed root

    before = {path.name for path in index_dir.iterdir()}
    run = _start_index(searchkit_exe, seeds_copy, index_dir)
    _wait_for_lock_holder(index_dir, run.pid)
    _wait_for_writer_files(index_dir, before)
    assert run.poll() is None, "the run ended before it could be killed"
    run.send_signal(signal.SIGKILL)
    run.wait()
    _wait_until_no_process_uses(index_dir)

    assert stats(index_dir).articles == 2  # the previous index, intact
    assert search(index_dir, "bo cong an").hits[0].id == SEED_MEETING
    redo = subprocess.run(
        [searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir)], capture_output=True, text=True
    )
    assert redo.returncode == 0, redo.stderr
    assert redo.stdout.startswith(f"{BIG} added, 0 updated, 0 removed, 2 unchanged")
    assert stats(index_dir).articles == BIG + 2
    assert search(index_dir, '"ban tin so 534"').hits[0].id == "000/article-000534.txt"


def test_second_run_waits_or_fails_cleanly_and_searches_keep_working(
    seeds_copy: Path, big_corpus: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    index_dir = tmp_path / "ix"
    subprocess.run([searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir)], check=True)
    first = _start_index(searchkit_exe, big_corpus, index_dir)
    try:
        _wait_for_lock_holder(index_dir, first.pid)
        busy = subprocess.run(
            [searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir)],
            capture_output=True,
            text=True,
        )
        assert busy.returncode == 1
        assert busy.stderr.count("\n") == 1
        assert "another `searchkit index` run is writing" in busy.stderr
        assert "Traceback" not in busy.stderr

        during = subprocess.run(
            [searchkit_exe, "search", "bo cong an", "--json", "--index", str(index_dir)],
            capture_output=True,
            text=True,
        )
        assert during.returncode == 0, during.stderr
        assert json.loads(during.stdout)["hits"][0]["id"] == SEED_MEETING

        waiting = subprocess.run(
            [searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir), "--wait", "300"],
            capture_output=True,
            text=True,
        )
        assert waiting.returncode == 0, waiting.stderr
        assert "waiting up to 300s" in waiting.stderr
        assert first.wait(timeout=300) == 0
        assert waiting.stdout.startswith("0 added, 0 updated, 0 removed, 2 unchanged")
        assert stats(index_dir).articles == BIG + 2
    finally:
        if first.poll() is None:
            first.kill()


def test_disk_full_while_writing_exits_1_and_keeps_the_previous_index(
    seeds_copy: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    index_dir = tmp_path / "ix"
    subprocess.run([searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir)], check=True)
    write_generated_articles(seeds_copy / "more", 200)
    limit = 64 * 1024  # no file may grow past 64 KB: writing the new segment fails (EFBIG)

    def cap_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    failed = subprocess.run(
        [searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir), "--workers", "1"],
        capture_output=True,
        text=True,
        preexec_fn=cap_file_size,
    )
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1, failed.stderr
    assert "cannot write the index" in failed.stderr
    assert "previous index is unchanged" in failed.stderr
    assert stats(index_dir).articles == 2
    assert search(index_dir, "bo cong an").hits[0].id == SEED_MEETING
    recovered = subprocess.run(
        [searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir)], capture_output=True, text=True
    )
    assert recovered.returncode == 0, recovered.stderr
    assert stats(index_dir).articles == 202


def test_unwritable_index_location_is_one_line(seeds_copy: Path, tmp_path: Path, searchkit_exe: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = subprocess.run(
        [searchkit_exe, "index", str(seeds_copy), "--index", str(blocker / "ix")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "cannot write the index" in result.stderr


def test_watch_picks_up_new_files_and_stops_cleanly(seeds_copy: Path, tmp_path: Path, searchkit_exe: Path) -> None:
    index_dir = tmp_path / "ix"
    watcher = _start_index(
        searchkit_exe, seeds_copy, index_dir, "--watch", "--interval", "0.2", preexec_fn=hears_ctrl_c
    )
    try:
        deadline = time.monotonic() + 60
        while not (index_dir / "searchkit-files.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        (seeds_copy / "late.txt").write_text("Tin muộn\n\nCần Thơ khai mạc lễ hội bánh dân gian.", encoding="utf-8")
        while time.monotonic() < deadline:
            if stats(index_dir).articles == 3:
                break
            time.sleep(0.2)
        assert search(index_dir, "can tho banh dan gian").hits[0].id == "late.txt"
    finally:
        watcher.send_signal(signal.SIGINT)
        _, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped watching" in err
    assert stats(index_dir).articles == 3


def test_indexing_a_folder_above_the_first_one_keeps_both_articles_that_share_a_name(tmp_path: Path) -> None:
    """Under the wider folder the first file's id changes (``sub/a.txt``): it is read again, not kept as ``a.txt``."""
    outer, index_dir = tmp_path / "news", tmp_path / "ix"
    (outer / "sub").mkdir(parents=True)
    (outer / "sub" / "a.txt").write_text("Bài một\n\nHội An đón khách dịp lễ hội đèn lồng.", encoding="utf-8")
    index_paths([outer / "sub"], index_dir, workers=1)
    (outer / "a.txt").write_text("Bài hai\n\nSa Pa đón tuyết rơi lần đầu trong năm.", encoding="utf-8")
    wider = index_paths([outer], index_dir, workers=1)
    assert (wider.added, wider.removed) == (1, 0)
    assert stats(index_dir).articles == 2
    assert [hit.id for hit in search(index_dir, "hoi an den long").hits] == ["sub/a.txt"]
    assert [hit.id for hit in search(index_dir, "sa pa tuyet").hits] == ["a.txt"]


def test_a_file_under_two_of_the_given_paths_is_indexed_once(tmp_path: Path) -> None:
    outer, index_dir = tmp_path / "news", tmp_path / "ix"
    (outer / "sub").mkdir(parents=True)
    (outer / "sub" / "a.txt").write_text("Bài một\n\nHội An đón khách dịp lễ hội đèn lồng.", encoding="utf-8")
    first = index_paths([outer, outer, outer / "sub"], index_dir, workers=1)
    assert (first.added, first.skipped) == (1, [])
    again = index_paths([outer, outer], index_dir, workers=1)
    assert (again.added, again.unchanged) == (0, 1)
    assert [hit.id for hit in search(index_dir, "hoi an").hits] == ["sub/a.txt"]
