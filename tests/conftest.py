"""Shared fixtures: the seed articles, and indexes built once per test session."""

from __future__ import annotations

import shutil
import signal
import sys
from pathlib import Path

import pytest

from searchkit.indexer import index_paths

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_MEETING = "004_a55b611e2d2fcdac.txt"  # Bộ Công an and Bộ Quốc phòng, 2020-07
SEED_ENGINEERS = "000_228307b053c9f81f.txt"  # Binh chủng Công binh and Bộ tư lệnh Cảnh vệ
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the two seed articles, built once (read-only for tests)."""
    index_dir = tmp_path_factory.mktemp("seeds-index")
    index_paths([str(SEEDS)], index_dir, workers=1)
    return index_dir


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the fixture corpus and the seeds, built once (read-only for tests)."""
    index_dir = tmp_path_factory.mktemp("corpus-index")
    index_paths([str(FIXTURE_CORPUS), str(SEEDS)], index_dir, workers=1)
    return index_dir


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of the seeds folder that a test may edit."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def searchkit_exe() -> Path:
    """The installed ``searchkit`` console script of this environment."""
    exe = Path(sys.executable).parent / "searchkit"
    if not exe.exists():
        pytest.fail(f"the searchkit command is not installed next to {sys.executable}: pip install .")
    return exe


def write_generated_articles(folder: Path, count: int, start: int = 0) -> list[Path]:
    """``count`` small distinct articles in the seed format, built from the seeds' sentences."""
    import random

    sentences = [
        s.strip() + "."
        for seed in sorted(SEEDS.glob("*.txt"))
        for s in seed.read_text(encoding="utf-8").replace("\n", " ").split(". ")
        if len(s.split()) > 5
    ]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + count):
        rng = random.Random(number)
        body = "\n\n".join(rng.sample(sentences, 3))
        header = f" date 20{10 + number % 10}-{1 + number % 12:02d}"
        text = f"{header}\nBản tin số {number}\n\n{body}\n\nTin: PV {number % 7}"
        path = folder / f"{number // 1000:03d}" / f"article-{number:06d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def hears_ctrl_c() -> None:
    """``preexec_fn`` for a process a test stops with SIGINT, as Ctrl-C does.

    A shell starts background jobs with SIGINT ignored and children inherit
    that: a suite run as ``pytest &`` would otherwise send Ctrl-C to a process
    deaf to it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
