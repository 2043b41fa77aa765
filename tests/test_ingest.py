"""Files to articles: the seeds field by field, other formats, encodings, bad files."""

import json
import os
from pathlib import Path

import pytest

from searchkit.articles import ArticleDate, parse_byline, parse_scraped_text, text_size
from searchkit.ingest import Limits, SkippedFile, discover, read_articles

from .conftest import SEED_ENGINEERS, SEED_MEETING, SEEDS


def _article(path: Path):
    (src,) = list(discover([str(path)]))
    (article,) = read_articles(src)
    return article


def test_seed_without_date_header() -> None:
    article = _article(SEEDS / SEED_ENGINEERS)
    assert article.id == SEED_ENGINEERS
    assert article.title.startswith("Thiếu tướng Trần Trung Hòa, Tư lệnh Binh chủng Công binh")
    assert article.title.endswith("đồng chủ trì hội nghị")
    assert article.date is None
    assert article.author == "NGUYỄN NGỌC"
    assert article.captions == [
        "Thủ trưởng hai Bộ tư lệnh ký kết quy chế phối hợp mới.",
        "Thủ trưởng hai Bộ tư lệnh trao khen thưởng tặng các tập thể và cá nhân có thành tích "
        "xuất sắc trong tổ chức triển khai, thực hiện quy chế.",
        "Quang cảnh hội nghị.",
    ]
    assert "leftcenterrightdel" not in article.body
    assert "Quang cảnh hội nghị" not in article.body
    assert "NGUYỄN NGỌC" not in article.body
    assert article.body.startswith("Thiếu tướng Trần Trung Hòa")
    assert article.body.endswith("thực hiện quy chế.")
    assert "\u00a0" not in article.body


def test_seed_with_date_header_on_the_first_line() -> None:
    article = _article(SEEDS / SEED_MEETING)
    assert article.date == ArticleDate(2020, 7, 31)  # header 2020-07, lead "Ngày 31/7"
    assert article.date.iso == "2020-07-31"
    assert article.title.startswith("Ngày 31/7, tại Hà Nội, Bộ Công an và Bộ Quốc phòng")
    assert "date 2020-07" not in article.title + article.body
    assert article.captions == [
        "Toàn cảnh hội nghị",
        "Thứ trưởng Bộ Quốc phòng Phan Văn Giang",
        "Thứ trưởng Trần Quốc Tỏ",
    ]
    assert "Nghị định số 03/2019/NĐ-CP" in article.body
    assert "Toàn cảnh hội nghị" not in article.body
    assert article.author == ""


def test_header_month_without_dateline_keeps_month_precision() -> None:
    parsed = parse_scraped_text(" date 2021-03\nTiêu đề bài báo\n\nNội dung bài báo không có ngày cụ thể.")
    assert parsed.date == ArticleDate(2021, 3)
    assert parsed.date.iso == "2021-03"
    assert parsed.title == "Tiêu đề bài báo"
    assert parsed.body == "Nội dung bài báo không có ngày cụ thể."


def test_dateline_of_another_month_does_not_change_the_header_date() -> None:
    parsed = parse_scraped_text(" date 2021-03 Ngày 5/4, trời mưa to ở Hà Nội.\n\nMưa kéo dài.")
    assert parsed.date == ArticleDate(2021, 3)


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Tin, ảnh: NGUYỄN NGỌC", "NGUYỄN NGỌC"),
        ("Bài và ảnh: Lê Minh", "Lê Minh"),
        ("Theo TTXVN", "TTXVN"),
        ("HOÀNG ANH", "HOÀNG ANH"),
        ("Mưa kéo dài đến tối.", None),
    ],
)
def test_bylines(line: str, author: str | None) -> None:
    assert parse_byline(line) == author


def test_json_export(tmp_path: Path) -> None:
    records = [
        {
            "id": "a-1",
            "title": "Bão số 3 đổ bộ",
            "content": "Bão số 3 gây mưa lớn.",
            "date": "2023-09-08T10:00:00+07:00",
            "author": "Minh Anh",
            "url": "https://example.vn/a-1",
        },
        {"title": "Không có id", "body": "Nội dung thứ hai."},
    ]
    (tmp_path / "export.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (src,) = list(discover([str(tmp_path)]))
    first, second = read_articles(src)
    assert (first.id, first.title, first.body, first.author) == (
        "a-1",
        "Bão số 3 đổ bộ",
        "Bão số 3 gây mưa lớn.",
        "Minh Anh",
    )
    assert first.date == ArticleDate(2023, 9, 8)
    assert first.url == "https://example.vn/a-1"
    assert second.id == "export.json#2"
    assert second.date is None


def test_json_lines_export(tmp_path: Path) -> None:
    lines = [json.dumps({"id": n, "title": f"Tin {n}", "text": "Nội dung."}, ensure_ascii=False) for n in (1, 2)]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (src,) = list(discover([str(tmp_path)]))
    assert [a.id for a in read_articles(src)] == ["1", "2"]


def test_html_page_without_markup_scripts_or_navigation(tmp_path: Path) -> None:
    page = """<!doctype html><html><head><title>Site</title>
    <meta property="og:title" content="Hà Nội mưa lớn">
    <meta name="author" content="Trần Văn Bình">
    <meta property="article:published_time" content="2022-06-01T07:00:00Z">
    <script>var tracking = "không được lập chỉ mục";</script></head>
    <body><nav>Trang chủ | Thời sự</nav><article><h1>Hà Nội mưa lớn</h1>
    <p>Mưa lớn gây <b>ngập</b> nhiều tuyến phố.</p>
    <figure><img src="x.jpg"><figcaption>Phố Huế ngập sâu</figcaption></figure>
    <p>Giao thông ùn tắc kéo dài.</p></article><footer>Bản quyền</footer></body></html>"""
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    article = _article(tmp_path / "page.html")
    assert article.title == "Hà Nội mưa lớn"
    assert article.author == "Trần Văn Bình"
    assert article.date == ArticleDate(2022, 6, 1)
    assert article.body == "Mưa lớn gây ngập nhiều tuyến phố.\n\nGiao thông ùn tắc kéo dài."
    assert article.captions == ["Phố Huế ngập sâu"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "bom.txt"
    path.write_text("Tiêu đề\n\nĐà Nẵng đón khách.", encoding=encoding)
    article = _article(path)
    assert article.title == "Tiêu đề"
    assert article.body == "Đà Nẵng đón khách."


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("Tiếng Việt".encode("cp1258", errors="replace") + b"\xff\xfe\xfa", "not UTF-8 text"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"", "no article text found"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    (src,) = list(discover([str(path)]))
    with pytest.raises(SkippedFile, match=reason):
        read_articles(src)


def test_invalid_json_is_skipped_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"title": "x",\n "body": }', encoding="utf-8")
    (src,) = list(discover([str(path)]))
    with pytest.raises(SkippedFile, match="invalid JSON at line 2"):
        read_articles(src)


def test_discovery_ids_are_relative_to_the_root_and_skip_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "2020" / "07").mkdir(parents=True)
    (tmp_path / "2020" / "07" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"x")
    found = list(discover([str(tmp_path)]))
    assert [src.rel_id for src in found] == ["2020/07/a.txt"]
    assert found[0].path == str(tmp_path / "2020" / "07" / "a.txt")


def test_file_names_that_are_not_utf8_are_skipped_with_a_reason(tmp_path: Path) -> None:
    import os

    os.close(os.open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), os.O_CREAT | os.O_WRONLY))
    (tmp_path / "ok.txt").write_text("Tin\n\nNội dung.", encoding="utf-8")
    skipped: list[tuple[str, str]] = []
    found = list(discover([str(tmp_path)], on_skip=lambda path, reason: skipped.append((path, reason))))
    assert [src.rel_id for src in found] == ["ok.txt"]
    assert skipped == [(str(tmp_path / "caf\ufffd.txt"), "file name is not valid UTF-8: rename the file")]


# ---------------------------------------------------------------- record by record


def _read(path: Path, **limits: object) -> tuple[list, list[tuple[str, str]], list[tuple[str, str]]]:
    """Articles of ``path`` and the (where, reason) of each skipped record and each warning."""
    skipped: list[tuple[str, str]] = []
    warned: list[tuple[str, str]] = []
    (src,) = list(discover([str(path)]))
    options = Limits(on_skip=lambda w, r: skipped.append((w, r)), on_warning=lambda w, r: warned.append((w, r)))
    for name, value in limits.items():
        setattr(options, name, value)
    return read_articles(src, options), skipped, warned


def test_a_bad_json_line_is_skipped_and_its_neighbours_kept(tmp_path: Path) -> None:
    good = [json.dumps({"id": n, "title": f"Tin {n}", "body": "Nội dung."}, ensure_ascii=False) for n in range(1, 6)]
    lines = [*good[:2], '{"id": 9, "title": "cắt cụt', *good[2:], "", "[1, 2]"]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    articles, skipped, _ = _read(path)
    assert [a.id for a in articles] == ["1", "2", "3", "4", "5"]
    assert skipped == [
        (f"{path}:3", "invalid JSON line (column 20: Unterminated string starting at)"),
        (f"{path}:8", "not an object (the record is a list)"),
    ]


def test_json_lines_end_at_newlines_only(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps({"title": "Một\u2028hai", "body": "x"}, ensure_ascii=False) + "\n", encoding="utf-8")
    articles, skipped, _ = _read(path)
    assert skipped == [] and len(articles) == 1


def test_json_records_of_the_wrong_type_are_coerced_or_skipped_with_their_line(tmp_path: Path) -> None:
    records = [
        {"id": "a", "title": 2024, "body": ["Đoạn một.", "Đoạn hai."], "author": {"name": "Minh Anh"}},
        {"id": "b", "title": "Thân là object", "body": {"html": "<p>x</p>"}},
        {"id": "c", "title": ["Bão", 3], "content": "Bão số 3 gây mưa lớn.", "authors": ["An", "Bình"]},
        {"id": {"x": 1}, "title": "id là object", "body": "x"},
        {"id": "e", "date": "2023-01-02"},
        "một chuỗi",
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"articles": records}, ensure_ascii=False, indent=1), encoding="utf-8")
    articles, skipped, _ = _read(path)
    first, third = articles
    assert (first.id, first.title, first.body, first.author) == ("a", "2024", "Đoạn một.\n\nĐoạn hai.", "Minh Anh")
    assert (third.id, third.title, third.author) == ("c", "Bão 3", "An, Bình")
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [n for n, line in enumerate(lines, start=1) if line in ("  {", '  "một chuỗi"')]
    assert len(starts) == len(records)
    assert skipped == [
        (f"{path}:{starts[1]}", "wrong type (body is an object, not text)"),
        (f"{path}:{starts[3]}", "wrong type (id is an object, not text or a whole number)"),
        (f"{path}:{starts[4]}", "no text (the record has neither title nor body)"),
        (f"{path}:{starts[5]}", "not an object (the record is text)"),
    ]


def test_a_file_whose_every_record_is_bad_reports_the_records_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text("{oops\n{}\n", encoding="utf-8")
    articles, skipped, _ = _read(path)
    assert articles == [] and [where for where, _ in skipped] == [f"{path}:1", f"{path}:2"]


# ---------------------------------------------------------------- size limit


def test_an_article_over_the_size_limit_is_cut_at_a_word_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    words = " ".join(f"từ{n}" for n in range(20000))
    path.write_text(f"Bài rất dài\n\n{words}.", encoding="utf-8")
    (article,), skipped, warned = _read(path, max_article_bytes=10_000)
    assert skipped == []
    assert text_size(article) <= 10_000
    assert article.body.startswith("từ0 từ1 ") and article.body.split(" ")[-1].startswith("từ")
    assert words.startswith(article.body)  # cut between words, not inside one
    size = f"{path.stat().st_size / 2**20:.3g} MB"
    message = f"article truncated to its first 0.00954 MB of text (the file has {size}; --max-article-mb sets it)"
    assert warned == [(str(path), message)]


def test_a_json_record_over_the_limit_is_cut_and_names_its_id(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    records = [{"id": "big", "title": "Dài", "body": "chữ " * 5000}, {"id": "small", "title": "Ngắn", "body": "x"}]
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (big, small), _, warned = _read(path, max_article_bytes=4096)
    assert text_size(big) <= 4096 and small.body == "x"
    assert [where for where, _ in warned] == [f"{path} (big)"]
    assert f"(it has {(len('Dài'.encode()) + len(records[0]['body'].encode())) / 2**20:.3g} MB;" in warned[0][1]


def test_json_values_beyond_the_readers_limits_skip_their_record_or_file_only(tmp_path: Path) -> None:
    good = [json.dumps({"id": n, "title": f"Tin {n}", "body": "Nội dung."}, ensure_ascii=False) for n in (1, 2)]
    huge = '{"id": ' + "9" * 5000 + ', "title": "t", "body": "x"}'
    deep = '{"id": "d", "title": "t", "body": ' + "[" * 100_000 + "]" * 100_000 + "}"
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([good[0], huge, deep, good[1]]) + "\n", encoding="utf-8")
    articles, skipped, _ = _read(feed)
    assert [a.id for a in articles] == ["1", "2"]
    assert skipped == [
        (f"{feed}:2", "unreadable JSON line: a number too long to read"),
        (f"{feed}:3", "unreadable JSON line: values nested too deeply"),
    ]
    export = tmp_path / "export.json"
    export.write_text('[{"title": "t", "body": "x", "date": ' + "1" * 5000 + "}]", encoding="utf-8")
    with pytest.raises(SkippedFile, match="unreadable JSON: a number too long to read"):
        _read(export)


def test_a_json_line_that_is_not_utf8_is_one_bad_record(tmp_path: Path) -> None:
    good = [json.dumps({"id": n, "title": f"Tin {n}", "body": "Nội dung."}, ensure_ascii=False) for n in (1, 2)]
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(good[0].encode() + b'\n{"id": 3, "title": "\xff\xfe"}\n' + good[1].encode() + b"\n")
    articles, skipped, _ = _read(feed)
    assert [a.id for a in articles] == ["1", "2"]
    assert skipped == [(f"{feed}:2", "not UTF-8 text (byte 0xff at offset 20)")]


def test_a_named_pipe_in_a_folder_is_skipped_not_waited_on(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Tin một\n\nNội dung.", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    skipped: list[tuple[str, str]] = []
    found = list(discover([str(tmp_path)], on_skip=lambda where, why: skipped.append((where, why))))
    assert [src.rel_id for src in found] == ["a.txt"]
    assert skipped == [(str(tmp_path / "pipe.txt"), "not a regular file (a pipe, socket or device)")]
    assert list(discover([str(tmp_path / "pipe.txt")], on_skip=lambda where, why: skipped.append((where, why)))) == []
    assert skipped[1:] == [(str(tmp_path / "pipe.txt"), "not a regular file (a pipe, socket or device)")]


def test_a_record_the_json_reader_took_but_nested_deeper_than_python_recurses_is_skipped() -> None:
    """Python 3.12+ parses JSON nested a few thousand deep; reading such a record must not end the run."""
    from searchkit.ingest import SourceFile, _json_articles

    nested: object = "x"
    for _ in range(5000):
        nested = [nested]
    records = [(1, {"id": "a", "title": "Tin", "body": "Nội dung."}), (2, {"id": "d", "title": "t", "body": [nested]})]
    skipped: list[tuple[str, str]] = []
    src = SourceFile("feed.jsonl", "/feeds/feed.jsonl", "/feeds", "feed.jsonl")
    articles = _json_articles(src, records, lambda where, why: skipped.append((where, why)))
    assert [a.id for a in articles] == ["a"]
    assert skipped == [("feed.jsonl:2", "values nested too deeply")]
