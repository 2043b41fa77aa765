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


_FLOOD = (
    "Mưa to kéo dài từ đêm qua gây lũ quét tại huyện Bát Xát, tỉnh Lào Cai, cuốn trôi nhiều nhà dân ven suối. "
    "Lực lượng cứu hộ đã sơ tán hơn hai trăm hộ dân đến nơi an toàn và tiếp tục tìm kiếm người mất tích. "
    "Chính quyền địa phương cho biết nhiều tuyến đường liên xã bị sạt lở, giao thông bị chia cắt hoàn toàn. "
    "Trung tâm khí tượng thủy văn lưu ý mưa còn kéo dài trong ba ngày tới ở các tỉnh miền núi phía Bắc."
)
#: One story three times (re-titled, a byline added: copies the report folds), and two other flood stories.
STORY_ARTICLES = [
    {"id": "flood-original", "title": "Lũ quét ở Lào Cai cuốn trôi nhà dân", "body": _FLOOD, "date": "2018-05-03"},
    {
        "id": "flood-copy-1",
        "title": "Lào Cai: sơ tán hơn hai trăm hộ vì lũ quét",
        "body": "(TTXVN) " + _FLOOD,
        "date": "2018-05-03",
    },
    {
        "id": "flood-copy-2",
        "title": "Lũ quét tại Bát Xát",
        "body": _FLOOD + " Ảnh: cộng tác viên.",
        "date": "2018-05-04",
    },
    {
        "id": "flood-yen-bai",
        "title": "Yên Bái khắc phục hậu quả lũ quét",
        "body": "Sau trận lũ quét, tỉnh Yên Bái huy động lực lượng cứu hộ dọn bùn đất, sửa đường bị sạt lở. "
        "Mưa to khiến nhiều hộ dân ven suối phải sơ tán, giao thông liên xã bị chia cắt.",
        "date": "2018-04-20",
    },
    {
        "id": "flood-lai-chau",
        "title": "Lai Châu đề phòng lũ quét và sạt lở",
        "body": "Trung tâm khí tượng thủy văn lưu ý mưa to, lũ quét và sạt lở đất ở các huyện vùng cao. "
        "Chính quyền yêu cầu sơ tán hộ dân ven suối, lực lượng cứu hộ trực sẵn sàng.",
        "date": "2018-04-22",
    },
]


PLACES = [
    "Cao Bằng", "Lạng Sơn", "Sơn La", "Điện Biên", "Lào Cai", "Nghệ An", "Quảng Bình", "Quảng Trị",
    "Kon Tum", "Gia Lai", "Đắk Lắk", "Lâm Đồng", "Cà Mau", "Bạc Liêu", "Sóc Trăng", "Trà Vinh",
]  # fmt: skip
SKIES = ["nắng nhẹ", "nhiều mây", "mưa rào", "se lạnh", "oi bức"]


def filler(number: int, date: str | None) -> dict[str, str]:
    article = {
        "id": f"filler-{number:02d}",
        "title": f"Bản tin số {number}",
        # Each its own story (no copies to fold): a place and a sky of its own.
        "body": f"Bản tin số {number} về thời tiết tại {PLACES[number]}. "
        f"Trời {SKIES[number % len(SKIES)]}, gió đông bắc cấp {number % 5 + 2}.",
        "author": ["Lan Anh", "Minh Đức"][number % 2],
    }
    if date:
        article["date"] = date
    return article


def corpus_articles() -> list[dict[str, str]]:
    articles = list(SEARCH_ARTICLES) + STORY_ARTICLES
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


def report_args(index: Path, out: Path, queries: tuple[str, ...] = ("ban tin", "lu quet")) -> list[str]:
    """``searchkit report`` of ``queries`` over the corpus with ``--all``, 3 hits a query, archive pages of PER_PAGE."""
    return ["report", *queries, "-n", "3", "--all", "--per-page", str(PER_PAGE), "-o", str(out), "--index", str(index)]
