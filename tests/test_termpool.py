"""The term pool (searchkit.backend.termpool) writes the index Whoosh's own posting pool writes, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from searchkit import fields
from searchkit.backend.codec import CompactCodec
from searchkit.backend.storage import open_or_create
from searchkit.backend.termpool import TermPool
from searchkit.backend.writer import TermPoolWriter
from searchkit.ingest import discover, read_articles
from tests.conftest import FIXTURE_CORPUS, SEEDS

#: A memory limit small enough that both pools spill several runs in every commit.
TINY_LIMIT_MB = 0.1

Snapshot = dict[str, list[bytes]]


def _documents() -> list[dict[str, object]]:
    return [fields.document(article) for src in discover([FIXTURE_CORPUS, SEEDS]) for article in read_articles(src)]


def _build(index_dir: Path, writer_class: type, documents: list[dict[str, object]]) -> list[Snapshot]:
    """Index ``documents`` in three commits (the second deletes, the last merges everything).

    Returns the bytes of the postings and term files after each commit.
    """
    ix = open_or_create(index_dir)
    third = len(documents) // 3
    deleted = [str(document["id"]) for document in documents[: third // 2]]
    steps = [
        (documents[:third], [], False),
        (documents[third : 2 * third], deleted, False),
        (documents[2 * third :], [], True),
    ]
    snapshots = []
    for batch, deletions, merge in steps:
        writer = writer_class(ix, limitmb=TINY_LIMIT_MB, codec=CompactCodec(), compound=False)
        for document in batch:
            writer.add_document(**document)
        for article_id in deletions:
            writer.delete_by_term("id", article_id)
        writer.commit(optimize=merge)
        snapshots.append(
            {suffix: sorted(p.read_bytes() for p in index_dir.glob(f"*{suffix}")) for suffix in (".trm", ".pst")}
        )
    return snapshots


def test_the_term_pool_writes_the_same_files_as_whoosh_s_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spills: list[int] = []
    save = TermPool.save

    def counted_save(pool: TermPool) -> None:
        spills.append(1)
        save(pool)

    monkeypatch.setattr(TermPool, "save", counted_save)
    documents = _documents()
    assert len(documents) >= 30
    ours = _build(tmp_path / "ours", TermPoolWriter, documents)
    whoosh = _build(tmp_path / "whoosh", SegmentWriter, documents)
    assert len(spills) >= 6, "the limit should make the pool spill runs in every commit"
    assert len(ours[-1][".pst"]) == 1, "the last commit merges everything into one segment"
    for step, (mine, theirs) in enumerate(zip(ours, whoosh, strict=True), start=1):
        assert mine[".trm"] == theirs[".trm"], f"term files differ after commit {step}"
        assert mine[".pst"] == theirs[".pst"], f"postings files differ after commit {step}"


def test_a_term_s_postings_are_joined_in_the_order_of_the_runs(tmp_path: Path) -> None:
    """Each spilled run is a later stretch of documents: a term's lists are concatenated run by run."""
    pool = TermPool(FileStorage(str(tmp_path)), limitmb=1e-9)  # every posting spills its own run
    for docnum in (7, 3, 9):  # not ascending: the runs' order, not the numbers, decides
        pool.add(("body", b"an", docnum, 1.0, b"\x00"))
    pool.add(("body", b"bo", 4, 2.0, None))
    pool.limit = 1 << 30
    pool.add(("body", b"an", 1, 1.0, b"\x01"))  # held in memory: after every run
    assert len(pool.runs) == 4
    assert list(pool.terms()) == [
        ("body", b"an", [7, 3, 9, 1], [1.0, 1.0, 1.0, 1.0], [b"\x00", b"\x00", b"\x00", b"\x01"]),
        ("body", b"bo", [4], [2.0], [b""]),
    ]
    pool.cleanup()
    assert pool.runs == [] and list(tmp_path.iterdir()) == []
