"""What news readers need: copies of a story folded under the best-ranked one, and related articles."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import Index
from searchkit.cli import cli
from searchkit.similarity import THRESHOLD, similarity, text_signature
from tests.conftest import FIXTURE_CORPUS, SEED_ENGINEERS, SEED_MEETING, SEEDS

COPY = "copy-of-meeting"


def write_copy(folder: Path) -> Path:
    """The meeting seed as another site republishes it: a new headline, a byline, its last paragraph dropped."""
    paragraphs = [p for p in (SEEDS / SEED_MEETING).read_text(encoding="utf-8").split("\n\n") if p.strip()]
    body = "\n\n".join(paragraphs[:-1]) + "\n\nTheo TTXVN"
    record = {"id": COPY, "title": "Hai Bộ giao ban về an ninh quốc gia", "body": body, "author": "PV"}
    path = folder / "copy.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def news(tmp_path: Path) -> tuple[Path, Path]:
    """A folder with the seeds and a re-titled copy of the meeting seed, and its index."""
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    write_copy(folder)
    index_dir = tmp_path / "index"
    with Index(index_dir) as index:
        index.add([folder], workers=1)
    return folder, index_dir


def test_a_copy_is_similar_and_a_story_on_the_same_topic_is_not() -> None:
    meeting = (SEEDS / SEED_MEETING).read_text(encoding="utf-8")
    copy = "\n\n".join(meeting.split("\n\n")[:-1]) + "\n\nTheo TTXVN"
    engineers = (SEEDS / SEED_ENGINEERS).read_text(encoding="utf-8")
    assert similarity(text_signature(meeting), text_signature(copy)) >= THRESHOLD
    assert similarity(text_signature(meeting), text_signature(engineers)) < 0.3
    assert similarity(text_signature(""), text_signature("")) == 0.0  # empty bodies are never copies


def test_copies_fold_under_the_best_ranked_one_and_every_copy_shows_unfolded(news: tuple[Path, Path]) -> None:
    _, index_dir = news
    with Index(index_dir) as index:
        folded = index.search("bo cong an")
        assert (folded.total, folded.stories) == (3, 2)
        assert len(folded.hits) == 2
        head = next(hit for hit in folded.hits if hit.similar)
        assert {head.id, *head.similar} == {SEED_MEETING, COPY}
        assert [hit.similar for hit in folded.hits if hit is not head] == [[]]
        assert [hit.rank for hit in folded.hits] == [1, 2]
        unfolded = index.search("bo cong an", fold=False)
        assert (unfolded.total, unfolded.stories) == (3, None)
        assert {hit.id for hit in unfolded.hits} == {SEED_MEETING, SEED_ENGINEERS, COPY}
        assert all(hit.similar == [] for hit in unfolded.hits)
        assert [hit.id for hit in index.search("bo cong an", limit=1, page=2).hits] == [
            hit.id for hit in folded.hits[1:]
        ]  # pages count stories


def test_a_copy_added_later_is_folded_and_a_removed_original_unfolds_it(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    with Index(tmp_path / "index") as index:
        index.add([folder], workers=1)
        assert all(not hit.similar for hit in index.search("bo cong an").hits)
        write_copy(folder)
        index.add([folder], workers=1)
        found = index.search("bo cong an")
        assert (found.total, found.stories) == (3, 2)
        assert sorted(len(hit.similar) for hit in found.hits) == [0, 1]
        (folder / SEED_MEETING).unlink()
        index.add([folder], workers=1)
        found = index.search("bo cong an")
        assert (found.total, found.stories) == (2, 2)
        assert {hit.id for hit in found.hits} == {COPY, SEED_ENGINEERS}
        assert all(not hit.similar for hit in found.hits)


def test_search_folds_copies_in_text_and_json_and_no_fold_shows_them(news: tuple[Path, Path]) -> None:
    _, index_dir = news
    runner = CliRunner()
    text = runner.invoke(cli, ["search", "bo cong an", "--index", str(index_dir)])
    assert text.exit_code == 0, text.output
    assert "3 articles, 2 stories match 'bo cong an'" in text.output
    assert text.output.count("(+1 similar)") == 1
    as_json = runner.invoke(cli, ["search", "bo cong an", "--json", "--index", str(index_dir)])
    data = json.loads(as_json.output)
    assert (data["total"], data["stories"], len(data["hits"])) == (3, 2, 2)
    assert sorted(len(hit["similar"]) for hit in data["hits"]) == [0, 1]
    assert data["next_page"] is None
    unfolded = runner.invoke(cli, ["search", "bo cong an", "--json", "--no-fold", "--index", str(index_dir)])
    data = json.loads(unfolded.output)
    assert (data["total"], data["stories"], len(data["hits"])) == (3, None, 3)
    plain = runner.invoke(cli, ["search", "bo cong an", "--no-fold", "--index", str(index_dir)])
    assert "similar)" not in plain.output and "stories" not in plain.output
    assert plain.output.startswith("3 articles match")


def test_distinct_articles_are_never_folded(corpus_index: Path) -> None:
    with Index(corpus_index) as index:
        found = index.search("bo cong an", limit=50)
        assert found.stories == found.total
        assert all(not hit.similar for hit in found.hits)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture corpus, the seeds and a copy of the meeting seed, indexed (read-only)."""
    folder = tmp_path_factory.mktemp("archive")
    shutil.copytree(SEEDS, folder / "seeds")
    shutil.copytree(FIXTURE_CORPUS, folder / "corpus")
    write_copy(folder)
    index_dir = folder / "index"
    with Index(index_dir) as index:
        index.add([folder / "seeds", folder / "corpus", folder / "copy.json"], workers=1)
    return index_dir


def test_related_articles_leave_out_the_article_and_its_copies(archive: Path) -> None:
    with Index(archive) as index:
        related = index.related(SEED_MEETING)
        ids = [hit.id for hit in related]
        assert len(ids) == 5 and len(set(ids)) == 5
        assert SEED_MEETING not in ids and COPY not in ids
        assert ids[0] == SEED_ENGINEERS  # the other army-and-police meeting
        assert [hit.rank for hit in related] == [1, 2, 3, 4, 5]
        assert [hit.score for hit in related] == sorted((hit.score for hit in related), reverse=True)
        assert [hit.id for hit in index.related(index.get(SEED_MEETING).path, limit=2)] == ids[:2]
        seen_from_engineers = index.related(SEED_ENGINEERS)
        meeting = next(hit for hit in seen_from_engineers if hit.id in (SEED_MEETING, COPY))
        assert {meeting.id, *meeting.similar} == {SEED_MEETING, COPY}  # two copies, one story
        assert SEED_ENGINEERS not in [hit.id for hit in seen_from_engineers]


def test_related_command_in_text_and_json(archive: Path) -> None:
    runner = CliRunner()
    as_json = runner.invoke(cli, ["related", SEED_MEETING, "--json", "-n", "3", "--index", str(archive)])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["id"] == SEED_MEETING
    assert [hit["rank"] for hit in data["related"]] == [1, 2, 3]
    assert data["related"][0]["id"] == SEED_ENGINEERS
    text = runner.invoke(cli, ["related", SEED_ENGINEERS, "--index", str(archive)])
    assert text.exit_code == 0, text.output
    assert text.output.startswith("Related to ")
    assert "(+1 similar)" in text.output
    missing = runner.invoke(cli, ["related", "no-such-article", "--index", str(archive)])
    assert missing.exit_code == 1
    assert "no article with id 'no-such-article'" in missing.output
    assert "Traceback" not in missing.output


def test_related_and_no_fold_in_a_real_process(news: tuple[Path, Path], searchkit_exe: Path) -> None:
    _, index_dir = news
    unfolded = subprocess.run(
        [searchkit_exe, "search", "bo cong an", "--no-fold", "--json", "--index", str(index_dir)],
        capture_output=True,
        text=True,
    )
    assert unfolded.returncode == 0, unfolded.stderr
    assert len(json.loads(unfolded.stdout)["hits"]) == 3
    related = subprocess.run(
        [searchkit_exe, "related", SEED_ENGINEERS, "--json", "--index", str(index_dir)], capture_output=True, text=True
    )
    assert related.returncode == 0, related.stderr
    (meeting,) = json.loads(related.stdout)["related"]  # the meeting and its copy: one story
    assert {meeting["id"], *meeting["similar"]} == {SEED_MEETING, COPY}
    missing = subprocess.run(
        [searchkit_exe, "related", "nowhere.txt", "--index", str(index_dir)], capture_output=True, text=True
    )
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr.count("\n") == 1 and "nowhere.txt" in missing.stderr
