"""One field table: the schema, query fields, boosts and facets follow it, and a change asks for a version bump."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchkit import Index, fields
from searchkit.articles import Article
from tests.conftest import SEED_ENGINEERS, SEED_MEETING, SEEDS


def test_the_schema_version_moves_with_the_field_table() -> None:
    recorded = fields.SCHEMA_FINGERPRINTS.get(fields.SCHEMA_VERSION)
    assert recorded == fields.fingerprint(), (
        "the field table changed: bump SCHEMA_VERSION in searchkit/fields.py and record the new fingerprint "
        f"{fields.fingerprint()!r} for it, so existing indexes are rebuilt"
    )


def _category(article: Article) -> str:
    return "thời sự" if article.date else "quân đội"  # the meeting seed is dated, the engineers' one is not


def test_a_field_added_to_the_table_alone_is_indexed_searched_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    category = fields.Field("category", fields.TEXT, _category, default_boost=1.0, queryable=True)
    monkeypatch.setattr(fields, "FIELDS", (*fields.FIELDS, category))
    assert fields.fingerprint() != fields.SCHEMA_FINGERPRINTS[fields.SCHEMA_VERSION]
    with Index(tmp_path / "index") as index:
        index.add([SEEDS], workers=1)
        assert [hit.id for hit in index.search("category:(thoi su)").hits] == [SEED_MEETING]
        assert [hit.id for hit in index.search("category:(quân đội)").hits] == [SEED_ENGINEERS]
        assert SEED_ENGINEERS in [hit.id for hit in index.search("quan doi").hits]  # searched without naming it
        assert index.search("bo cong an").total == 2  # a two-word query still ranks
        assert index.search("bo cong an", facets=True).facets["author"] == {"NGUYỄN NGỌC": 1}


def test_an_unknown_field_is_named_with_the_ones_the_table_has(seeds_index: Path) -> None:
    from searchkit.errors import QueryError

    with Index(seeds_index) as index, pytest.raises(QueryError, match="title, captions, body, author"):
        index.search("category:thoi su")


def test_the_facets_a_search_counts_are_facets_of_the_table_and_what_the_cli_offers(seeds_index: Path) -> None:
    from click.testing import CliRunner

    from searchkit.cli import cli

    assert set(fields.RESULT_FACETS) <= set(fields.facet_columns())
    with Index(seeds_index) as index:
        assert tuple(index.search("bo cong an", facets=True).facets) == fields.RESULT_FACETS
    offered = next(p for p in cli.commands["search"].params if p.name == "facets")
    assert tuple(offered.type.choices) == fields.RESULT_FACETS
    refused = CliRunner().invoke(cli, ["search", "bo cong an", "--index", str(seeds_index), "--facet", "date"])
    assert refused.exit_code == 2
