"""Every command through click's CliRunner, and the installed command as a real process."""

import json
import subprocess
from pathlib import Path
from unicodedata import normalize

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.search import search

from .conftest import SEED_ENGINEERS, SEED_MEETING, SEEDS


def run(*args: str) -> "click.testing.Result":  # noqa: F821
    return CliRunner().invoke(cli, list(args))


def test_index_prints_one_summary_line(tmp_path: Path) -> None:
    result = run("index", str(SEEDS), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith("2 added, 0 updated, 0 removed, 0 unchanged, 0 skipped in ")


def test_a_file_that_cannot_be_decoded_is_skipped_and_the_run_exits_1(
    seeds_copy: Path, tmp_path: Path, searchkit_exe: Path
) -> None:
    (seeds_copy / "latin1.txt").write_bytes(b"Tin c\xe9 H\xe0 N\xf4i")  # Latin-1, not UTF-8
    index_dir = tmp_path / "ix"
    done = subprocess.run(
        [searchkit_exe, "index", str(seeds_copy), "--index", str(index_dir)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr == f"skipped {seeds_copy / 'latin1.txt'}: not UTF-8 text (byte 0xe9 at offset 5)\n"
    assert done.stdout.startswith("2 added, 0 updated, 0 removed, 0 unchanged, 1 skipped (1 not UTF-8 text) in ")
    assert search(index_dir, "bo cong an").total == 2  # the rest is indexed


def test_search_text_output(seeds_index: Path) -> None:
    result = run("search", "bo cong an", "--index", str(seeds_index))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2 articles match 'bo cong an' (showing 1–2)"
    assert lines[2].startswith("1. Ngày 31/7, tại Hà Nội")
    assert "2020-07-31" in lines[3] and SEED_MEETING in lines[3]
    assert "\x1b[" not in result.output  # no colour codes when not on a terminal


def test_search_json_output(seeds_index: Path) -> None:
    result = run("search", "bo cong an", "--json", "--index", str(seeds_index))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "bo cong an"
    assert data["total"] == 2
    first = data["hits"][0]
    assert set(first) >= {"rank", "score", "id", "path", "title", "date", "author", "snippet"}
    assert (first["rank"], first["id"], first["date"]) == (1, SEED_MEETING, "2020-07-31")
    assert first["path"] == str(SEEDS / SEED_MEETING)
    start, end = first["highlights"][0]
    assert first["snippet"][start:end].lower() in ("bộ", "bộ công", "bộ công an", "công an", "công")
    assert data["hits"][1]["date"] is None


def test_search_limit_page_and_sort(seeds_index: Path) -> None:
    result = run("search", "hội nghị", "--limit", "1", "--page", "2", "--json", "--index", str(seeds_index))
    data = json.loads(result.output)
    assert data["total"] == 2 and len(data["hits"]) == 1 and data["hits"][0]["rank"] == 2
    result = run("search", "hội nghị", "--sort", "date", "--json", "--index", str(seeds_index))
    assert json.loads(result.output)["hits"][0]["id"] == SEED_MEETING


def test_show(seeds_index: Path) -> None:
    result = run("show", SEED_ENGINEERS, "--index", str(seeds_index))
    assert result.exit_code == 0, result.output
    assert "NGUYỄN NGỌC" in result.output
    assert "Quang cảnh hội nghị." in result.output
    data = json.loads(run("show", SEED_ENGINEERS, "--json", "--index", str(seeds_index)).output)
    assert data["author"] == "NGUYỄN NGỌC"
    assert len(data["captions"]) == 3
    assert "leftcenterrightdel" not in data["body"]


def test_stats(seeds_index: Path) -> None:
    result = run("stats", "--index", str(seeds_index))
    assert result.exit_code == 0, result.output
    assert "articles:    2" in result.output
    assert "2020-07-31 to 2020-07-31" in result.output
    data = json.loads(run("stats", "--json", "--index", str(seeds_index)).output)
    assert data["articles"] == 2
    assert data["top_authors"] == [{"author": "NGUYỄN NGỌC", "articles": 1}]


def test_analyze() -> None:
    result = run("analyze", "Bộ Công an")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "0\tbộ\t0-2"
    assert "1\tcong_an\t3-10" in lines
    assert "1\tcong an\t3-10" in lines
    query_mode = run("analyze", "Bộ Công an", "--mode", "query").output.splitlines()
    assert query_mode == ["0\tbộ\t0-2", "1\tcông\t3-7", "2\tan\t8-10"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["search", "bo cong an", "--index", "{missing}"], 2, "no index at"),  # search errors exit 2, as rg's
        (["search", "", "--index", "{index}"], 2, "empty query"),
        (["search", '"bo cong', "--index", "{index}"], 2, "quote is not closed"),
        (["search", "tieude:x", "--index", "{index}"], 2, "unknown field 'tieude'"),
        (["search", "date:2020-13", "--index", "{index}"], 2, "bad date"),
        (["search", "x", "--limit", "0", "--index", "{index}"], 2, "--limit"),
        (["show", "no-such-id", "--index", "{index}"], 1, "no article with id"),
        (["stats", "--index", "{missing}"], 1, "no index at"),
        (["index", "{missing}/folder", "--index", "{tmp}/ix"], 2, "does not exist"),
        (["search"], 2, "Missing argument"),
        (["search", "-bão yagi", "--index", "{index}"], 2, 'goes after --, e.g. searchkit search -- "-word other"'),
    ],
)
def test_errors_are_one_line_with_exit_code(
    seeds_index: Path, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    values = {"missing": str(tmp_path / "missing"), "index": str(seeds_index), "tmp": str(tmp_path)}
    result = CliRunner().invoke(cli, [a.format(**values) for a in args])
    assert result.exit_code == code, result.output
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith("Error: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_installed_command_runs_as_a_real_process(tmp_path: Path, searchkit_exe: Path) -> None:
    index_dir = tmp_path / "ix"
    indexed = subprocess.run(
        [searchkit_exe, "index", str(SEEDS), "--index", str(index_dir)], capture_output=True, text=True
    )
    assert indexed.returncode == 0, indexed.stderr
    assert indexed.stdout.startswith("2 added")
    found = subprocess.run(
        [searchkit_exe, "search", "bo cong an", "--json", "--index", str(index_dir)],
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["hits"][0]["id"] == SEED_MEETING
    assert data["hits"][0]["date"] == "2020-07-31"


def test_errors_in_a_real_process_have_no_traceback(tmp_path: Path, searchkit_exe: Path) -> None:
    missing = subprocess.run(
        [searchkit_exe, "search", "bo cong an", "--index", str(tmp_path / "none")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2  # search: 1 means "nothing matched", as in grep and rg
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    assert missing.stdout == ""


def test_python_dash_m_entry_point(seeds_index: Path) -> None:
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "searchkit", "search", "bo cong an", "--json", "--index", str(seeds_index)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"][0]["id"] == SEED_MEETING


@pytest.mark.parametrize(
    ("variant", "query", "expected"),
    [
        ("exact", "Bộ Công an", SEED_MEETING),
        ("lower", "bộ công an", SEED_MEETING),
        ("upper", "BỘ CÔNG AN", SEED_MEETING),
        ("no diacritics", "bo cong an", SEED_MEETING),
        ("nfd", normalize("NFD", "Bộ Công an"), SEED_MEETING),
        ("joined compound", "Bộ công_an", SEED_MEETING),
        ("field", "title:(bộ công an)", SEED_MEETING),
        ("field without diacritics", "captions:(phan van giang)", SEED_MEETING),
        ("old tone style as written", "Trần Trung Hòa", SEED_ENGINEERS),
        ("new tone style", "Trần Trung Hoà", SEED_ENGINEERS),
        ("new tone style, nfd", normalize("NFD", "trần trung hoà"), SEED_ENGINEERS),
        ("d-stroke folded", "dong chu tri hoi nghi", SEED_ENGINEERS),
    ],
)
def test_every_query_variant_finds_the_seed_first_through_the_cli(
    seeds_index: Path, variant: str, query: str, expected: str
) -> None:
    result = run("search", query, "--json", "--index", str(seeds_index))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["hits"][0]["id"] == expected, variant


def test_a_query_starting_with_minus_goes_after_double_dash(seeds_index: Path) -> None:
    result = run("search", "--json", "--index", str(seeds_index), "--", "-quốc_phòng công an")
    assert result.exit_code == 1, result.output  # nothing matched
    assert json.loads(result.output)["total"] == 0  # both seeds mention Bộ Quốc phòng
    result = run("search", "--json", "--index", str(seeds_index), "--", "-hội_nghị công an")
    assert result.exit_code == 1, result.output
    assert json.loads(result.output)["total"] == 0


def test_partial_match_is_said_in_text_and_json(seeds_index: Path) -> None:
    text = run("search", "bo cong an xyzzy", "--index", str(seeds_index))
    assert text.exit_code == 0, text.output
    assert text.output.startswith("No article has all 4 words of 'bo cong an xyzzy'; 2 articles have 3 of them")
    data = json.loads(run("search", "bo cong an xyzzy", "--json", "--index", str(seeds_index)).output)
    assert data["words_matched"] == {"found": 3, "of": 4}
    assert data["hits"][0]["id"] == SEED_MEETING
    every_word = json.loads(run("search", "bo cong an", "--json", "--index", str(seeds_index)).output)
    assert every_word["words_matched"] is None
    assert every_word["did_you_mean"] is None


def test_did_you_mean_in_text_and_json(seeds_index: Path) -> None:
    text = run("search", "bo cogn an", "--index", str(seeds_index))
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[1] == "Did you mean: bo cong an"
    data = json.loads(run("search", "bo cogn an", "--json", "--index", str(seeds_index)).output)
    assert data["did_you_mean"] == "bo cong an"


def test_variants_through_the_installed_command(seeds_index: Path, searchkit_exe: Path) -> None:
    for query in ("bo cong an", normalize("NFD", "BỘ CÔNG AN"), "bộ công_an"):
        found = subprocess.run(
            [searchkit_exe, "search", query, "--json", "--index", str(seeds_index)],
            capture_output=True,
            text=True,
        )
        assert found.returncode == 0, found.stderr
        assert json.loads(found.stdout)["hits"][0]["id"] == SEED_MEETING, query


@pytest.mark.parametrize(
    ("option", "value"),
    [("--max-article-mb", "nan"), ("--max-article-mb", "inf"), ("--wait", "nan"), ("--debounce", "inf")],
)
def test_numbers_that_are_not_finite_are_usage_errors(tmp_path: Path, option: str, value: str) -> None:
    result = CliRunner().invoke(cli, ["index", str(SEEDS), "--index", str(tmp_path / "ix"), option, value])
    assert result.exit_code == 2
    assert f"{value!r} is not a finite number" in result.output
    assert not (tmp_path / "ix").exists()
