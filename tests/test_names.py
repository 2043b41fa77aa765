"""People, places and organisations: extraction, the place list, name fields and facets from the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import fields
from searchkit.cli import cli
from searchkit.indexer import index_paths
from searchkit.names import extract, name_key, place_key, places
from searchkit.normalize import canonical_text
from searchkit.segment import get_pos_tagger, get_segmenter

from .conftest import FIXTURE_CORPUS, SEEDS


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


# ---------------------------------------------------------------- extraction


def test_people_places_and_organisations_of_a_short_text() -> None:
    found = extract(
        "Ngày 5/3, Bộ Tài chính và Ngân hàng Nhà nước Việt Nam họp tại Hà Nội. "
        "Bộ trưởng Hồ Đức Phớc cho biết ông Nguyễn Văn Bình sẽ làm việc với Sở Kế hoạch và Đầu tư "
        "tỉnh Quảng Ngãi về dự án ở huyện Bình Sơn."
    )
    assert found.people == ["Hồ Đức Phớc", "Nguyễn Văn Bình"]
    assert set(found.places) == {"Việt Nam", "Hà Nội", "Quảng Ngãi", "Bình Sơn"}
    assert "Bộ Tài Chính" in found.orgs
    assert "Ngân Hàng Nhà Nước Việt Nam" in found.orgs
    assert "Sở Kế Hoạch Và Đầu Tư Tỉnh Quảng Ngãi" in found.orgs


def test_a_person_is_not_taken_for_a_place_nor_a_title_for_a_name() -> None:
    found = extract("Chị Lê Thị Mai Lan bán hàng ở chợ. Thủ tướng Chính phủ chỉ đạo các bộ, ngành.")
    assert found.people == ["Lê Thị Mai Lan"]
    assert found.places == []
    assert found.orgs == ["Chính Phủ"]


def test_places_listed_after_an_administrative_noun() -> None:
    found = extract("Mưa lớn tại các huyện Mường Lát, Quan Sơn và Quan Hóa; nước sông Mã dâng cao.")
    assert set(found.places) == {"Mường Lát", "Quan Sơn", "Quan Hoá", "Sông Mã"}
    assert found.people == []


def test_old_and_new_province_names_and_their_forms() -> None:
    found = extract("Đoàn công tác từ Sài Gòn ra tỉnh Thừa Thiên Huế, rồi lên Tỉnh Hà Giang và TP.HCM.")
    assert set(found.places) == {"Thành phố Hồ Chí Minh", "Huế", "Hà Giang"}
    listed = places()
    assert listed.canonical("Thành phố Hồ Chí Minh") == listed.canonical("TPHCM") == "Thành phố Hồ Chí Minh"
    assert listed.canonical("tinh khanh hoa") == listed.canonical("Khánh Hòa") == canonical_text("Khánh Hoà")
    assert listed.canonical("Hồ Chí Minh") is None  # also the name of a person: only with "Thành phố"


def test_listed_names_of_several_words_are_found_word_by_word_without_a_noun_before_them() -> None:
    # No "tỉnh" or "thành phố" before them: only the place list finds these, one word at a time,
    # in the order the text names them (a dash of any kind inside the name).
    found = extract("Đoàn công tác đến Hà Giang rồi về Bà Rịa – Vũng Tàu, sau đó ra Thừa Thiên Huế hôm qua.")
    assert found.places == ["Hà Giang", "Bà Rịa - Vũng Tàu", "Huế"]


def test_a_place_name_inside_a_longer_word_is_not_the_place() -> None:
    found = extract("Trận đấu trên sân Mỹ Đình; tranh tại Bảo tàng Mỹ thuật Việt Nam.")
    assert "Hoa Kỳ" not in found.places  # Mỹ alone is the United States
    assert "Mỹ Đình" in found.places


def test_the_shipped_list_has_the_63_units_before_2025_and_the_34_since() -> None:
    text = (Path(fields.__file__).parent / "data" / "places.txt").read_text(encoding="utf-8")
    section = text.split("[provinces]")[1].split("[countries]")[0]
    rows = [[part.strip() for part in line.split("|")] for line in section.splitlines() if "|" in line]
    assert len(rows) == 63
    assert len({unit for _, unit, _ in rows}) == 34
    assert {unit for _, unit, _ in rows} <= {name for name, _, _ in rows}


def test_keys_ignore_marks_case_tone_style_and_prefixes() -> None:
    assert name_key("Phan Văn Giang") == name_key("phan van giang") == "phan van giang"
    assert place_key("Thành phố Hạ Long") == place_key("ha long") == "ha long"
    assert place_key("Sài Gòn") == place_key("TP. Hồ Chí Minh") == "thanh pho ho chi minh"
    assert place_key(canonical_text("Hoà Bình")) == place_key("Hòa Bình")


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")) + sorted(FIXTURE_CORPUS.glob("b0*.txt")), ids=str)
def test_part_of_speech_tags_are_pyvis(path: Path) -> None:
    from pyvi import ViPosTagger, ViTokenizer

    text = canonical_text(path.read_text(encoding="utf-8"))
    words = get_segmenter().tokenize(text).split(" ")
    expected_words, expected_tags = ViPosTagger.postagging(ViTokenizer.tokenize(text))
    assert words == expected_words
    assert get_pos_tagger().tag(words) == list(expected_tags)


def test_names_stay_out_of_the_default_fields() -> None:
    """Ranking of plain words is unchanged: the name fields are searched only when named."""
    assert not {"name", "place", "org"} & set(fields.default_fields())
    assert {"name", "place", "org"} <= set(fields.query_fields())
    assert fields.facet_columns()["place"] == "place_shown"


# ---------------------------------------------------------------- fields and facets


def test_field_queries_with_and_without_marks(corpus_index: Path) -> None:
    for query in ('name:"Phan Văn Giang"', 'name:"phan van giang"', 'name:"PHAN VĂN GIANG"'):
        result = run("search", query, "--index", str(corpus_index), "--format", "json")
        assert result.exit_code == 0, result.output
        assert [hit["id"] for hit in json.loads(result.output)["hits"]] == ["004_a55b611e2d2fcdac.txt"]
    by_new_name = run("search", 'place:"Huế"', "--index", str(corpus_index), "--format", "json", "--limit", "50")
    by_old_name = run("search", 'place:"thua thien hue"', "--index", str(corpus_index), "--format", "json")
    ids = {hit["id"] for hit in json.loads(by_new_name.output)["hits"]}
    assert ids == {hit["id"] for hit in json.loads(by_old_name.output)["hits"]}
    assert {"b21_mua_lu_thua_thien_hue.txt", "b41_quy_hoach_do_thi_hue.txt"} <= ids
    saigon = run("search", 'place:"Sài Gòn"', "--index", str(corpus_index), "--format", "json", "--limit", "50")
    assert "b12_tham_nhung_ngan_hang.txt" in {hit["id"] for hit in json.loads(saigon.output)["hits"]}


def test_a_plain_word_search_does_not_match_the_name_fields(corpus_index: Path) -> None:
    result = run("search", 'org:"bo cong an"', "--index", str(corpus_index), "--format", "json", "--limit", "50")
    orgs = {hit["id"] for hit in json.loads(result.output)["hits"]}
    assert "b24_chuyen_doi_so_dich_vu_cong.txt" in orgs
    assert "b04_csgt_nong_do_con.txt" not in orgs


def test_facets_of_names_places_and_organisations_in_json(corpus_index: Path) -> None:
    args = ["search", 'place:"ha noi"', "--index", str(corpus_index), "--format", "json"]
    result = run(*args, "--facet", "place", "--facet", "org", "--facet", "name")
    assert result.exit_code == 0, result.output
    output = json.loads(result.output)
    facets = output["facets"]
    assert facets["place"]["Hà Nội"] == output["total"]
    assert next(iter(facets["place"])) == "Hà Nội"  # most frequent first
    assert facets["org"]["Sở Y Tế Hà Nội"] == 1
    assert facets["org"]["Chính Phủ"] == 2  # b35 and the meeting seed name both
    assert facets["name"]["Phan Văn Giang"] == 1
    assert all(count <= output["total"] for values in facets.values() for count in values.values())


def test_facets_through_the_python_api(corpus_index: Path) -> None:
    from searchkit import Index

    with Index(corpus_index) as index:
        results = index.search('place:"Quảng Ninh"', facets=True)
    assert results.total >= 2
    assert results.facets["place"][canonical_text("Quảng Ninh")] == results.total
    assert {"name", "org", "month", "author"} <= set(results.facets)


def test_each_hit_lists_every_place_it_names(corpus_index: Path) -> None:
    from searchkit import Index

    with Index(corpus_index) as index:
        results = index.search('place:"Quảng Ninh"', facets=True, fold=False)
        for hit in results.hits:
            assert canonical_text("Quảng Ninh") in hit.facets["place"]
            assert len(hit.facets["place"]) == len(set(hit.facets["place"]))
    several = [hit for hit in results.hits if len(hit.facets["place"]) > 1]
    assert several, "an article naming several places lists each of them"


def test_show_lists_the_names_the_search_found_in_the_article(corpus_index: Path) -> None:
    from searchkit import Index

    with Index(corpus_index) as index:
        hit = index.search('name:"Phan Văn Giang"', facets=True).hits[0]
        article = index.get(hit.id)
    assert article.names == {name: hit.facets[name] for name in ("name", "place", "org")}
    assert "Phan Văn Giang" in article.names["name"] and article.names["place"] and article.names["org"]
    shown = json.loads(run("show", hit.id, "--json", "--index", str(corpus_index)).output)
    assert shown["names"] == article.names
    text = run("show", hit.id, "--index", str(corpus_index), "--color", "never").output
    assert "People: " + "; ".join(article.names["name"]) in text.splitlines()
    assert "Places: " + "; ".join(article.names["place"]) in text.splitlines()


def test_facets_in_text_output(corpus_index: Path) -> None:
    result = run("search", 'place:"Đà Nẵng"', "--index", str(corpus_index), "--facet", "place", "--color", "never")
    assert result.exit_code == 0, result.output
    assert "place:  Đà Nẵng (" in result.output


def test_an_unknown_facet_is_refused_in_one_line(corpus_index: Path) -> None:
    result = run("search", "bão", "--index", str(corpus_index), "--facet", "people")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_place_query_through_the_installed_command(corpus_index: Path, searchkit_exe: Path) -> None:
    completed = subprocess.run(
        [searchkit_exe, "search", 'place:"quang ninh"', "--index", str(corpus_index), "--json", "--facet", "place"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    output = json.loads(completed.stdout)
    assert {"b01_bao_so_3_quang_ninh.txt", "b40_chong_buon_lau_bien_gioi.txt"} <= {h["id"] for h in output["hits"]}
    assert output["facets"]["place"]["Quảng Ninh"] == output["total"]


def test_an_edited_article_that_drops_a_name_no_longer_matches(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    story = folder / "story.txt"
    story.write_text("Tin ngắn\n\nÔng Trần Văn Nam thăm tỉnh Lào Cai cùng Sở Y tế.", encoding="utf-8")
    other = folder / "other.txt"
    other.write_text("Tin khác\n\nBà Lê Thị Hoa làm việc tại Lào Cai.", encoding="utf-8")
    index_dir = tmp_path / "ix"
    index_paths([str(folder)], index_dir, workers=1)

    def ids(query: str) -> set[str]:
        result = run("search", query, "--index", str(index_dir), "--format", "json")
        assert result.exit_code in (0, 1), result.output
        return {hit["id"] for hit in json.loads(result.output)["hits"]}

    assert ids('name:"tran van nam"') == {"story.txt"}
    assert ids('place:"Lào Cai"') == {"story.txt", "other.txt"}
    story.write_text("Tin ngắn\n\nÔng Phạm Minh Chính thăm tỉnh Yên Bái.", encoding="utf-8")
    summary = index_paths([str(folder)], index_dir, workers=1)
    assert (summary.updated, summary.unchanged) == (1, 1)
    assert ids('name:"tran van nam"') == set()
    assert ids('name:"Phạm Minh Chính"') == {"story.txt"}
    assert ids('place:"Lào Cai"') == {"other.txt"}
    facets = json.loads(run("search", "tin", "--index", str(index_dir), "--json", "--facet", "place").output)
    assert facets["facets"]["place"] == {"Lào Cai": 1, "Yên Bái": 1}
