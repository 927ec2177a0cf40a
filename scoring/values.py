"""Parse targets and actuals the way real 自评表 write them.

    ≥8000件   ≧95％   >=１００   ＞＝2次   ≤50万元   →100%   = 0   6,577.19万元
    95%以上   不低于90%   2021年12月31日前   12月底前   1-12月   90%-95%   ±5%   及时   达成预期指标

A `Value` keeps the raw text, the comparison sign (normalised to one of
`>= > <= < =`, or None when none is written), the number as a Decimal built
from the text, the unit, or a date, or else the normalised text.  The parser
never raises: what it cannot read as a number or a date is text, and the rule
that needed a number says so (V501).
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from .display import strip_invisible

NUMBER = "number"
DATE = "date"
RANGE = "range"
TEXT = "text"
EMPTY = "empty"

GE, GT, LE, LT, EQ = ">=", ">", "<=", "<", "="
SIGN_LABEL = {GE: "≥", GT: ">", LE: "≤", LT: "<", EQ: "="}

# Glyphs and words for each sign; longest first so `>=` wins over `>`.  A word (不低于, 控制在, 达到) is a sign
# only when a number or a date follows it: 「不低于上年水平」 and 「达到预期目标」 are 定性 targets.
_SIGN_PREFIXES = [
    ("大于或等于", GE), ("大于等于", GE), ("不低于", GE), ("不少于", GE), ("不小于", GE), ("至少", GE),
    ("小于或等于", LE), ("小于等于", LE), ("不高于", LE), ("不超过", LE), ("不多于", LE), ("不大于", LE),
    ("至多", LE), ("控制在", LE),
    (">=", GE), ("=>", GE), ("≥", GE), ("≧", GE), ("⩾", GE), ("≮", GE),
    ("<=", LE), ("=<", LE), ("≤", LE), ("≦", LE), ("⩽", LE), ("≯", LE),
    ("==", EQ), ("＝", EQ), ("═", EQ), ("=", EQ), ("→", EQ), ("->", EQ), ("⟶", EQ), ("≈", EQ), ("~", EQ),
    ("∽", EQ),
    ("大于", GT), ("高于", GT), ("超过", GT), ("多于", GT), (">", GT),
    ("小于", LT), ("低于", LT), ("少于", LT), ("<", LT),
    ("等于", EQ), ("达到", GE),
]
_SIGN_SUFFIXES = [("及以上", GE), ("以上", GE), ("及以下", LE), ("以下", LE), ("以内", LE), ("之内", LE)]

_NUM = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUMBER_RE = re.compile(rf"^(?P<num>{_NUM})\s*(?P<unit>[^\d\s,.+\-][^\d\s]{{0,7}})?$")
_RANGE_RE = re.compile(
    rf"^(?P<low>{_NUM})\s*(?P<unit1>[^\d\s,.+\-~～—至到][^\d\s~～—至到-]{{0,5}})?\s*(?:-|~|～|—|－|至|到)\s*"
    rf"(?P<high>{_NUM})\s*(?P<unit2>[^\d\s,.+\-][^\d\s]{{0,7}})?$")
_BARE_NUMBER = re.compile(r"[-+]?[\d.,]+")
_PLUS_MINUS_RE = re.compile(r"^±\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s,.+\-][^\d\s]{0,7})?$")
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:年|[-./])\s*(?P<m>\d{1,2})\s*(?:月|[-./])?\s*(?:(?P<d>\d{1,2})\s*[日号]?)?"
    r"\s*(?P<end>底|末|月底|月末)?\s*(?P<before>前|之前|以前|内|以内|止)?$"
)
_DEADLINE_TAIL = r"\s*(?P<before>前|之前|以前|内|以内|止|完成|前完成|内完成|结束|底前)?$"
# Dates and periods without a year: the table's year applies (「12月底前」「6月份完成」「1-12月」「年底前」「第四季度」).
_MONTH_DAY_RE = re.compile(r"^(?:(?P<y>\d{4})\s*年\s*)?(?:(?P<m1>\d{1,2})\s*月?\s*(?:-|~|～|—|至|到)\s*)?"
                           r"(?P<m>\d{1,2})\s*月份?\s*(?:(?P<d>\d{1,2})\s*[日号])?\s*(?P<end>底|末|中旬|上旬|下旬)?"
                           + _DEADLINE_TAIL)
_YEAR_END_RE = re.compile(r"^(?:(?P<y>\d{4})\s*年|本年度?|当年|年)\s*(?:底|末|度内|内|终)" + _DEADLINE_TAIL)
_QUARTER_RE = re.compile(r"^(?:(?P<y>\d{4})\s*年\s*)?第?(?P<q>[1-4一二三四])季度(?:末|底)?" + _DEADLINE_TAIL)
_HALF_RE = re.compile(r"^(?:(?P<y>\d{4})\s*年\s*)?(?P<h>上|下)半年(?:末|底)?" + _DEADLINE_TAIL)
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}
_AFTER = ("以后", "之后", "后")
_PLACEHOLDER_YEAR = 2000  # a leap year: 「2月29日前」 stays a date when no year is known


_AMBIGUOUS_COMMA = re.compile(r"^[^，]*[\d０-９]，(?![\d０-９]{3}[.．])[\d０-９][^，]*$")


def ambiguous_comma(text: str) -> bool:
    """「22，873」: one Chinese comma between digits, not a group before a decimal point (「6，577.19」)."""
    return "，" in text and bool(_AMBIGUOUS_COMMA.match(text))


# Units that are the same quantity at another scale.  A bare scale (「120万」) takes the other side's base.
_SCALES = {"千": Decimal(1000), "万": Decimal(10000), "亿": Decimal(100000000), "百万": Decimal(1000000)}
_UNIT_ALIASES = {"％": "%", "百分比": "%", "%(百分比)": "%", "百分比(%)": "%", "(%)": "%",
                 "元人民币": "元", "人民币元": "元"}

# Words that say the target, whatever it is, was achieved.  Other words (完成, 合格, 及时, 是) meet a target only
# when the target says the same thing: 「完成」 does not prove 「按时完成」.  无/零 meet only a none-target.
MET_WORDS = frozenset(
    """达成预期指标 达成预期目标 达成年度指标 达成年度目标 达到预期 达到预期目标 达到预期指标 达成 已达成 达到 已达到
    达标 已达标 全部完成 已全部完成 圆满完成 全面完成 完成目标 实现目标 完成年度目标 实现预期目标""".split()
)
# Words that say the same thing about time: any of them meets any other (and a deadline).
ON_TIME_WORDS = frozenset("及时 按时 按期 如期 准时 按时完成 按期完成 如期完成 准时完成 及时完成 按计划完成".split())
_IMPROVE_WORDS = ("提高", "提升", "增强", "改善", "加强", "完善", "推动", "促进", "优化", "增加", "巩固")
# 「未超预算」「没有超出」: a negated bad thing is no negation of the result.
_NOT_EXCEEDED = ("未超过", "未超出", "未超", "未突破", "没有超过", "没有超出", "不超过", "未出现", "未发生")
_NONE_WORDS = ("无", "零", "未发生", "未出现", "杜绝", "没有发生", "不发生", "0起", "0次", "0例", "0件")
# Hedges: the actual claims less than the target.  「较」 only before a quality word: 「较上年提高」 is a comparison.
_HEDGES = ("基本", "大部分", "部分", "有所", "初步", "不明显", "不够", "不太", "较好", "较高", "较大", "较为", "较快",
           "较满意", "较明显", "比较", "一般", "尚可", "大体", "总体上", "待提高", "待加强", "有待")
# Words that state less than or the opposite of a target without negating it: the evaluator judges.
_CONTRARY = ("低于", "少于", "下降", "减少", "偏低", "偏少", "较差", "较低", "一半", "率低", "滞后于")
_NEGATIONS = ("尚未", "未", "没有", "不合格", "不合规", "不及时", "不到位", "不达标", "不符合", "不满意", "不足",
              "不理想", "否", "无法", "未能", "滞后", "延期", "推迟")
_OCCURRENCE_RE = re.compile(r"(?:发生|出现|存在|投诉|举报|事故|违规|违纪|差错|问题|超支)[^，,。；;]{0,8}?"
                            r"(?P<n>[1-9]\d*|[一二两三四五六七八九十]+)\s*(?:起|次|例|件|宗|处|个|项|人次|笔)"
                            r"|(?P<n2>[1-9]\d*|[一二两三四五六七八九十]+)\s*(?:起|例|宗)\S{0,6}(?:事故|投诉|违规|问题)")


@dataclass(frozen=True)
class Value:
    raw: str
    kind: str
    sign: str | None = None
    number: Decimal | None = None
    unit: str | None = None
    date: date | None = None
    text: str = ""
    folded: bool = False  # full-width characters were folded to half-width
    sign_text: str = ""   # the sign as written: `≥`, `不低于`, `以上`
    low: Decimal | None = None    # RANGE: 「90%-95%」, 「±5%」
    high: Decimal | None = None
    yearless: bool = False  # DATE written without a year (「12月底前」); `date` carries the assumed year
    assumed: str = ""       # how a DATE was understood: 「1-12月」 → 「12月31日前」
    ambiguous: str = ""     # the separator that could be a decimal point or a thousands separator

    @property
    def is_number(self) -> bool:
        return self.kind == NUMBER

    def display(self) -> str:
        """The value as it was written, trimmed."""
        return self.raw.strip()

    def amount(self) -> str:
        """The number with its unit and without a sign: `7台`, `62.5%`."""
        cached = self.__dict__.get("_amount")  # values are shared by every row that writes the same text
        if cached is None:
            cached = f"{format_decimal(self.number)}{self.unit or ''}" if self.kind == NUMBER else self.display()
            object.__setattr__(self, "_amount", cached)
        return cached

    def unit_written(self) -> bool:
        """The unit is in the cell itself, not only in a separate 度量单位 column."""
        cached = self.__dict__.get("_unit_written")
        if cached is None:
            cached = self.kind == NUMBER and bool(self.unit) and not _BARE_NUMBER.fullmatch(self.text.strip())
            object.__setattr__(self, "_unit_written", cached)
        return cached


def format_decimal(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: 3.50 -> 3.5, 1E+1 -> 10."""
    return format(value.normalize(), "f")


def normalize_text(raw: str) -> str:
    # Invisible characters (bidi controls, zero-width) take no part in reading a value; V511 reports them.
    text = unicodedata.normalize("NFKC", strip_invisible(str(raw)))
    text = text.replace("，", ",").replace("═", "=")
    return re.sub(r"\s+", " ", text).strip()


_PREFIXES_BY_FIRST: dict[str, list] = {}
for _word, _sign in _SIGN_PREFIXES:  # same order as the list: longer words before their prefixes
    _PREFIXES_BY_FIRST.setdefault(_word[0], []).append((_word, _sign))


def _is_word(sign_text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in sign_text)


def _strip_sign(text: str) -> tuple[str | None, str, str]:
    for word, sign in _PREFIXES_BY_FIRST.get(text[:1], ()):
        if text.startswith(word):
            return sign, text[len(word):].strip(), word
    return None, text, ""


def _strip_suffix(text: str) -> tuple[str | None, str, str]:
    for word, sign in _SIGN_SUFFIXES:
        if text.endswith(word):
            return sign, text[: -len(word)].strip(), word
    return None, text, ""


_SIGN_WORDS = {"正向": GE, "正向指标": GE, "反向": LE, "反向指标": LE, "定量": None, "定性": None}


def parse_sign(raw: str | None) -> str | None:
    """A separate 指标性质 column: `≥`, `正向`, `反向`, `＝`..."""
    if raw is None:
        return None
    text = normalize_text(raw)
    if text in _SIGN_WORDS:
        return _SIGN_WORDS[text]
    sign, rest, _ = _strip_sign(text)
    return sign if rest == "" else None


def normalize_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = normalize_text(unit)
    unit = _UNIT_ALIASES.get(unit, unit)
    # 「%(抽样)」「人(次)」: a note in brackets after a unit is not part of it.
    if "(" in unit and unit.endswith(")") and not unit.startswith("("):
        unit = unit[:unit.index("(")].strip() or unit
    return _UNIT_ALIASES.get(unit, unit) or None


def parse_value(raw, sign: str | None = None, unit: str | None = None, year: int | None = None) -> Value:
    """Parse one cell. `sign` and `unit` come from separate 指标性质/度量单位 columns; `year` is the table's
    year, for dates written without one."""
    # Values are immutable and tables repeat the same cells (「100%」「≥95%」) file after file.
    # The key keeps the type and the exact text: Decimal("5") == Decimal("5.0") == True must not collide.
    if isinstance(raw, (str, Decimal, bool)) and (sign is None or isinstance(sign, str)) \
            and (unit is None or isinstance(unit, str)) and (year is None or isinstance(year, int)):
        value = _parse_cached(type(raw), str(raw), sign, unit)
        # Only a date written without a year depends on the table's year: the cache stays keyed on the text.
        return _dated(type(raw), str(raw), sign, unit, year) if year is not None and value.yearless else value
    return _parse_value(raw, sign, unit, year)


@lru_cache(maxsize=8192)
def _parse_cached(kind: type, text: str, sign: str | None, unit: str | None) -> Value:
    raw = text if kind is str else Decimal(text) if kind is Decimal else text == "True"
    return _parse_value(raw, sign, unit)


@lru_cache(maxsize=1024)
def _dated(kind: type, text: str, sign: str | None, unit: str | None, year: int) -> Value:
    return _parse_value(text, sign, unit, year)


def _parse_value(raw, sign: str | None = None, unit: str | None = None, year: int | None = None) -> Value:
    if raw is None:
        return Value(raw="", kind=EMPTY)
    if isinstance(raw, Decimal) and raw.is_finite():
        # A number the loader already typed: plain ASCII, nothing to fold or strip (most actual values).
        raw_text = format_decimal(raw)
        return Value(raw=raw_text, kind=NUMBER, sign=parse_sign(sign) if sign else None, number=Decimal(raw_text),
                     unit=normalize_unit(unit), text=raw_text, folded=False, sign_text="")
    if isinstance(raw, Decimal):
        raw_text = format_decimal(raw)
    elif isinstance(raw, bool):
        raw_text = "是" if raw else "否"
    else:
        raw_text = str(raw)
    text = normalize_text(raw_text)
    folded = text != re.sub(r"\s+", " ", raw_text).strip()
    if text == "":
        return Value(raw=raw_text, kind=EMPTY)
    column_sign = parse_sign(sign) if sign else None
    column_unit = normalize_unit(unit)

    written_sign, body, prefix_text = _strip_sign(text)
    suffix_sign, body, suffix_text = _strip_suffix(body)
    found_sign = written_sign or suffix_sign or column_sign
    sign_text = prefix_text or suffix_text

    if ambiguous_comma(raw_text):
        return Value(raw=raw_text, kind=TEXT, sign=found_sign, text=text, folded=folded, sign_text=sign_text,
                     ambiguous="，")

    match = _NUMBER_RE.match(body)
    if match and (match.group("unit") or "")[:1] in ("月", "季", "年"):  # 「12月底前」「2023年底前」 are dates
        match = None if _parse_date(body, year) is not None or _parse_after(body, year) is not None else match
    if match:
        number = Decimal(match.group("num").replace(",", ""))
        written_unit = match.group("unit") or ""
        if len(written_unit) > 1 and written_unit.endswith("内") and found_sign is None:
            written_unit, found_sign, sign_text = written_unit[:-1], LE, "内"  # 「3天内」 is ≤3天
        found_unit = normalize_unit(written_unit) or column_unit
        return Value(raw=raw_text, kind=NUMBER, sign=found_sign, number=number, unit=found_unit,
                     text=text, folded=folded, sign_text=sign_text)
    parsed = _parse_date(body, year)
    after = _parse_after(body, year) if parsed is None else None
    if after is not None:
        when, _, yearless, assumed = after
        return Value(raw=raw_text, kind=DATE, sign=GT, date=when, text=text, folded=folded, yearless=yearless,
                     assumed=assumed)
    if parsed is not None:
        when, deadline, yearless, assumed = parsed
        return Value(raw=raw_text, kind=DATE, sign=LE if deadline else (found_sign or EQ), date=when,
                     text=text, folded=folded, yearless=yearless, assumed=assumed)
    ranged = _parse_range(body, column_unit)
    if ranged is not None:
        low, high, range_unit = ranged
        return Value(raw=raw_text, kind=RANGE, sign=None, unit=range_unit, low=low, high=high, text=text,
                     folded=folded)
    if sign_text and _is_word(sign_text):
        # 「不低于上年水平」「控制在预算范围内」「达到预期」: a word, not a comparison with a number.
        return Value(raw=raw_text, kind=TEXT, text=text, folded=folded)
    return Value(raw=raw_text, kind=TEXT, sign=found_sign, text=text, folded=folded, sign_text=sign_text)


def _parse_range(body: str, column_unit: str | None) -> tuple[Decimal, Decimal, str | None] | None:
    match = _PLUS_MINUS_RE.match(body)
    if match:
        number = Decimal(match.group("num"))
        return -number, number, normalize_unit(match.group("unit")) or column_unit
    match = _RANGE_RE.match(body)
    if not match:
        return None
    unit1, unit2 = normalize_unit(match.group("unit1")), normalize_unit(match.group("unit2"))
    if unit1 and unit2 and unit1 != unit2:
        return None
    low, high = Decimal(match.group("low").replace(",", "")), Decimal(match.group("high").replace(",", ""))
    if low > high:
        return None
    return low, high, unit1 or unit2 or column_unit


def _parse_date(body: str, year: int | None) -> tuple[date, bool, bool, str] | None:
    """(date, is a deadline, written without a year, how it was understood) or None."""
    match = _DATE_RE.match(body)
    if match:
        parsed = _to_date(int(match.group("y")), int(match.group("m")), match.group("d"))
        if parsed is None:
            return None
        return parsed, bool(match.group("before") or match.group("end")), False, ""
    for pattern in (_MONTH_DAY_RE, _YEAR_END_RE, _QUARTER_RE, _HALF_RE):
        match = pattern.match(body)
        if match:
            break
    else:
        return None
    groups = match.groupdict()
    written_year = int(groups["y"]) if groups.get("y") else None
    use_year = written_year or year or _PLACEHOLDER_YEAR
    day = None
    if pattern is _MONTH_DAY_RE:
        month, day = int(groups["m"]), groups.get("d")
        if groups.get("m1") and (int(groups["m1"]) > month or day):
            return None
        if groups.get("end") in ("上旬", "中旬") and not day:
            day = "10" if groups["end"] == "上旬" else "20"
    elif pattern is _YEAR_END_RE:
        month = 12
    elif pattern is _QUARTER_RE:
        quarter = _CN_DIGIT.get(groups["q"]) or int(groups["q"])
        month = quarter * 3
    else:
        month = 6 if groups["h"] == "上" else 12
    parsed = _to_date(use_year, month, day)
    if parsed is None:
        return None
    deadline = bool(groups.get("before") or groups.get("end")) or pattern is not _MONTH_DAY_RE \
        or bool(groups.get("m1")) or "月份" in body
    understood = f"{parsed.month}月{parsed.day}日" + ("前" if deadline else "")
    if written_year is None and (year is not None):
        understood = f"{use_year}年{understood}"
    assumed = "" if body.rstrip("前之以内止") == understood.rstrip("前") else understood
    return parsed, deadline, written_year is None, assumed


def _parse_after(body: str, year: int | None):
    """「12月31日后」「2024年1月以后」: later than that day; what `_parse_date` gives for the day, or None."""
    word = next((w for w in _AFTER if body.endswith(w)), None)
    return _parse_date(body[: -len(word)].strip(), year) if word else None


def _to_date(year: int, month: int, day) -> date | None:
    try:
        if day:
            return date(year, month, int(day))
        # A month alone means its last day (`2021年12月底前`).
        return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None


def looks_numeric(value: Value) -> bool:
    """Text that was meant as a number: it has digits, or it was written with a sign glyph."""
    if value.kind != TEXT:
        return False
    if value.ambiguous:
        return True
    if value.sign_text:
        return True
    # Digits and separators with a short unit, yet not a number: `12.5.3万元`, `1,2,3`.
    return bool(re.fullmatch(r"[\d.,%]+\s*[^\d\s]{0,6}", value.text))


def has_digits(value: Value) -> bool:
    return any(ch.isdigit() for ch in value.text)


def split_unit(unit: str | None) -> tuple[str | None, Decimal]:
    """`万元` -> (`元`, 10000); `台` -> (`台`, 1); a bare `万` -> (None, 10000): its base is the other side's."""
    if not unit:
        return None, Decimal(1)
    for prefix in sorted(_SCALES, key=len, reverse=True):
        if unit.startswith(prefix):
            return (unit[len(prefix):] or None), _SCALES[prefix]
    return unit, Decimal(1)


class UnitMismatch(Exception):
    def __init__(self, target_unit: str, actual_unit: str):
        super().__init__(f"{target_unit} != {actual_unit}")
        self.target_unit = target_unit
        self.actual_unit = actual_unit


def convert(number: Decimal, unit: str | None, to_unit: str | None) -> Decimal:
    """`number` in `unit` expressed in `to_unit`; UnitMismatch when they measure different things."""
    if not unit or not to_unit or unit == to_unit:
        return number
    base_from, scale_from = split_unit(unit)
    base_to, scale_to = split_unit(to_unit)
    if base_from and base_to and base_from != base_to:
        raise UnitMismatch(to_unit, unit)
    return number * scale_from / scale_to


def common_numbers(target: Value, actual: Value) -> tuple[Decimal, Decimal, str | None]:
    """Both numbers in the target's unit. A side without a unit takes the other's.

    Raises UnitMismatch when the units measure different things (台 vs 个).
    """
    if not target.unit or not actual.unit or target.unit == actual.unit:
        return target.number, actual.number, target.unit or actual.unit
    return target.number, convert(actual.number, actual.unit, target.unit), target.unit


# -- what a written actual says ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """What a qualitative actual claims: met plainly, hedged, negated, or something happened."""
    hedge: str = ""       # 「基本」「有所」「不明显」
    negation: str = ""    # 「未」「尚未」「不合格」
    occurrence: str = ""  # 「发生1起」「投诉2起」

    @property
    def plain(self) -> bool:
        return not (self.hedge or self.negation or self.occurrence)

    def why(self) -> str:
        if self.occurrence:
            return f"写有「{self.occurrence}」"
        if self.negation:
            return f"含否定词「{self.negation}」"
        if self.hedge in _CONTRARY:
            return f"写有「{self.hedge}」"
        return f"含限定词「{self.hedge}」" if self.hedge else ""


def _without(text: str, words) -> str:
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "")
    return text


@lru_cache(maxsize=1024)  # texts up to a cell's 2,000 characters: keep the cache small
def read_words(text: str, target: str = "") -> Reading:
    """Hedges, negations and occurrences in `text` that the target itself does not contain."""
    occurrence = ""
    for match in _OCCURRENCE_RE.finditer(text):
        occurrence = match.group(0)
        break
    # 「未发生」「无」 say nothing happened: not a negation of the result.
    cleaned = _without(text, _NONE_WORDS + _NOT_EXCEEDED)
    negation = next((w for w in _NEGATIONS if w in cleaned and w not in target), "")
    hedge = next((w for w in _HEDGES + _CONTRARY if w in text and w not in target), "")
    return Reading(hedge=hedge, negation=negation, occurrence=occurrence)


def is_none_target(target: Value) -> bool:
    """A target that something must not happen: 「无安全事故」「零投诉」「杜绝…」, or the number 0."""
    if target.kind == NUMBER:
        return target.number == 0
    return target.kind == TEXT and any(w in target.text for w in _NONE_WORDS)


def says_none(actual: Value) -> bool:
    """An actual that says nothing happened: 「无」「零」「未发生安全事故」 and no count of occurrences."""
    if actual.kind == NUMBER:
        return actual.number == 0
    return actual.kind == TEXT and any(w in actual.text for w in _NONE_WORDS) \
        and not read_words(actual.text).occurrence


def count_of(actual: Value) -> Decimal | None:
    """A count written in words: 「无」「零」「未发生」 are 0; 「发生2起」「投诉3次」 are 2, 3; None otherwise."""
    if actual.kind == NUMBER:
        return actual.number
    if actual.kind != TEXT:
        return None
    if says_none(actual):
        return Decimal(0)
    match = _OCCURRENCE_RE.search(actual.text)
    digits = match and (match.group("n") or match.group("n2"))
    return Decimal(digits) if digits and digits.isdigit() else None


def text_meets(target: Value, actual: Value) -> bool | None:
    """Does a qualitative actual meet its target?  True only when the words prove it; False when they deny
    it; None when the evaluator must judge (a hedge, an occurrence, words that match nothing)."""
    a = actual.text
    t = target.text if target.kind != EMPTY else ""
    if not a:
        return None
    if t and a == t:
        return True
    reading = read_words(a, t)
    if t and is_none_target(target):
        if reading.occurrence:
            return False
        if says_none(actual) and not reading.hedge:
            return True
    if reading.negation:
        return False
    if not reading.plain:
        return None
    if a in MET_WORDS:
        return True
    if t in ON_TIME_WORDS and a in ON_TIME_WORDS:
        return True
    if t and t in a and _plain_rest(a.replace(t, "", 1), after=a.index(t) + len(t) < len(a)):
        return True  # 「全面完成巡察任务，共巡察12个单位」 against 「全面完成巡察任务」
    if t and any(word in t for word in _IMPROVE_WORDS) and any(word in a for word in _IMPROVE_WORDS) \
            and not any(word in t for word in _STRONG) :
        return True
    if t and len(a) >= 2 and a in t and _plain_rest(t.replace(a, "", 1), after=False):
        return True  # 「全面完成」 against 「全面完成巡察任务」
    return None


# A target asking for more than improvement: 「显著提升」 is not met by 「提升」.
_STRONG = ("显著", "明显", "大幅", "全面")


def _plain_rest(rest: str, after: bool) -> bool:
    """What is left of the longer text once the shorter is taken out says nothing against the match: not 「不」
    (「不低于…」 against 「低于…」), not a qualifier right after it (「及时率低」「达到预期的一半」「合格率80%」)."""
    rest = rest.strip()
    if not rest:
        return True
    if any(ch in rest for ch in "不未无非没否"):
        return False
    if any(word in rest for word in _STRONG + ("按时", "及时", "按期", "如期", "准时")):
        return False  # the longer text asks for more: 「显著提升」 against 「提升」, 「按时完成」 against 「完成」
    if after:
        return rest[0] in "，,。；;、（(" and not any(ch.isdigit() for ch in rest[:3])
    return not any(ch.isdigit() for ch in rest)


def meets(target: Value, actual: Value) -> bool | None:
    """Whether `actual` meets `target` for any kind of value (完成/未完成)."""
    if actual.kind == EMPTY:
        return False
    if target.kind == NUMBER and actual.kind == NUMBER:
        try:
            a, b, _ = common_numbers(target, actual)
        except UnitMismatch:
            return None
        sign = target.sign or GE
        return {GE: b >= a, GT: b > a, LE: b <= a, LT: b < a, EQ: b >= a if a != 0 else b <= 0}[sign]
    if target.kind == NUMBER and is_none_target(target) and says_none(actual):
        return True
    if target.kind == RANGE and actual.kind == NUMBER:
        try:
            b = convert(actual.number, actual.unit, target.unit)
        except UnitMismatch:
            return None
        return target.low <= b <= target.high
    if target.kind == DATE and actual.kind == DATE:
        when = comparable_date(target, actual)
        return actual.date <= when if target.sign in (LE, LT) else actual.date == when
    if target.kind in (NUMBER, RANGE) and actual.kind == TEXT:
        return None  # words prove nothing against a number
    return text_meets(target, actual)


def comparable_date(target: Value, actual: Value) -> date:
    """The target's date in the actual's year when the target was written without a year and no table year
    was known (the placeholder year)."""
    if target.yearless and target.date.year == _PLACEHOLDER_YEAR and actual.date and not actual.yearless:
        shifted = _to_date(actual.date.year, target.date.month, target.date.day)
        return shifted or target.date
    return target.date


# -- amounts in budget cells --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Amount:
    number: Decimal | None
    unit: str | None = None
    problem: str = ""   # V515 (ambiguous separator) or V520 (not an amount)


def parse_amount(raw) -> Amount:
    """A 预算数/执行数 cell typed as text: 「100万元」「6,577.19」「22，873」."""
    if isinstance(raw, Decimal):
        return Amount(raw)
    value = parse_value(str(raw))
    if value.ambiguous:
        return Amount(None, problem="V515")
    if value.kind != NUMBER or value.sign_text:
        return Amount(None, problem="V520")
    return Amount(value.number, value.unit)


def separator_readings(raw: str) -> tuple[str, str]:
    """The two ways to read 「22，873」: (「22873」, 「22.873」)."""
    text = unicodedata.normalize("NFKC", raw).replace(",", "，").strip()
    digits = re.sub(r"[^\d，.]", "", text)
    return digits.replace("，", ""), digits.replace("，", ".")


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """Compare indicator names loosely: width, spaces, quotes and a trailing 指标 do not matter."""
    text = re.sub(r"[\s“”\"'‘’「」]", "", normalize_text(name))
    return text[:-2] if text.endswith("指标") and len(text) > 2 else text


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)
