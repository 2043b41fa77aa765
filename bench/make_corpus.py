"""A deterministic corpus of Vietnamese news articles in the seed format, for benchmarks.

    python bench/make_corpus.py N [--out DIR] [--seed S]

Writes N articles to ``DIR/NNN/NNNNNN.txt`` (1,000 files a folder): a
`` date YYYY-MM`` header on most, a lead, body paragraphs, photo captions after
``leftcenterrightdel`` lines and one-line captions, and a byline; 2–8 KB each.
Sentences come from templates written for this file, their slots filled with
names, places, numbers, legal references and words from pyvi's own word list
(drawn with a Zipf-like spread, so the vocabulary is large and uneven like real
news).  Article ``i`` depends only on (seed, i): any N reproduces the same files.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
import unicodedata
from importlib import resources
from pathlib import Path

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Mai Tạ".split()
MIDDLE = "Văn Thị Hữu Đức Minh Quốc Thanh Ngọc Xuân Hồng Công Đình Thu Gia Bảo".split()
GIVEN = (
    "An Bình Cường Dũng Giang Hà Hải Hòa Hùng Hương Khánh Lan Linh Long Mai Nam Ngọc Phong Phúc Quân "
    "Quang Sơn Tâm Thảo Thắng Thủy Trang Trung Tuấn Tùng Việt Vinh Yến Đạt Hiếu Thúy Khoa Toàn Hoàn"
).split()
PLACES = (
    "Hà Nội|TP Hồ Chí Minh|Đà Nẵng|Hải Phòng|Cần Thơ|Quảng Ninh|Thừa Thiên Huế|Khánh Hòa|Nghệ An|Thanh Hóa|"
    "Lào Cai|Điện Biên|Sơn La|Đắk Lắk|Gia Lai|Lâm Đồng|Bình Dương|Đồng Nai|Bà Rịa - Vũng Tàu|Long An|"
    "An Giang|Kiên Giang|Cà Mau|Bạc Liêu|Sóc Trăng|Quảng Nam|Quảng Ngãi|Bình Định|Phú Yên|Ninh Thuận|"
    "Hà Tĩnh|Quảng Bình|Quảng Trị|Thái Nguyên|Bắc Ninh|Hưng Yên|Nam Định|Thái Bình|Ninh Bình|Hòa Bình"
).split("|")
ORGS = (
    "Bộ Công an|Bộ Quốc phòng|Bộ Y tế|Bộ Giáo dục và Đào tạo|Bộ Tài chính|Bộ Giao thông vận tải|"
    "Bộ Nông nghiệp và Phát triển nông thôn|Bộ Tài nguyên và Môi trường|UBND tỉnh|Công an tỉnh|"
    "Sở Y tế|Sở Giáo dục và Đào tạo|Cục Cảnh sát giao thông|Bộ đội Biên phòng|Tòa án nhân dân|"
    "Viện Kiểm sát nhân dân|Ngân hàng Nhà nước|Tổng cục Thống kê|Mặt trận Tổ quốc|Đoàn Thanh niên"
).split("|")
TITLES = (
    "Thứ trưởng|Bộ trưởng|Chủ tịch UBND tỉnh|Giám đốc Công an tỉnh|Thiếu tướng|Đại tá|Phó Chủ tịch|Giám đốc Sở".split(
        "|"
    )
)
EVENTS = (
    "hội nghị sơ kết|lễ ký kết quy chế phối hợp|buổi làm việc|hội nghị giao ban|lễ phát động|"
    "cuộc họp trực tuyến|hội thảo khoa học|lễ khánh thành|đợt kiểm tra|chương trình tập huấn"
).split("|")
DOCS = "Nghị định|Thông tư|Quyết định|Chỉ thị|Nghị quyết".split("|")
DOC_CODES = "NĐ-CP|TT-BCA|QĐ-TTg|CT-TTg|NQ-CP|TT-BYT|TT-BGDĐT".split("|")
BYLINES = "Tin, ảnh: {NAME}|Bài và ảnh: {Name}|Theo TTXVN|Theo VnExpress|{NAME}|Nhóm PV|Tin: {NAME}".split("|")

SENTENCES = [
    "{org} tổ chức {event} về {w} và {w} tại {place}.",
    "Tham dự có {title} {name}, đại diện {org} cùng lãnh đạo các sở, ngành của tỉnh {place}.",
    "Theo báo cáo, trong {n} tháng đầu năm {y}, lực lượng chức năng đã phát hiện {big} vụ việc liên quan đến {w}.",
    "Phát biểu tại {event}, {title} {name} đề nghị các đơn vị tiếp tục nâng cao hiệu quả công tác {w}.",
    "Công tác phối hợp giữa {org} và {org} ngày càng chặt chẽ, góp phần bảo đảm an ninh, trật tự.",
    "Thực hiện {doc} số {law}, các địa phương đã triển khai đồng bộ nhiều giải pháp về {w}.",
    "Tổng kinh phí thực hiện dự án là {big} tỷ đồng, dự kiến hoàn thành vào năm {y2}.",
    "Mưa lớn kéo dài khiến nhiều tuyến đường tại {place} bị ngập sâu, giao thông ùn tắc nhiều giờ.",
    "Cơ quan cảnh sát điều tra đã khởi tố vụ án, khởi tố bị can đối với {name} về hành vi {w}.",
    "Ngành y tế {place} ghi nhận {big} ca mắc mới, tăng {pct}% so với cùng kỳ năm trước.",
    "Bão số {n} đổ bộ vào vùng biển {place} với sức gió mạnh cấp {n2}, giật cấp {n3}.",
    "Kim ngạch xuất khẩu của tỉnh {place} đạt {big} triệu USD, tăng {pct}% so với kế hoạch.",
    "Hội đồng xét xử tuyên phạt bị cáo {name} {n} năm tù về tội {w}.",
    "Trường THPT {Given} tổ chức lễ tuyên dương {big} học sinh đạt thành tích cao trong kỳ thi {w}.",
    "Theo {title} {name}, thời gian tới địa phương sẽ tập trung tháo gỡ khó khăn về {w} và {w}.",
    "Lực lượng Cảnh sát giao thông đã xử lý {big} trường hợp vi phạm nồng độ cồn trong dịp {w}.",
    "Đoàn công tác đã đến thăm, tặng quà các gia đình chính sách và hộ nghèo tại huyện {Given}.",
    "Nông dân {place} phấn khởi vì giá {w} tăng mạnh, mỗi héc-ta lãi khoảng {n} trăm triệu đồng.",
    "Dịch Covid-19 từng ảnh hưởng nặng nề đến hoạt động {w} của doanh nghiệp trên địa bàn.",
    "Đến nay, toàn tỉnh đã có {big} hộ gia đình được hỗ trợ xây dựng nhà ở kiên cố.",
    "Các đại biểu đã thảo luận, đóng góp nhiều ý kiến tâm huyết về {w} và phương hướng nhiệm vụ năm {y2}.",
    "Sở Giao thông vận tải {place} cho biết tuyến cao tốc dài {n} km sẽ được thông xe vào cuối năm.",
    "Ông {name}, người dân xã {Given}, cho biết cuộc sống của bà con đã khá hơn nhiều so với trước.",
    "Qua kiểm tra, đoàn đã phát hiện {big} sản phẩm không rõ nguồn gốc, xuất xứ, trị giá hơn {n} tỷ đồng.",
    "Hội nghị đã thông qua quy chế phối hợp mới giữa hai lực lượng trong lĩnh vực {w}.",
    "Công an tỉnh {place} đã triệt phá đường dây mua bán trái phép chất ma túy, thu giữ {big} gam ma túy tổng hợp.",
    "Tỷ lệ hộ nghèo của tỉnh giảm còn {pct}%, vượt chỉ tiêu Nghị quyết đề ra.",
    "Bộ đội Biên phòng {place} phối hợp với nhân dân tuần tra, bảo vệ chủ quyền, an ninh biên giới.",
    "Nhiều ý kiến cho rằng cần sớm hoàn thiện khung pháp lý về {w} để tạo điều kiện cho doanh nghiệp.",
    "Trận đấu kết thúc với tỷ số {n}-{n2}, đội tuyển {place} giành quyền vào chung kết giải {w}.",
    "Lễ hội {w} năm nay thu hút khoảng {big} lượt du khách trong và ngoài nước.",
    "Ngân hàng Nhà nước điều chỉnh lãi suất điều hành, giảm {pct} điểm phần trăm đối với các khoản vay {w}.",
    "Bệnh viện Đa khoa tỉnh {place} vừa phẫu thuật thành công cho một bệnh nhân {n} tuổi bị {w}.",
    "Theo dự báo, trong những ngày tới, khu vực {place} tiếp tục có mưa rào và dông, nhiệt độ cao nhất {n3} độ C.",
    "Chính quyền địa phương đã di dời {big} hộ dân ra khỏi vùng nguy cơ sạt lở đất.",
    "{title} {name} nhấn mạnh, mỗi cán bộ, chiến sĩ phải nêu cao tinh thần trách nhiệm trong thực hiện nhiệm vụ.",
    "Năm {y}, doanh thu du lịch của {place} ước đạt {big} tỷ đồng, cao nhất từ trước đến nay.",
    "Chương trình đã trao {big} suất học bổng cho học sinh có hoàn cảnh khó khăn vươn lên học tốt.",
    "Vụ tai nạn giao thông trên quốc lộ {n3} khiến {n} người bị thương, hai phương tiện hư hỏng nặng.",
    "Ủy ban nhân dân tỉnh yêu cầu các sở, ngành khẩn trương rà soát, báo cáo kết quả trước ngày {d}/{m}.",
    "Đây là hoạt động thiết thực nhằm hưởng ứng phong trào {w} do {org} phát động.",
    "Phóng viên ghi nhận, nhiều cửa hàng đã chủ động giảm giá {w} để kích cầu tiêu dùng.",
    "Tại buổi làm việc, hai bên đã trao đổi kinh nghiệm về công tác {w}, cải cách hành chính.",
    "Sau {n} ngày thi đấu, đoàn vận động viên {place} xếp thứ nhất toàn đoàn với {n3} huy chương vàng.",
    "Theo quy định tại {doc} số {law}, người vi phạm có thể bị phạt tiền từ {n} đến {n3} triệu đồng.",
    "Ngay sau khi nhận tin báo, lực lượng cứu hộ đã có mặt, tổ chức tìm kiếm các nạn nhân mất tích.",
    "Tổng cục Thống kê cho biết chỉ số giá tiêu dùng tháng {m} tăng {pct}% so với tháng trước.",
    "Dự án có tổng vốn đầu tư {big} tỷ đồng, tạo việc làm cho khoảng {big} lao động địa phương.",
    "Nhân dịp này, {org} đã khen thưởng {n3} tập thể và {big} cá nhân có thành tích xuất sắc.",
    "Thời gian qua, tình hình an ninh chính trị, trật tự an toàn xã hội trên địa bàn cơ bản ổn định.",
    "Đồng chí {name} cũng lưu ý việc giữ gìn sức khỏe, bảo đảm an toàn tuyệt đối cho người và phương tiện.",
    "Đoàn kiểm tra liên ngành đã lập biên bản, tạm giữ toàn bộ số hàng hóa để xử lý theo quy định.",
    "Nhờ áp dụng khoa học kỹ thuật, năng suất {w} đạt bình quân {n3} tạ mỗi héc-ta.",
    "Hội nghị trực tuyến được kết nối tới {n3} điểm cầu công an các tỉnh, thành phố trên cả nước.",
    "Bên cạnh kết quả đạt được, công tác {w} vẫn còn một số hạn chế cần sớm khắc phục.",
    "Lãnh đạo địa phương cam kết tạo mọi điều kiện thuận lợi để nhà đầu tư yên tâm sản xuất, kinh doanh.",
    "Dịp này, {org} trao tặng {big} suất quà cho các gia đình có hoàn cảnh khó khăn tại {place}.",
    "Đại hội đã bầu Ban Chấp hành nhiệm kỳ {y}-{y2} gồm {n3} đồng chí.",
    "Sau khi được sơ cứu, các nạn nhân đã được chuyển đến bệnh viện để tiếp tục điều trị.",
    "Cơ quan chức năng khuyến cáo người dân không chủ quan trước diễn biến phức tạp của thời tiết.",
]
CAPTIONS = [
    "Quang cảnh hội nghị.",
    "{title} {name} phát biểu chỉ đạo.",
    "Các đại biểu tham dự {event}.",
    "Lực lượng chức năng kiểm tra hiện trường.",
    "Toàn cảnh {event}",
    "{title} {name}",
    "Người dân {place} tham gia {w}",
    "Trao khen thưởng cho các tập thể, cá nhân xuất sắc.",
]
OLD_TONES = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe"}
OLD_TONES |= {"oẽ": "õe", "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}


class Vocabulary:
    """Words from pyvi's word list, drawn with a Zipf-like spread."""

    def __init__(self) -> None:
        text = (resources.files("pyvi") / "models" / "words.txt").read_text(encoding="utf-8")
        words = sorted({w for w in text.split("\n") if 1 < len(w.split()) <= 2 and w.replace(" ", "").isalpha()})
        random.Random(1234).shuffle(words)
        self.words = words
        self.cumulative = list(itertools.accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(words))))

    def draw(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=count)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _law(rng: random.Random) -> str:
    return f"{rng.randint(1, 180):02d}/{rng.randint(2015, 2024)}/{rng.choice(DOC_CODES)}"


def _number(rng: random.Random) -> str:
    value = rng.choice([rng.randint(2, 999), rng.randint(1000, 99999)])
    return f"{value:,}".replace(",", ".")


def _fill(template: str, rng: random.Random, vocab: Vocabulary, year: int) -> str:
    slots = {
        "org": lambda: rng.choice(ORGS),
        "place": lambda: rng.choice(PLACES),
        "title": lambda: rng.choice(TITLES),
        "name": lambda: _name(rng),
        "Given": lambda: rng.choice(GIVEN),
        "event": lambda: rng.choice(EVENTS),
        "w": lambda: vocab.draw(rng, 1)[0],
        "n": lambda: str(rng.randint(2, 12)),
        "n2": lambda: str(rng.randint(1, 9)),
        "n3": lambda: str(rng.randint(10, 60)),
        "big": lambda: _number(rng),
        "pct": lambda: f"{rng.randint(1, 30)},{rng.randint(1, 9)}",
        "y": lambda: str(year),
        "y2": lambda: str(year + rng.randint(1, 5)),
        "d": lambda: str(rng.randint(1, 28)),
        "m": lambda: str(rng.randint(1, 12)),
        "doc": lambda: rng.choice(DOCS),
        "law": lambda: _law(rng),
    }
    out, rest = [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        key, _, rest = after.partition("}")
        out.append(before + slots[key]())
    return "".join(out) + rest


def _old_style(text: str) -> str:
    for new, old in OLD_TONES.items():
        text = text.replace(new, old)
    return text


def article(index: int, seed: int, vocab: Vocabulary) -> str:
    """The text of article ``index``: the same for a given (seed, index) whatever N is."""
    rng = random.Random(f"{seed}:{index}")
    year, month = rng.randint(2015, 2024), rng.randint(1, 12)
    target = rng.triangular(2000, 8000, 3800)
    lead = _fill(SENTENCES[0], rng, vocab, year)
    parts: list[str] = []
    size = 0
    while size < target:
        if parts and rng.random() < 0.15:
            debris = rng.random() < 0.6
            caption = _fill(rng.choice(CAPTIONS), rng, vocab, year)
            parts.append(("leftcenterrightdel\n" if debris else "") + caption)
        else:
            sentences = [_fill(rng.choice(SENTENCES), rng, vocab, year) for _ in range(rng.randint(2, 5))]
            parts.append(" ".join(sentences))
        size += len(parts[-1].encode("utf-8")) + 2
    name = _name(rng)
    byline = rng.choice(BYLINES).replace("{NAME}", name.upper()).replace("{Name}", name)
    lead = f"Ngày {rng.randint(1, 28)}/{month}, {lead}"
    header = f" date {year}-{month:02d}" if rng.random() < 0.85 else ""
    separator = " " if header and rng.random() < 0.4 else "\n"
    text = f"{header}{separator if header else ''}{lead}\n\n" + "\n\n".join(parts) + f"\n\n{byline}"
    text = unicodedata.normalize("NFC", text)
    return _old_style(text) if rng.random() < 0.5 else text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="Number of articles.")
    parser.add_argument("--out", type=Path, help="Folder (default bench/corpus-N).")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = args.out or Path(__file__).resolve().parent / f"corpus-{args.count}"
    started = time.perf_counter()
    vocab = Vocabulary()
    total = 0
    for index in range(args.count):
        folder = out / f"{index // 1000:03d}"
        if index % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        data = article(index, args.seed, vocab).encode("utf-8")
        (folder / f"{index:06d}.txt").write_bytes(data)
        total += len(data)
    print(
        f"{args.count} articles, {total / 1e6:.1f} MB, mean {total / max(1, args.count) / 1000:.1f} KB "
        f"in {time.perf_counter() - started:.1f}s -> {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
