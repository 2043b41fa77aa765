"""A small corpus for the report's site tests: months that need several archive pages,
undated articles, words that test the page search's ranking, and unsafe source URLs."""

from __future__ import annotations

import json
from pathlib import Path

from searchkit.indexer import index_paths

#: Source URLs that must never become links, and one that must.
UNSAFE_URLS = {"js-plain": "javascript:alert(5)", "js-case": "JavaScript:alert(5)", "js-space": " javascript:alert(5)"}
SAFE_URL = "https://example.vn/bai-goc.html"
#: Archive page size the tests pass, so a month of 9 articles has 3 pages.
PER_PAGE = 3

SEARCH_ARTICLES = [
    {
        "id": "adjacent",
        "title": "Mưa lớn ở Hà Nội",
        "body": "Người dân Hà Nội đón mưa lớn chiều qua.",
        "date": "2020-07-01",
    },
    {
        "id": "apart",
        "title": "Ông Hà bàn về nội dung",
        "body": "Ông Hà bàn về nội dung cuộc họp. Hà hỏi, nội bộ trả lời. Hà và nội vụ, Hà với nội thất.",
        "date": "2020-07-02",
    },
    {
        "id": "person",
        "title": "Cuộc họp báo cuối năm",
        "body": "Phóng viên Vũ Thu Việt đặt câu hỏi.",
        "date": "2020-06-01",
    },
    {
        "id": "scattered",
        "title": "Việt Nam thu hút đầu tư",
        "body": "Việt Nam thu hút vốn. Vụ việc thu thuế ở Việt Nam. Vụ mùa thu hoạch sớm, Việt kiều về thu xếp.",
        "date": "2020-06-02",
    },
    {"id": "bao-news", "title": "Tin báo chí", "body": "Báo chí đưa tin báo động về báo cáo.", "date": "2020-06-03"},
    {"id": "bao-guard", "title": "Bảo vệ rừng", "body": "Bảo vệ rừng đầu nguồn.", "date": "2019-12-01"},
    {"id": "hoa-peace", "title": "Hoà bình", "body": "Giữ gìn hoà bình.", "date": "2019-12-02"},
]


def filler(number: int, date: str | None) -> dict[str, str]:
    article = {
        "id": f"filler-{number:02d}",
        "title": f"Bản tin số {number}",
        "body": f"Bản tin số {number} về thời tiết. Trời nắng nhẹ, gió đông bắc cấp {number % 5 + 2}.",
        "author": ["Lan Anh", "Minh Đức"][number % 2],
    }
    if date:
        article["date"] = date
    return article


def corpus_articles() -> list[dict[str, str]]:
    articles = list(SEARCH_ARTICLES)
    months = ["2020-07"] * 7 + ["2020-06"] * 1 + ["2019-11"] * 4 + [None] * 4
    articles += [filler(n, f"{m}-{10 + n:02d}" if m else None) for n, m in enumerate(months)]
    articles += [
        {"id": key, "title": f"Bài nguồn {key}", "body": "Nguồn bài viết.", "url": url}
        for key, url in UNSAFE_URLS.items()
    ]
    articles.append({"id": "safe", "title": "Bài nguồn an toàn", "body": "Nguồn bài viết.", "url": SAFE_URL})
    return articles


def build_index(tmp: Path) -> Path:
    """Index the corpus under ``tmp``; returns the index folder."""
    folder = tmp / "corpus"
    folder.mkdir()
    (folder / "articles.json").write_text(json.dumps(corpus_articles(), ensure_ascii=False), encoding="utf-8")
    index_paths([folder], tmp / "index", workers=1)
    return tmp / "index"
