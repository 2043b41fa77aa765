"""The habits of grep, rg and datasette users: exit codes, -q, colour, output formats, facets, show by path."""

import csv
import io
import json
import os
import pty
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli

from .conftest import ROOT, SEED_ENGINEERS, SEED_MEETING, SEEDS

ANSI = "\x1b["


def run(*args: str, color: bool = False, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), color=color, env=env)


# ---------------------------------------------------------------- exit codes and -q


@pytest.mark.parametrize(
    ("query", "code"),
    [("bo cong an", 0), ("xyzzyq", 1), ("bo cong an xyzzyq", 0), ('"bo cong', 2), ("tieude:x", 2)],
)
def test_search_exit_codes_are_rg_s(seeds_index: Path, query: str, code: int) -> None:
    result = run("search", query, "--index", str(seeds_index))
    assert result.exit_code == code, result.output
    quiet = run("search", query, "-q", "--index", str(seeds_index))
    assert quiet.exit_code == code
    if code < 2:
        assert quiet.output == ""  # nothing at all: the exit code is the answer


def test_search_runtime_errors_exit_2_and_other_commands_keep_1(seeds_index: Path, tmp_path: Path) -> None:
    missing = str(tmp_path / "none")
    for args in (["search", "x", "--index", missing], ["search", "x", "-q", "--index", missing]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and result.output.startswith("Error: no index at")
    assert run("show", "x", "--index", missing).exit_code == 1
    assert run("stats", "--index", missing).exit_code == 1


def test_an_unexpected_error_in_search_exits_2_in_one_line(seeds_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit.api import Index

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Index, "search", broken)
    monkeypatch.delenv("SEARCHKIT_DEBUG", raising=False)
    result = run("search", "x", "--index", str(seeds_index))
    assert result.exit_code == 2
    assert result.output.startswith("Error: internal error: RuntimeError: boom")
    assert "Traceback" not in result.output


def test_exit_codes_in_a_real_process_let_a_shell_script_branch(
    seeds_index: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    script = (
        'for query in "bo cong an" xyzzyq; do '
        'if "$EXE" search -q "$query" --index "$IX"; then echo found; else echo "none $?"; fi; done; '
        '"$EXE" search -q x --index "$IX/missing"; echo "error $?"'
    )
    env = {**os.environ, "EXE": str(searchkit_exe), "IX": str(seeds_index)}
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env)
    assert done.stdout == "found\nnone 1\nerror 2\n"
    assert done.stderr.count("\n") == 1 and "no index at" in done.stderr


# ---------------------------------------------------------------- colour


def test_color_auto_follows_the_terminal_and_no_color(seeds_index: Path) -> None:
    args = ("search", "bo cong an", "--index", str(seeds_index))
    assert ANSI in run(*args, color=True).output  # a terminal
    assert ANSI not in run(*args, color=False).output  # a pipe
    assert ANSI not in run(*args, color=True, env={"NO_COLOR": "1"}).output
    assert ANSI in run(*args, color=True, env={"NO_COLOR": ""}).output  # set but empty: ignored
    assert ANSI not in run(*args, "--color", "never", color=True).output
    assert ANSI in run(*args, "--color", "always", color=False, env={"NO_COLOR": "1"}).output
    assert ANSI not in run("show", SEED_MEETING, "--index", str(seeds_index), color=True, env={"NO_COLOR": "x"}).output


def _on_a_terminal(command: list[str], env: dict[str, str]) -> str:
    """The output of ``command`` run with a pseudo-terminal as its stdout."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(command, stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert done.returncode == 0, done.stderr
        return b"".join(chunks).decode("utf-8")
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def test_no_color_on_a_real_terminal(seeds_index: Path, searchkit_exe: Path) -> None:
    command = [str(searchkit_exe), "search", "bo cong an", "--index", str(seeds_index)]
    plain_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert ANSI in _on_a_terminal(command, plain_env)
    assert ANSI not in _on_a_terminal(command, {**plain_env, "NO_COLOR": "1"})
    piped = subprocess.run([*command, "--color", "always"], capture_output=True, text=True, env=plain_env)
    assert ANSI in piped.stdout


# ---------------------------------------------------------------- show what search printed


def _printed_paths(output: str) -> list[str]:
    """The last item of each hit's meta line: what `show` takes."""
    return [
        line.split(" · ")[-1].split("  [score")[0]
        for line in output.splitlines()
        if line.startswith("   2020") or line.startswith("   undated")
    ]


def test_show_takes_the_path_search_prints(seeds_index: Path, searchkit_exe: Path) -> None:
    printed = _printed_paths(run("search", "bo cong an", "--index", str(seeds_index)).output)
    assert printed == [str(SEEDS / SEED_MEETING), str(SEEDS / SEED_ENGINEERS)]
    for path, expected in zip(printed, ("Bộ Công an và Bộ Quốc phòng", "NGUYỄN NGỌC"), strict=True):
        shown = run("show", path, "--index", str(seeds_index))
        assert shown.exit_code == 0, shown.output
        assert expected in shown.output
        done = subprocess.run(
            [searchkit_exe, "show", path, "--json", "--index", str(seeds_index)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["path"] == path


def test_show_finds_a_decomposed_file_name_typed_composed(tmp_path: Path, searchkit_exe: Path) -> None:
    """macOS writes names decomposed (NFD); a name typed on a keyboard, or copied from a page, is composed."""
    folder = tmp_path / "tin"
    folder.mkdir()
    name = unicodedata.normalize("NFD", "Hội nghị.txt")
    (folder / name).write_text("Hội nghị tổng kết\n\nBộ Công an tổ chức hội nghị tổng kết.", encoding="utf-8")
    index_dir = tmp_path / "ix"
    assert run("index", str(folder), "--index", str(index_dir)).exit_code == 0
    for typed in (
        unicodedata.normalize("NFC", "Hội nghị.txt"),
        str(folder / unicodedata.normalize("NFC", "Hội nghị.txt")),
    ):
        done = subprocess.run(
            [searchkit_exe, "show", typed, "--json", "--index", str(index_dir)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["title"] == "Hội nghị tổng kết"


def test_articles_that_share_a_file_print_their_id(tmp_path: Path) -> None:
    feed = tmp_path / "feed" / "tin.jsonl"
    feed.parent.mkdir()
    records = [
        {"id": "a-1", "title": "Bão số 3 đổ bộ Quảng Ninh", "body": "Bão số 3 gây mưa lớn ở Quảng Ninh."},
        {"id": "a-2", "title": "Bão số 3 suy yếu", "body": "Bão số 3 suy yếu thành áp thấp nhiệt đới."},
    ]
    feed.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    index_dir = str(tmp_path / "ix")
    assert run("index", str(feed.parent), "--index", index_dir).exit_code == 0
    output = run("search", "suy yeu", "--index", index_dir).output
    assert output.splitlines()[3].split(" · ")[-1].startswith("a-2  [score")
    assert "áp thấp nhiệt đới" in run("show", "a-2", "--index", index_dir).output


# ---------------------------------------------------------------- formats, next page, facets, date sort


def test_json_has_next_page_and_json_is_an_alias(corpus_index: Path) -> None:
    first = json.loads(run("search", "hội nghị", "-n", "2", "--format", "json", "--index", str(corpus_index)).output)
    assert first["total"] > 4 and first["next_page"] == 2 and first["facets"] == {}
    last_page = -(-first["total"] // 2)
    last = json.loads(
        run("search", "hội nghị", "-n", "2", "-p", str(last_page), "--json", "--index", str(corpus_index)).output
    )
    assert last["next_page"] is None and last["hits"]
    conflict = run("search", "x", "--json", "--format", "csv", "--index", str(corpus_index))
    assert conflict.exit_code == 2 and "--json is --format json" in conflict.output


def test_jsonl_is_one_hit_per_line(corpus_index: Path) -> None:
    whole = json.loads(run("search", "hội nghị", "--json", "--index", str(corpus_index)).output)
    result = run("search", "hội nghị", "--format", "jsonl", "--index", str(corpus_index))
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines == whole["hits"]


def test_csv_opens_as_a_table(corpus_index: Path) -> None:
    result = run("search", "hội nghị", "--format", "csv", "-n", "3", "--index", str(corpus_index))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    hits = json.loads(run("search", "hội nghị", "--json", "-n", "3", "--index", str(corpus_index)).output)["hits"]
    assert [r["id"] for r in rows] == [h["id"] for h in hits]
    assert list(rows[0]) == ["rank", "score", "id", "path", "title", "date", "author", "snippet", "similar"]
    assert float(rows[0]["score"]) == hits[0]["score"]
    assert rows[0]["title"] == hits[0]["title"]  # commas and quotes survive


def test_csv_lists_the_copies_folded_under_a_hit(tmp_path: Path) -> None:
    story = "Mưa lớn kéo dài khiến nhiều tuyến đường ở Hà Giang bị sạt lở. " * 3
    for name, title in (("a.txt", "Sạt lở ở Hà Giang"), ("b.txt", "Hà Giang: đường sạt lở"), ("c.txt", "Tin khác")):
        body = story if name != "c.txt" else "Giá lúa tăng mạnh trong tháng này ở đồng bằng."
        (tmp_path / name).write_text(f"{title}\n\n{body}\nTin: Lan Anh", encoding="utf-8")
    index_dir = tmp_path / "ix"
    assert run("index", str(tmp_path), "--index", str(index_dir), "-q").exit_code == 0
    result = run("search", "sạt lở Hà Giang", "--format", "csv", "--index", str(index_dir))
    rows = list(csv.DictReader(io.StringIO(result.output)))
    hits = json.loads(run("search", "sạt lở Hà Giang", "--json", "--index", str(index_dir)).output)["hits"]
    assert [row["similar"] for row in rows] == [";".join(hit["similar"]) for hit in hits]
    assert len(rows) == 1 and rows[0]["similar"] in ("a.txt", "b.txt")  # one story, its copy named


def test_facets_count_the_whole_result_set(corpus_index: Path) -> None:
    args = ("search", "bo cong an", "--index", str(corpus_index))
    data = json.loads(
        run(*args, "-n", "1", "--json", "--facet", "year", "--facet", "author", "--facet", "month").output
    )
    every = json.loads(run(*args, "-n", "500", "--json").output)["hits"]
    assert len(data["hits"]) == 1 and data["total"] == len(every) > 3
    years: dict[str, int] = {}
    months: dict[str, int] = {}
    authors: dict[str, int] = {}
    for hit in every:
        if hit["date"]:
            years[hit["date"][:4]] = years.get(hit["date"][:4], 0) + 1
            months[hit["date"][:7]] = months.get(hit["date"][:7], 0) + 1
        if hit["author"]:
            authors[hit["author"]] = authors.get(hit["author"], 0) + 1
    assert data["facets"] == {"year": years, "author": authors, "month": months}
    assert list(data["facets"]["year"]) == sorted(years, reverse=True)  # newest first
    text = run(*args, "-n", "1", "--facet", "year").output
    block = text[text.index("Facets over all") :]
    assert block.splitlines()[1].startswith(
        "  year:   " + " · ".join(f"{y} ({n})" for y, n in data["facets"]["year"].items())
    )


def test_date_sorted_output_shows_no_score(seeds_index: Path) -> None:
    args = ("search", "hội nghị", "--sort", "date", "--index", str(seeds_index))
    assert "[score" not in run(*args).output
    assert [h["score"] for h in json.loads(run(*args, "--json").output)["hits"]] == [None, None]
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").output)))
    assert [r["score"] for r in rows] == ["", ""]
    assert "[score" in run("search", "hội nghị", "--index", str(seeds_index)).output


# ---------------------------------------------------------------- completion and docs


def test_shell_completion_as_the_readme_says(searchkit_exe: Path) -> None:
    env = {**os.environ, "_SEARCHKIT_COMPLETE": "bash_source"}
    script = subprocess.run([searchkit_exe], capture_output=True, text=True, env=env)
    assert script.returncode == 0
    assert "_searchkit_completion" in script.stdout
    env = {
        **os.environ,
        "_SEARCHKIT_COMPLETE": "bash_complete",
        "COMP_WORDS": "searchkit search x --for",
        "COMP_CWORD": "3",
    }
    words = subprocess.run([searchkit_exe], capture_output=True, text=True, env=env)
    assert "--format" in words.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "_SEARCHKIT_COMPLETE=bash_source searchkit" in readme


def test_readme_documents_every_search_and_index_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("search", "index", "show"):
        command = cli.commands[name]
        for param in command.params:
            if isinstance(param, __import__("click").Option):
                assert any(opt in readme for opt in param.opts), (name, param.opts)
    for value in ("jsonl", "csv", "NO_COLOR", "next_page", "--facet"):
        assert value in readme


def test_python_dash_m_search_exit_code_1(seeds_index: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "searchkit", "search", "xyzzyq", "--index", str(seeds_index)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and done.stdout == "No articles match 'xyzzyq'.\n" and done.stderr == ""


def test_the_readme_python_example_runs(seeds_index: Path, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "index").symlink_to(seeds_index)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "2 matches; by month: {'2020-07': 1}"
    assert lines[1].startswith("1 2020-07-31 Ngày 31/7, tại Hà Nội")
    assert lines[-1] == "2 articles in the index"


def test_the_command_leaves_numpy_single_threaded_unless_the_user_says_otherwise() -> None:
    """searchkit does no dense linear algebra: OpenBLAS's thread pool would only slow a cold search."""
    probe = (
        "import os, searchkit.cli, numpy\n"
        "threads = [line.split()[1] for line in open('/proc/self/status') if line.startswith('Threads:')]\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'], threads[0])"
    )
    env = {key: value for key, value in os.environ.items() if key != "OPENBLAS_NUM_THREADS"}
    plain = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert plain.stdout.split() == ["1", "1"]
    chosen = subprocess.run(
        [sys.executable, "-c", probe], env={**env, "OPENBLAS_NUM_THREADS": "2"}, capture_output=True, text=True
    )
    assert chosen.stdout.split()[0] == "2"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["analyze", " ".join(["Bộ Công an điều tra vụ việc tại Hà Nội."] * 400)], 0),  # more than a pipe holds
        (["search", "bo cong an", "--format", "json", "--facet", "name"], 0),
        (["search", "xyzzy"], 1),  # "No articles match": still "nothing matched"
        (["index", "{bad}"], 1),  # a file skipped: still says so
    ],
)
def test_a_reader_that_stops_reading_ends_the_command_quietly_with_its_own_exit_code(
    seeds_index: Path, searchkit_exe: Path, tmp_path: Path, args: list[str], code: int
) -> None:
    """As rg under `| head`: no error line, and the exit code the command would have had (not click's 1)."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"\x00\x01binary")
    index_dir = tmp_path / "ix" if args[0] == "index" else seeds_index
    args = [arg.format(bad=bad) for arg in args] + (["--index", str(index_dir)] if args[0] != "analyze" else [])
    process = subprocess.Popen([searchkit_exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before anything is read
    error = process.stderr.read().decode()
    assert process.wait() == code
    assert error == ("" if args[0] != "index" else f"skipped {bad / 'x.txt'}: binary file (contains NUL bytes)\n")
