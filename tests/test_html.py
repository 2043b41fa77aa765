"""HTML pages read by trafilatura: main text, title, date, author and captions of news layouts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchkit.articles import ArticleDate
from searchkit.ingest import SkippedFile, discover, read_articles
from searchkit.search import search

from .conftest import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "html"

#: Text of every page that is not the article: menus, related links, comments, sidebars, footers.
NOT_THE_ARTICLE = [
    "Thời sự",
    "Kinh doanh",
    "Trang chủ",
    "Tin liên quan",
    "Căn cước công dân gắn chíp được dùng thay thẻ",
    "Giá lúa tại miền Tây tăng cao",
    "Yên Bái khắc phục hậu quả lũ quét",
    "Ý kiến bạn đọc",
    "hay bị lỗi đăng nhập",
    "Giá phân bón cũng tăng",
    "Mong bà con vùng cao",
    "Giá vàng hôm nay",
    "Chia sẻ Zalo",
    "bản quyền",
    "Bản quyền",
    "Giấy phép",
    "dataLayer",
]


def _article(name: str):
    (src,) = list(discover([str(FIXTURES / name)]))  # an absolute path stays as it is
    (article,) = read_articles(src)
    return article


@pytest.mark.parametrize(
    ("name", "title", "date", "author", "first", "last"),
    [
        (
            "vnexpress_style.html",
            "Bộ Công an sơ kết hai năm triển khai Đề án 06",
            ArticleDate(2023, 9, 14),
            "Hoàng Anh",
            "Bộ Công an tổ chức hội nghị sơ kết hai năm triển khai Đề án 06.",  # the lead, set apart on the page
            "Bộ Công an đề nghị các địa phương tiếp tục làm sạch dữ liệu dân cư",
        ),
        (
            "tuoitre_style.html",
            "Lúa gạo xuất khẩu lập kỷ lục trong 8 tháng đầu năm",
            ArticleDate(2023, 9, 5),
            "Nguyễn Trung",
            "Theo số liệu của Tổng cục Hải quan",
            "Các chuyên gia khuyến cáo doanh nghiệp cần giữ uy tín hợp đồng",
        ),
        (
            "jsonld_style.html",
            "Sạt lở đất ở Lào Cai, nhiều hộ dân phải di dời",
            ArticleDate(2024, 9, 10),
            "Phạm Hùng",
            "Mưa lớn kéo dài nhiều ngày",  # the headline is not repeated in the body
            "Lực lượng quân đội và công an đã được huy động",
        ),
    ],
)
def test_news_page_gives_title_date_author_and_only_the_article_text(
    name: str, title: str, date: ArticleDate, author: str, first: str, last: str
) -> None:
    article = _article(name)
    assert article.title == title
    assert article.date == date
    assert article.author == author
    paragraphs = article.body.split("\n\n")
    assert paragraphs[0].startswith(first)
    assert paragraphs[-1].startswith(last)
    for text in NOT_THE_ARTICLE:
        assert text not in article.body, text
        assert all(text not in caption for caption in article.captions), text
    assert author not in article.body  # the byline is the author, not text


def test_figure_captions_beside_the_article_are_captions() -> None:
    assert _article("vnexpress_style.html").captions == ["Quang cảnh hội nghị sơ kết Đề án 06 tại Hà Nội."]
    jsonld = _article("jsonld_style.html")
    assert jsonld.captions == ["Lực lượng cứu hộ khắc phục sạt lở tại Bát Xát."]
    assert "Bát Xát." not in jsonld.body.split("\n\n")[-1]


def test_a_footer_year_is_not_taken_for_the_date(tmp_path: Path) -> None:
    page = tmp_path / "undated.html"
    page.write_text(
        "<html><body><nav>Trang chủ · Thời sự</nav><article><h1>Đà Nẵng đón khách</h1>"
        "<p>Đà Nẵng đón những đoàn khách quốc tế đầu tiên trở lại sau nhiều tháng.</p></article>"
        "<footer>© 1997-2023 Báo X</footer></body></html>",
        encoding="utf-8",
    )
    article = _article(str(page))
    assert article.date is None
    assert article.body == "Đà Nẵng đón những đoàn khách quốc tế đầu tiên trở lại sau nhiều tháng."


def test_time_element_gives_the_date(tmp_path: Path) -> None:
    page = tmp_path / "timed.html"
    page.write_text(
        '<html><body><article><h1>Tin A</h1><time datetime="2021-03-04T08:00">4/3</time>'
        "<p>Đà Nẵng đón khách quốc tế trở lại sau đại dịch.</p></article></body></html>",
        encoding="utf-8",
    )
    assert _article(str(page)).date == ArticleDate(2021, 3, 4)


def test_a_page_without_text_is_skipped(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><head><title></title></head><body><nav></nav></body></html>", encoding="utf-8")
    (src,) = list(discover([str(page)]))
    with pytest.raises(SkippedFile):
        read_articles(src)


def test_news_pages_are_indexed_and_found_without_diacritics(tmp_path: Path) -> None:
    from searchkit.indexer import index_paths

    summary = index_paths([str(FIXTURES)], tmp_path / "ix", workers=1)
    assert summary.added == 3 and not summary.skipped
    assert [h.id for h in search(tmp_path / "ix", "dinh danh dien tu").hits] == ["vnexpress_style.html"]
    assert search(tmp_path / "ix", '"gia phan bon"').total == 0  # a reader's comment is not indexed
    assert search(tmp_path / "ix", 'author:"pham hung"').hits[0].id == "jsonld_style.html"


def test_reading_a_page_needs_no_network() -> None:
    """trafilatura and its helpers, imported and run in a fresh process where every connection fails."""
    code = "\n".join(
        [
            "import socket",
            "def refuse(*args, **kwargs):",
            "    raise SystemExit('tried to connect to ' + repr(args[1:] or kwargs))",
            "socket.socket.connect = socket.socket.connect_ex = refuse",
            "socket.create_connection = socket.getaddrinfo = refuse",
            "from searchkit.ingest import discover, read_articles",
            f"for src in discover([{str(FIXTURES)!r}]):",
            "    print(read_articles(src)[0].author)",
        ]
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Phạm Hùng", "Nguyễn Trung", "Hoàng Anh"]
