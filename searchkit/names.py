"""People, places and organisations named in an article, found at index time.

Vietnamese writes names with capitals: every syllable of a person's or a
place's name (``Phan Văn Giang``, ``Quảng Ninh``), the head and the
distinctive words of an organisation (``Bộ Công an``, ``Sở Y tế Hà Nội``).
The text is segmented and tagged by pyvi's models (:mod:`searchkit.segment`);
runs of capitalised words are then read with rules of the language:

* a place is one of Vietnam's provinces or a country of ``data/places.txt``
  (old and new names, with or without ``tỉnh``/``thành phố``), or a
  capitalised run after an administrative or geographic noun (``huyện Châu
  Phú``, ``quận Liên Chiểu, Sơn Trà và Cẩm Lệ``, ``sông Hồng``);
* an organisation starts with a head noun (``Bộ``, ``Sở``, ``Công ty``,
  ``Ủy ban``, ``Bệnh viện``...) and runs on over capitalised words and nouns
  (pyvi's tags ``N``/``Np``), up to a verb or punctuation, ending at most two
  lower-case words after its last capital (``Cục Cảnh sát giao thông``);
* a person is a run of two to four capitalised syllables tagged ``Np`` (proper
  noun) that starts with a family name, follows a title (``ông``, ``Thứ
  trưởng``...) or has a middle name (``Văn``, ``Thị``...).

Names are shown in title case with canonical tones; :func:`name_key` is the
folded form fields are matched by, so ``place:"ha noi"`` finds ``Hà Nội``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from searchkit.articles import Article
from searchkit.normalize import canonical_text, fold, strip_marks
from searchkit.segment import get_pos_tagger, get_segmenter

PERSON, PLACE, ORG = "person", "place", "org"

#: Common Vietnamese family names (about nine in ten people carry one of them).
SURNAMES = frozenset(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trịnh mai tạ đào "
    "đoàn vương trương lưu lương lâm hà cao chu quách thái tô tôn từ triệu kiều khổng la lạc lại "
    "châu diệp mạc khúc hứa phùng thân tăng kim lầu giàng thào mùa vàng sùng".split()
)
#: Middle names that mark a three- or four-syllable run as a person's name.
MIDDLE_NAMES = frozenset("văn thị hữu đức công đình bá trọng quang xuân ngọc thanh minh quốc".split())
#: Words after which a capitalised run names a person (lower case, canonical tones).
PERSON_TITLES = frozenset(
    "ông bà anh chị em cháu cụ bác chú cô thầy đồng_chí bị_cáo đối_tượng nghi_phạm nạn_nhân "
    "thủ_tướng phó_thủ_tướng bộ_trưởng thứ_trưởng chủ_tịch phó_chủ_tịch tổng_bí_thư bí_thư "
    "giám_đốc phó_giám_đốc tổng_giám_đốc chánh_án viện_trưởng đại_tướng thượng_tướng trung_tướng "
    "thiếu_tướng đại_tá thượng_tá trung_tá thiếu_tá bác_sĩ tiến_sĩ giáo_sư nhà_báo nhà_văn nhà_thơ "
    "họa_sĩ nhạc_sĩ ca_sĩ nghệ_sĩ nghệ_nhân cầu_thủ vđv vận_động_viên hlv huấn_luyện_viên tiền_vệ "
    "tiền_đạo hậu_vệ thủ_môn luật_sư kỹ_sư ths ts pgs gs lãnh_tụ nhà_cách_mạng danh_nhân".split()
)
#: Nouns of administrative units and streets: the capitalised run after them is a place, shown without them.
PLACE_NOUNS = frozenset(
    "tỉnh thành_phố tp tp. thủ_đô huyện quận thị_xã thị_trấn xã phường thôn làng bản ấp xóm "
    "đường phố ngõ sân_bay quảng_trường sân vùng_biển bán_đảo cảng khu_đô_thị".split()
)
#: Nouns of rivers, lakes, hills and bays: part of the place's name (``Sông Hồng``).
NATURAL_NOUNS = frozenset("sông hồ núi đồi đèo vịnh".split())
#: Heads of organisations' names, as syllables (lower case, canonical tones).
ORG_HEADS = frozenset(
    "bộ sở cục tổng_cục vụ viện ban hội hiệp_hội liên_đoàn đoàn quỹ công_ty tổng_công_ty tập_đoàn "
    "ngân_hàng trường đại_học học_viện bệnh_viện ủy_ban uỷ_ban ubnd tòa_án toà_án viện_kiểm_sát "
    "công_an bộ_đội bộ_tư_lệnh binh_chủng quân_đội quân_khu cơ_quan trung_tâm bảo_tàng nhà_máy "
    "thương_vụ mặt_trận đài báo văn_phòng hãng liên_minh câu_lạc_bộ".split()
)
#: Organisations named by their head alone.
STANDALONE_ORGS = frozenset("quốc_hội chính_phủ đảng".split())
#: Tags of words an organisation's name runs on over (nouns), besides capitalised words.
_NOUN_TAGS = frozenset({"N", "Np", "Nc", "Ny"})
#: Joining words inside a name: ``Sở Giáo dục và Đào tạo``, ``Hiệp hội Cà phê – Ca cao``.
_JOINERS = frozenset({"và", "-", "–"})
_MAX_NAME_SYLLABLES = 4
#: Lower-case words an organisation's name may end with after its last capital (Cục Cảnh sát giao thông).
MAX_LOWER_TAIL = 2
_SPACES = re.compile(r"[\s\-–—.]+")


def name_key(name: str) -> str:
    """The folded form a name is matched by: no marks, lower case, dashes and dots as spaces."""
    return _SPACES.sub(" ", strip_marks(canonical_text(name)).lower()).strip()


#: Administrative nouns a place's key is matched without (``thành phố Hạ Long`` is ``Hạ Long``).
_PLACE_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp|thu do|huyen|quan|thi xa|thi tran|xa|phuong) ")


def place_key(name: str) -> str:
    """The key of a place: that of its shown name when listed, else its own without an administrative noun."""
    listed = places().canonical(name)
    return name_key(listed) if listed else _PLACE_PREFIX.sub("", name_key(name))


def title_case(name: str) -> str:
    """``name`` with canonical tones and each syllable capitalised (acronyms such as ``THPT`` kept)."""
    words = canonical_text(" ".join(name.split())).split(" ")
    return " ".join(word if word.isupper() else word[:1].upper() + word[1:].lower() for word in words)


# ---------------------------------------------------------------- the shipped place list

#: What a listed place's key may be preceded by in a text (``Tỉnh``, ``Thành phố``, ``TP``, ``Thủ đô``).
_LISTED_PREFIXES = ("", "tinh ", "thanh pho ", "tp ", "thu do ")


@dataclass(frozen=True)
class Places:
    """The names of ``data/places.txt``: alias key → the name shown, and the most words a name has."""

    names: dict[str, str]
    longest: int
    #: Every key :meth:`by_key` matches, and each of its first words: a key that is none of these
    #: cannot grow, a word at a time, into one that matches.
    starts: frozenset[str]

    def canonical(self, name: str) -> str | None:
        """The shown name of a listed place (any of its names, with or without ``Tỉnh``/``Thành phố``)."""
        return self.by_key(name_key(name))

    def by_key(self, key: str) -> str | None:
        """:meth:`canonical` of a name already folded by :func:`name_key`."""
        for prefix in _LISTED_PREFIXES:
            if key.startswith(prefix) and key[len(prefix) :] in self.names:
                return self.names[key[len(prefix) :]]
        return None


@lru_cache(maxsize=1)
def places() -> Places:
    """The shipped list, read once."""
    text = (resources.files("searchkit") / "data" / "places.txt").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", "[")):
            continue
        shown, _unit, others = (part.strip() for part in line.split("|"))
        for form in [shown, *(o.strip() for o in others.split(",") if o.strip())]:
            names[name_key(form)] = canonical_text(shown)
    # "Tỉnh"/"Thành phố" before a name, and a dash in it, may take a word each.
    matched = [prefix + key for key in names for prefix in _LISTED_PREFIXES]
    starts = frozenset(
        " ".join(words[:end]) for key in matched if (words := key.split(" ")) for end in range(1, len(words) + 1)
    )
    return Places(names, max(key.count(" ") for key in names) + 3, starts)


# ---------------------------------------------------------------- reading the text


class _Word:
    """One segmented word (``Hà_Nội``), its tag and span, and the shape of its letters (computed once)."""

    __slots__ = ("capital", "end", "lower", "punctuation", "start", "tag", "titled", "token")

    def __init__(self, token: str, tag: str, start: int, end: int) -> None:
        self.token, self.tag, self.start, self.end = token, tag, start, end
        self.lower = token.lower()
        self.capital = token[:1].isupper()
        #: Every syllable capitalised, and not an acronym: the shape of a person's or a place's name.
        self.titled = self.capital and all(s[:1].isupper() and not s.isupper() for s in token.split("_"))
        self.punctuation = tag == "F" or not (token[:1].isalnum() or any(ch.isalnum() for ch in token))

    @property
    def text(self) -> str:
        """The word's syllables joined by spaces."""
        return self.token.replace("_", " ")


@dataclass
class Names:
    """The names of one article, in the order first found, shown in title case."""

    people: list[str]
    places: list[str]
    orgs: list[str]


def _words(text: str) -> list[_Word]:
    """The text segmented and tagged by pyvi's models."""
    segmented = get_segmenter().segment(text)
    tokens = ["_".join([s.text for s in word]) for word in segmented]
    tags = get_pos_tagger().tag(tokens)
    return [
        _Word(token, tag, word[0].start, word[-1].end) for token, tag, word in zip(tokens, tags, segmented, strict=True)
    ]


def _gap(text: str, before: _Word, after: _Word) -> bool:
    """True when only blanks stand between two words (no line break)."""
    return text[before.end : after.start].strip(" \t") == ""


def _titled_run(words: list[_Word], at: int, text: str) -> int:
    """The end of the run of title-cased words from ``at`` (same line, at most four syllables)."""
    end, syllables = at, 0
    while end < len(words) and words[end].titled and (end == at or _gap(text, words[end - 1], words[end])):
        syllables += words[end].text.count(" ") + 1
        if syllables > _MAX_NAME_SYLLABLES:
            break
        end += 1
    return end


def _shown(words: Iterable[_Word]) -> str:
    """The name the words make, as shown: title case, canonical tones."""
    return title_case(" ".join(w.text for w in words))


def _is_person(words: list[_Word], at: int, end: int) -> bool:
    run = " ".join(w.text for w in words[at:end]).lower().split(" ")
    if not 2 <= len(run) <= _MAX_NAME_SYLLABLES or not all(w.tag == "Np" for w in words[at:end]):
        return False
    if places().canonical(" ".join(run)):
        return False
    titled_before = at > 0 and words[at - 1].lower in PERSON_TITLES
    return run[0] in SURNAMES or titled_before or (len(run) >= 3 and run[1] in MIDDLE_NAMES)


def _org_end(words: list[_Word], at: int, text: str) -> int:
    """Where the organisation whose head is ``words[at]`` ends (``at + 1`` when nothing follows it)."""
    end = last_capital = at + 1
    while end < len(words) and _gap(text, words[end - 1], words[end]):
        word = words[end]
        if word.lower in _JOINERS:
            following = words[end + 1] if end + 1 < len(words) else None
            if (
                following is None
                or not following.capital
                or following.lower in ORG_HEADS
                or following.lower in PERSON_TITLES
            ):
                break
        elif word.capital:
            if word.lower in PERSON_TITLES:
                break
            if word.titled and _is_person(words, end, _titled_run(words, end, text)):
                break
            last_capital = end + 1
        elif word.tag not in _NOUN_TAGS and word.lower not in PLACE_NOUNS:
            break
        end += 1
    if last_capital == at + 1:
        return at + 1  # no capitalised word after the head: a common noun (hai Bộ, Ban tổ chức)
    end = min(end, last_capital + MAX_LOWER_TAIL)
    while end > last_capital and words[end - 1].lower in PLACE_NOUNS:  # "... tỉnh" with no name after it
        end -= 1
    return end


_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])[ \t]+|\n+")
_LETTERS = re.compile(r"[^\W\d_]+")


def _with_capitals(text: str) -> str:
    """The sentences of ``text`` with a capital after their first word, one a line: the others name no one.

    A name is capitalised, and one that opens a sentence has a second capital
    (``Nguyễn Thị Oanh``) or is on the place list; segmenting and tagging only
    these sentences spares a third of the cost on news text.
    """
    kept = []
    for sentence in _SENTENCE_BREAK.split(text):
        words = _LETTERS.findall(sentence)
        if any(word[0].isupper() for word in words[1:]) or (words and places().by_key(name_key(words[0]))):
            kept.append(sentence)
    return "\n".join(kept)


def extract(text: str) -> Names:
    """The people, places and organisations ``text`` names."""
    text = _with_capitals(canonical_text(text))
    found: dict[str, dict[str, str]] = {PERSON: {}, PLACE: {}, ORG: {}}

    def add(kind: str, name: str) -> None:
        found[kind].setdefault(name_key(name), name)

    words = _words(text)
    for name in _listed_places(words, text):
        add(PLACE, name)
    placed: set[int] = set()
    for name, span in _places_after_nouns(words, text):
        add(PLACE, name)
        placed.update(span)
    i = 0
    while i < len(words):
        word = words[i]
        if not word.capital or word.punctuation:
            i += 1
            continue
        lower = word.lower
        if lower in STANDALONE_ORGS:
            add(ORG, _shown([word]))
            i += 1
            continue
        if lower in ORG_HEADS:
            end = _org_end(words, i, text)
            if end > i + 1:
                add(ORG, _shown(words[i:end]))
                i = end  # the places it holds (Sở Y tế Hà Nội) are found by the passes for places
                continue
        if word.titled and i not in placed:
            end = _titled_run(words, i, text)
            if _is_person(words, i, end):
                add(PERSON, _shown(words[i:end]))
                i = end
                continue
        i += 1
    return Names(*(list(found[kind].values()) for kind in (PERSON, PLACE, ORG)))


def _listed_places(words: list[_Word], text: str) -> Iterable[str]:
    """The places of the shipped list, as whole words starting with a capital (Mỹ, not Mỹ Đình nor mỹ thuật)."""
    listed = places()
    i = 0
    while i < len(words):
        if not words[i].capital:
            i += 1
            continue
        found, parts = None, []
        for last in range(i, min(len(words), i + listed.longest)):
            if last > i and not _gap(text, words[last - 1], words[last]):
                break
            parts.append(fold(words[last].lower))  # syllables joined by "_", made spaces below
            if words[last].punctuation:
                continue
            key = _SPACES.sub(" ", " ".join(parts).replace("_", " ")).strip()
            if key not in listed.starts:  # the words so far begin no listed name: more words will not
                break
            name = listed.by_key(key)
            if name:
                found = (name, last)
        if found is not None:
            name, last = found
            following = words[last + 1] if last + 1 < len(words) else None
            if not (following is not None and following.titled and _gap(text, words[last], following)):
                yield name
                i = last
        i += 1


def _places_after_nouns(words: list[_Word], text: str) -> Iterable[tuple[str, range]]:
    """Capitalised runs after a place noun and those listed after them (``các quận A, B và C``), with their words."""
    i = 0
    while i < len(words):
        noun = words[i]
        natural = noun.lower in NATURAL_NOUNS and not noun.capital  # Hồ is also a family name
        if noun.lower not in PLACE_NOUNS and not natural:
            i += 1
            continue
        i += 1
        while i < len(words) and words[i].titled and _gap(text, words[i - 1], words[i]):
            end = _titled_run(words, i, text)
            shown = _shown(words[i:end])
            listed = places().canonical(f"{noun.text} {shown}") or places().canonical(shown)
            yield listed or (title_case(f"{noun.text} {shown}") if natural else shown), range(i, end)
            i = end
            if i + 1 < len(words) and words[i].text in (",", "và") and words[i + 1].titled:
                i += 1
                continue
            break


def article_names(article: Article) -> Names:
    """The names of an article's title, captions and body (its byline is the author field)."""
    return _names_of(article.title, tuple(article.captions), article.body)


@lru_cache(maxsize=4)
def _names_of(title: str, captions: tuple[str, ...], body: str) -> Names:
    """Cached: the index asks once per field that holds names.

    A title cut from the lead, or a caption also in the body, is read once.
    """
    return extract("\n\n".join([*(part for part in (title, *captions) if part not in body), body]))
