"""From what the user typed to a Whoosh query that finds Vietnamese however it was typed.

Whoosh's own parser reads the syntax (words, ``"phrases"``, ``AND``/``OR``/
``NOT``, ``field:value``, ISO dates and date ranges, ``word~1``); ``-word``
is first rewritten as ``NOT word``.  The parsed tree is then rewritten:

* in a query typed with marks, each syllable matches its exact form and its
  folded form, so ``bảo`` ranks ``bảo`` above ``báo``/``bao`` and ``Phan``
  ranks ``Phan`` above ``phấn``; in a query typed without any, each syllable
  matches every spelling through its folded form;
* under ``NOT`` (or ``-word``), a query typed with marks excludes only the
  spelling typed: ``bảo hiểm -bão`` keeps insurance and drops the storm;
* stop words of an unquoted query are not required;
* adjacent words of an unquoted query add optional shingle and compound
  terms, so text with the words side by side (or as one compound) ranks first.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, WildcardPlugin
from whoosh.query.qcore import _NullQuery

from searchkit import fields as article_fields
from searchkit.analysis import COMPOUND_SEPARATOR, FOLDED_MARK, SHINGLE_SEPARATOR, is_stop_word
from searchkit.errors import QueryError
from searchkit.normalize import canonical_text, fold, has_diacritics
from searchkit.snippets import Marks

#: Weight of a folded-only match when the user typed diacritics.  A folded
#: syllable stands for up to six tones (``bao``: bao, báo, bào, bảo, bão, bạo),
#: so it is weaker evidence than the spelling the user chose.
FOLDED_WEIGHT_WHEN_MARKED = 1 / 3
#: Longest run of query words tried as one compound word.
MAX_COMPOUND_SYLLABLES = 3

_QUOTED = re.compile(r'"[^"]*"')
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
#: ``-word``, ``-"phrase"`` or ``-(group)`` after a space or at the start: excluded, as search boxes read it.
#: ``Covid-19``, ``NĐ-CP``, ``Hà Nội - Hải Phòng`` and ``-5`` are left as they are.
_QUOTED_OR_EXCLUDED = re.compile(r'"[^"]*"|(?<![^\s(])-(?=[^\W\d_]|["(])')
_FIELD_PREFIX = re.compile(r'(?:^|[\s(])-?([^\s:()"-][^\s:()"]*):(?!//)')
_EMPTY_FIELD = re.compile(r'(?:^|[\s(])-?([^\s:()"-][^\s:()"]*):(?=\s|\)|$)')

BAD_DATE = "bad date in query (use date:YYYY, date:YYYY-MM, date:YYYY-MM-DD, date:>2023 or date:[FROM TO TO])"
DATE_FORMS = "write dates as YYYY, YYYY-MM or YYYY-MM-DD, e.g. date:2020-07, date:>=2023-06, date:<2024"
RANGE_SYNTAX = (
    "a date range is date:[FROM TO TO], each end YYYY, YYYY-MM or YYYY-MM-DD, or * for an open end, "
    "e.g. date:[2020-01 TO 2020-06] or date:[2023 TO *]"
)
#: Most index words one wildcard pattern may stand for: beyond, the query is refused.
MAX_WILDCARD_TERMS = 512
TOO_BROAD = "pattern {pattern!r} matches too many words ({count}); make it longer"
MALFORMED = "malformed query: the parser could not read it; check its brackets, quotes and field:value pairs"
EMPTY_QUERY = 'empty query: give words to search for, e.g. searchkit search "bo cong an"'


def _check_syntax(text: str) -> None:
    """Reject what Whoosh's lenient parser would silently misread."""
    if not text.strip():
        raise QueryError(EMPTY_QUERY)
    if text.count('"') % 2:
        raise QueryError('malformed query: a quote is not closed (phrases go between two ")')
    unquoted = _QUOTED.sub("PHRASE", text)
    depth = 0
    for ch in unquoted:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        raise QueryError("malformed query: parentheses do not balance")
    empty = _EMPTY_FIELD.search(unquoted)
    if empty and not empty.group(1).isdigit():
        raise QueryError(f"malformed query: {empty.group(1)}: needs a value, e.g. {empty.group(1)}:word")
    for name in _FIELD_PREFIX.findall(unquoted):
        if name.isdigit():
            continue
        if name not in article_fields.query_fields():
            known = ", ".join(article_fields.query_fields())
            raise QueryError(f"unknown field {name!r} in query: use one of {known}")


def _minus_as_not(text: str) -> str:
    """Rewrite ``-word`` outside quotes as ``NOT word`` for Whoosh's parser."""
    return _QUOTED_OR_EXCLUDED.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "NOT ", text)


def _errors(q: wq.Query) -> list[str]:
    found = [str(q.error)] if getattr(q, "error", None) else []
    for child in q.children():
        found.extend(_errors(child))
    return found


def _plain_word(q: wq.Query) -> tuple[str, tuple[str, ...]] | None:
    """The word of a clause that is one plain word, and the fields it is searched in; else None."""
    if type(q) is wq.Term and q.fieldname in article_fields.default_fields():
        return q.text, (q.fieldname,)
    if type(q) is wq.Or and q.subqueries and all(type(sub) is wq.Term for sub in q.subqueries):
        texts = {sub.text for sub in q.subqueries}
        names = tuple(sub.fieldname for sub in q.subqueries)
        if len(texts) == 1 and all(name in article_fields.default_fields() for name in names):
            return texts.pop(), names
    return None


def _drop_stop_words(q: wq.Query) -> wq.Query:
    """An unquoted query does not require its function words (unless it is nothing else)."""
    if type(q) is wq.And:
        kept = [sub for sub in q.subqueries if not is_stop_word((_plain_word(sub) or ("", ()))[0])]
        if kept and len(kept) < len(q.subqueries):
            return wq.And(kept, boost=q.boost) if len(kept) > 1 else kept[0]
    return q


def _folded(q: wq.Term, weight: float = 1.0) -> wq.Term:
    return wq.Term(q.fieldname, FOLDED_MARK + fold(q.text), boost=q.boost * weight)


def _expand_term(q: wq.Term, marked: bool) -> wq.Query:
    """Every spelling through the folded form; with marks typed, the exact form first."""
    if not marked:
        return _folded(q)
    return wq.Or([wq.Term(q.fieldname, q.text, boost=q.boost), _folded(q, FOLDED_WEIGHT_WHEN_MARKED)])


def _expand_phrase(q: wq.Phrase, marked: bool) -> wq.Query:
    """A phrase looked up through its folded shingles, exact spellings ranked first.

    Two syllables are one shingle term; longer phrases are a phrase of
    shingles, whose posting lists are far shorter than those of common
    syllables (``bộ``, ``công``, ``an``).  A phrase with a slop cannot use
    shingles and stays a phrase of syllables, folded.
    """
    folded = [fold(word) for word in q.words]
    if q.slop > 1:
        loose = wq.Phrase(q.fieldname, [FOLDED_MARK + word for word in folded], slop=q.slop, boost=q.boost)
        if not marked:
            return loose
        return wq.Or([wq.Phrase(q.fieldname, q.words, slop=q.slop, boost=q.boost), loose])
    shingles = [first + SHINGLE_SEPARATOR + second for first, second in itertools.pairwise(folded)]
    if len(shingles) == 1:
        match: wq.Query = wq.Term(q.fieldname, shingles[0], boost=q.boost)
    else:
        match = wq.Phrase(q.fieldname, shingles, boost=q.boost)
    if not marked:
        return match
    return wq.AndMaybe(match, wq.Or([wq.Term(q.fieldname, word, boost=q.boost) for word in q.words]))


def _expand(q: wq.Query, marked: bool, negated: bool = False) -> wq.Query:
    """Look every syllable up in its folded form, and its exact form when marks were typed.

    Under ``NOT`` a query typed with marks excludes only the spelling typed:
    ``bảo hiểm NOT bão`` keeps the articles on ``bảo hiểm``, which the folded
    ``bao`` would exclude along with the storm.
    """
    if isinstance(q, wq.Not):
        return wq.Not(_expand(q.query, marked, not negated), boost=q.boost)
    if isinstance(q, wq.AndNot):
        return wq.AndNot(_expand(q.a, marked, negated), _expand(q.b, marked, not negated))
    if negated and marked and type(q) in (wq.Term, wq.Phrase):
        return q
    if type(q) is wq.Term and q.fieldname in article_fields.text_fields():
        return _expand_term(q, marked)
    if type(q) is wq.Phrase and q.fieldname in article_fields.text_fields():
        return _expand_phrase(q, marked)
    if q.is_leaf():
        return q
    return q.apply(lambda child: _expand(child, marked, negated))


def _proximity(words: list[str], fields: tuple[str, ...]) -> list[wq.Query]:
    """Optional terms rewarding adjacent query words: folded shingles and compounds.

    They stay in the fields the words were searched in: ``title:(thụy điển)``
    must not rank an article up for ``thủy điện`` in its captions.
    """
    terms: list[wq.Query] = []
    for fieldname in fields:
        boost = article_fields.boosts().get(fieldname, 1.0)
        terms.extend(wq.Term(fieldname, shingle, boost=boost) for shingle in run_shingles(words))
        for size in range(2, MAX_COMPOUND_SYLLABLES + 1):
            for start in range(len(words) - size + 1):
                compound = COMPOUND_SEPARATOR.join(words[start : start + size])
                terms.append(wq.Term(fieldname, fold(compound), boost=boost))
    return terms


def _word_runs(q: wq.Query) -> list[tuple[list[str], tuple[str, ...]]]:
    """Runs of plain words typed side by side over the same fields in an unquoted AND query."""
    if type(q) is not wq.And:
        return []
    runs: list[tuple[list[str], tuple[str, ...]]] = [([], ())]
    for sub in q.subqueries:
        plain = _plain_word(sub)
        if plain is None:
            runs.append(([], ()))
        elif plain[1] != runs[-1][1]:
            runs.append(([plain[0]], plain[1]))
        else:
            runs[-1][0].append(plain[0])
    return [(words, fields) for words, fields in runs if len(words) >= 2]


# ---------------------------------------------------------------- dates

_DATE_CLAUSE = re.compile(r'"[^"]*"|(?<![^\s(])date:(?:([\[{])([^\]}]*)([\]}])?|(>=|<=|>|<)?([^\s()"]*))')
_DATE_VALUE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
Period = tuple[int, int | None, int | None]  # year, month, day: a year, a month or a day


def _period(value: str) -> Period:
    """``2020``, ``2020-07`` or ``2020-07-31`` as a checked (year, month, day)."""
    match = _DATE_VALUE.fullmatch(value)
    if not match:
        raise QueryError(f"bad date {value!r} in query: {DATE_FORMS}")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        date(year, month or 1, day or 1)  # type: ignore[arg-type]
    except ValueError:
        raise QueryError(f"bad date {value!r} in query: it is not on the calendar") from None
    return year, month, day  # type: ignore[return-value]


def _first_day(period: Period) -> date:
    return date(period[0], period[1] or 1, period[2] or 1)


def _next(period: Period, step: int) -> Period:
    """The year, month or day after (``step`` 1) or before (-1) ``period``, at the same precision."""
    year, month, day = period
    try:
        if day is not None:
            moved = _first_day(period) + timedelta(days=step)
            return moved.year, moved.month, moved.day
        if month is not None:
            index = year * 12 + month - 1 + step
            date(index // 12, index % 12 + 1, 1)
            return index // 12, index % 12 + 1, None
        date(year + step, 1, 1)
        return year + step, None, None
    except (ValueError, OverflowError):
        raise QueryError(f"no date {'after' if step > 0 else 'before'} {_iso(period)} to search for") from None


def _iso(period: Period | None) -> str:
    if period is None:
        return ""
    year, month, day = period
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")


def _range_ends(inner: str, clause: str) -> tuple[Period | None, Period | None]:
    """The two ends of ``FROM TO TO`` (``TO`` in any case; ``*`` or nothing for an open end)."""
    words = inner.split()
    if [word.lower() for word in words].count("to") != 1:
        raise QueryError(f"cannot read the date range {clause!r}: {RANGE_SYNTAX}")
    at = [word.lower() for word in words].index("to")
    ends = [" ".join(words[:at]) or "*", " ".join(words[at + 1 :]) or "*"]
    start, end = (None if end == "*" else _period(end) for end in ends)
    return start, end


def _date_clause(match: re.Match[str]) -> str:
    """One ``date:`` clause as Whoosh reads it: comparisons and open ranges as ``[FROM to TO]``.

    ``>2023`` starts in 2024 and ``<2024-06`` ends in May: each end keeps the
    precision typed.  A range typed backwards (``[2021 TO 2020]``) is read
    forwards, as the user surely meant.  Both ends are included, ``{…}`` too.
    """
    clause = match.group(0)
    if clause.startswith('"'):
        return clause
    opening, inner, closing, comparison, value = match.groups()  # opening: [ or {, both inclusive
    if opening is None:
        if not value:
            return clause  # date:(…) or date:"…": left to the parser
        period = _period(value)
        start, end = {
            None: (period, period),
            ">": (_next(period, 1), None),
            ">=": (period, None),
            "<": (None, _next(period, -1)),
            "<=": (None, period),
        }[comparison]
    else:
        if closing is None:
            raise QueryError(f"the date range {clause.strip()!r} is not closed: {RANGE_SYNTAX}")
        start, end = _range_ends(inner, clause)
        if start is not None and end is not None and _first_day(start) >= _first_day(_next(end, 1)):
            start, end = end, start
    if start is not None and start == end:
        return f"date:{_iso(start)}"
    return "date:[" + " to ".join(_iso(end) for end in (start, end)).strip() + "]"


def rewrite_dates(text: str) -> str:
    """``text`` with every ``date:`` clause in the one form Whoosh's parser reads; raises :class:`QueryError`."""
    return _DATE_CLAUSE.sub(_date_clause, text)


# ---------------------------------------------------------------- wildcards


class _PatternNode(WildcardPlugin.WildcardNode):
    """A word with ``*`` or ``?``, looked up as a pattern over the index's words, never analyzed.

    In a text field the pattern runs over the diacritic-free forms (``~…``)
    when typed without marks, so ``c*ng`` finds ``công``, and over the exact
    forms when typed with them.
    """

    def query(self, parser: Any) -> wq.Query | None:
        fieldname = self.fieldname or parser.fieldname
        if fieldname not in article_fields.text_fields():
            return super().query(parser)
        pattern = canonical_text(self.text).lower()
        if not any(ch.isalnum() for ch in pattern):
            return None  # ``*`` alone is no part of a word: ignored, as punctuation is
        if not has_diacritics(pattern):
            pattern = FOLDED_MARK + pattern
        return wq.Wildcard(fieldname, pattern, boost=self.boost)


class _PatternPlugin(WildcardPlugin):
    nodetype = _PatternNode

    def do_wildcards(self, parser: Any, group: Any) -> Any:
        """Whoosh's own joining of a pattern's pieces; every pattern, ``con*`` included, stays a pattern node."""
        group = super().do_wildcards(parser, group)
        for index, node in enumerate(group):
            if type(node).__name__ == "PrefixNode" and not isinstance(node, _PatternNode):
                pattern = _PatternNode(node.text + "*")
                pattern.startchar, pattern.endchar = node.startchar, node.endchar
                group[index] = pattern
        return group


def _pattern_shown(q: wq.PatternQuery) -> str:
    text = q.text.removeprefix(FOLDED_MARK)
    return text + "*" if isinstance(q, wq.Prefix) else text


def check_wildcards(q: wq.Query, reader: Any, limit: int | None = None) -> None:
    """Refuse a query whose wildcard pattern stands for more than ``limit`` (MAX_WILDCARD_TERMS) of the index's words.

    Each pattern is expanded through ``reader`` (distinct words over the
    fields it is searched in); the count is what the user is told.
    """
    words: dict[str, set[str]] = {}
    for leaf in q.leaves():
        if isinstance(leaf, (wq.Wildcard, wq.Prefix)) and leaf.fieldname in article_fields.text_fields():
            found = words.setdefault(_pattern_shown(leaf), set())
            found.update(leaf._btexts(reader))
    limit = MAX_WILDCARD_TERMS if limit is None else limit
    for pattern, found in words.items():
        if len(found) > limit:
            raise QueryError(TOO_BROAD.format(pattern=pattern, count=len(found)))


# ---------------------------------------------------------------- the parser


#: Adjacent words typed side by side, and the fields they are searched in.
WordRun = tuple[list[str], tuple[str, ...]]


@dataclass
class ParsedQuery:
    """A query parsed once: its tree and what the rest of searchkit reads about how it was typed.

    ``tree`` is what the engine evaluates; ``marked`` whether the user typed
    diacritics (``Phan`` then means Phan, not phấn); ``operators`` the boolean
    operators spelled out (``-word`` counts as ``NOT``); ``runs`` the words typed
    side by side (stop words included), which rank articles holding them as a
    phrase first; ``exact`` what an article needs to have every word as typed.
    """

    text: str
    tree: wq.Query
    marked: bool
    operators: frozenset[str]
    runs: list[WordRun]
    exact: wq.Query | None = None
    _marks: dict[str, Marks] = field(default_factory=dict, repr=False)

    def matching(self) -> wq.Query:
        """The tree without the clauses that only rank: the same matches, for lists sorted by date."""
        return matching_part(self.tree)

    def relaxed(self) -> Relaxed | None:
        """The "any of the words" form, when no article has them all (see :func:`relax`)."""
        return None if self.operators else relax(self.tree)

    def terms(self) -> list[tuple[str, str]]:
        """Every (field, term) the tree looks up."""
        return [(name, str(text)) for name, text in self.tree.iter_all_terms()]

    def marks(self, fieldname: str) -> Marks:
        """What highlighting marks in ``fieldname``."""
        if fieldname not in self._marks:
            self._marks[fieldname] = highlight_marks(self.tree, fieldname)
        return self._marks[fieldname]


def parse(text: str, schema: Schema) -> ParsedQuery:
    """Parse what the user typed; raises :class:`QueryError` with a one-line reason."""
    _check_syntax(text)
    # Compounds joined as segmenters print them (công_an) mean the words side by side.
    rewritten = rewrite_dates(_minus_as_not(text.replace("_", " ")))
    parser = MultifieldParser(list(article_fields.default_fields()), schema, fieldboosts=article_fields.boosts())
    parser.add_plugin(FuzzyTermPlugin())
    parser.remove_plugin_class(WildcardPlugin)
    parser.add_plugin(_PatternPlugin())
    try:
        parsed = parser.parse(rewritten)
    except Exception:  # whoosh raises bare Exceptions for unparseable range ends
        if "date:" in rewritten:
            raise QueryError(BAD_DATE) from None
        raise QueryError(MALFORMED) from None
    problems = _errors(parsed)
    if problems:
        raise QueryError(BAD_DATE)
    if isinstance(parsed, _NullQuery):
        raise QueryError(f"nothing to search for in {text!r}: give words, a phrase or field:value")
    runs = _word_runs(parsed)
    # One mark anywhere shows the user types with diacritics: "Phan Văn Giang" means Phan, not phấn.
    marked = has_diacritics(canonical_text(text))
    operators = frozenset(_OPERATOR.findall(_QUOTED.sub("", rewritten)))
    tree = _expand(_drop_stop_words(parsed), marked=marked)
    if runs:
        boosts = [term for words, fields in runs for term in _proximity(words, fields)]
        tree = wq.AndMaybe(tree, wq.Or(boosts))
    parsed_query = ParsedQuery(text, tree, marked, operators, runs)
    parsed_query.exact = spelled_as_typed(parsed_query)
    return parsed_query


def parse_query(text: str, schema: Schema) -> wq.Query:
    """The tree of :func:`parse` alone."""
    return parse(text, schema).tree


def run_shingles(words: list[str]) -> list[str]:
    """The folded shingles of adjacent words, as the index holds them (``cong an``)."""
    return [fold(first) + SHINGLE_SEPARATOR + fold(second) for first, second in itertools.pairwise(words)]


def matching_part(q: wq.Query) -> wq.Query:
    """``q`` without the optional clauses that only rank (``ANDMAYBE``): the same matches, found faster.

    A list sorted by date has no use for proximity and exact-form preferences;
    leaving them out took a date-sorted search at 100,000 articles from p50 2.6 s
    to 1.9 s (docs/benchmarks.md).
    """
    if isinstance(q, wq.AndMaybe):
        return matching_part(q.a)
    return q.apply(matching_part)


@dataclass
class Relaxed:
    """A query of several words that no article has all of, asked again with any of them.

    ``words`` are the expanded word clauses (a word, a phrase, ``title:…``);
    ``required`` the clauses that stay required (dates, ids); ``query`` finds
    and scores the articles with any of the words, adjacency still ranking first.
    """

    words: list[wq.Query]
    required: list[wq.Query]
    query: wq.Query


def _is_text_clause(q: wq.Query) -> bool:
    names = {name for name, _ in q.iter_all_terms()}
    return bool(names) and names <= set(article_fields.text_fields())


def relax(q: wq.Query) -> Relaxed | None:
    """The "any of the words" form of ``q`` (the tree of :func:`parse`), or None.

    Only for words typed side by side: a query that spells out ``AND``, ``OR``
    or ``NOT`` (or ``-word``) means exactly what it says (:meth:`ParsedQuery.relaxed`).
    """
    base, boosts = (q.a, q.b) if isinstance(q, wq.AndMaybe) else (q, None)
    if type(base) is not wq.And:
        return None
    words = [sub for sub in base.subqueries if _is_text_clause(sub)]
    required = [sub for sub in base.subqueries if not _is_text_clause(sub)]
    if len(words) < 2:
        return None
    anyword: wq.Query = wq.Or(words)
    if required:
        anyword = wq.And([*required, anyword])
    return Relaxed(words, required, wq.AndMaybe(anyword, boosts) if boosts is not None else anyword)


def spelled_as_typed(parsed: ParsedQuery) -> wq.Query | None:
    """What an article must hold to have every word exactly as typed, or None.

    A query typed with marks says which word it means: ``hồ sơ khống`` is not
    ``hồ sơ không``, ``Thanh Thủy`` is not ``thành … Thủy``.  Folded matches
    keep such articles in the results, and the search ranks those that have
    every word as typed above them, whatever the field boosts.  Words under
    ``NOT``, fuzzy or wildcard words, and queries with ``OR`` are left to the
    scores.
    """
    if not parsed.marked or "OR" in parsed.operators:
        return None
    q = parsed.tree
    base = q.a if isinstance(q, wq.AndMaybe) else q
    if isinstance(base, wq.AndNot):
        base = base.a
    clauses = base.subqueries if type(base) is wq.And else [base]
    fields_of: dict[str, set[str]] = {}
    for clause in clauses:
        if isinstance(clause, (wq.Not, wq.AndNot)) or not _is_text_clause(clause):
            continue
        if any(type(leaf) not in (wq.Term, wq.Phrase) for leaf in clause.leaves()):
            continue
        for name, term in clause.iter_all_terms():
            if not term.startswith(FOLDED_MARK) and SHINGLE_SEPARATOR not in term and COMPOUND_SEPARATOR not in term:
                fields_of.setdefault(term, set()).add(name)
    if not fields_of:
        return None
    return wq.And([wq.Or([wq.Term(name, word) for name in sorted(names)]) for word, names in fields_of.items()])


def highlight_marks(q: wq.Query, fieldname: str) -> Marks:
    """The syllables of ``q`` that highlighting marks in ``fieldname``: typed with marks, or folded.

    Shingles and compounds stand for their syllables; words under ``NOT`` are
    not marked.
    """
    exact: set[str] = set()
    folded: set[str] = set()

    def visit(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            visit(node.a)
            return
        if type(node) is wq.Term:
            if node.fieldname == fieldname:
                text = str(node.text)
                if text.startswith(FOLDED_MARK):
                    folded.add(text[len(FOLDED_MARK) :])
                elif SHINGLE_SEPARATOR in text or COMPOUND_SEPARATOR in text:
                    folded.update(re.split(r"[ _]", text))
                else:
                    exact.add(text)
            return
        if type(node) is wq.Phrase:
            if node.fieldname == fieldname:
                for word in node.words:
                    visit(wq.Term(fieldname, word))
            return
        for child in node.children():
            visit(child)

    visit(q)
    return Marks(frozenset(exact), frozenset(folded - {""}))
