"""The term pool (searchkit.backend.termpool) writes the index Whoosh's own posting pool writes, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.writing import SegmentWriter

from searchkit import fields
from searchkit.backend.codec import CompactCodec
from searchkit.backend.storage import open_or_create
from searchkit.backend.termpool import TermPool
from searchkit.backend.writer import TermPoolWriter
from searchkit.ingest import discover, read_articles
from tests.conftest import FIXTURE_CORPUS, SEEDS

#: A memory limit small enough that both pools spill several runs over the fixture corpus.
TINY_LIMIT_MB = 0.2


def _documents() -> list[dict[str, object]]:
    return [fields.document(article) for src in discover([FIXTURE_CORPUS, SEEDS]) for article in read_articles(src)]


def _build(index_dir: Path, writer_class: type, documents: list[dict[str, object]]) -> dict[str, bytes]:
    """Index ``documents`` in two commits, the second merging everything; the postings files' bytes."""
    ix = open_or_create(index_dir)
    half = len(documents) // 2
    for batch, merge in ((documents[:half], False), (documents[half:], True)):
        writer = writer_class(ix, limitmb=TINY_LIMIT_MB, codec=CompactCodec(), compound=False)
        for document in batch:
            writer.add_document(**document)
        writer.commit(optimize=merge)
    files = sorted(p for p in index_dir.iterdir() if p.suffix in (".trm", ".pst"))
    assert [p.suffix for p in files] == [".pst", ".trm"], files  # one segment left after the merge
    return {p.suffix: p.read_bytes() for p in files}


def test_the_term_pool_writes_the_same_files_as_whoosh_s_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spills: list[int] = []
    save = TermPool.save

    def counted_save(pool: TermPool) -> None:
        spills.append(1)
        save(pool)

    monkeypatch.setattr(TermPool, "save", counted_save)
    documents = _documents()
    assert len(documents) >= 20
    ours = _build(tmp_path / "ours", TermPoolWriter, documents)
    whoosh = _build(tmp_path / "whoosh", SegmentWriter, documents)
    assert len(spills) >= 4, "the limit should make the pool spill runs in each commit"
    assert ours[".trm"] == whoosh[".trm"]
    assert ours[".pst"] == whoosh[".pst"]
