"""Parse targets and actuals the way real 自评表 write them.

    ≥8000件   ≧95％   >=１００   ＞＝2次   ≤50万元   →100%   = 0   6,577.19万元
    95%以上   不低于90%   2021年12月31日前   每周五   及时   逐步提高   达成预期指标

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

NUMBER = "number"
DATE = "date"
TEXT = "text"
EMPTY = "empty"

GE, GT, LE, LT, EQ = ">=", ">", "<=", "<", "="
SIGN_LABEL = {GE: "≥", GT: ">", LE: "≤", LT: "<", EQ: "="}

# Glyphs and words for each sign; longest first so `>=` wins over `>`.
_SIGN_PREFIXES = [
    ("大于或等于", GE), ("大于等于", GE), ("不低于", GE), ("不少于", GE), ("不小于", GE), ("至少", GE),
    ("小于或等于", LE), ("小于等于", LE), ("不高于", LE), ("不超过", LE), ("不多于", LE), ("不大于", LE),
    ("至多", LE), ("控制在", LE),
    (">=", GE), ("=>", GE), ("≥", GE), ("≧", GE), ("⩾", GE), ("≮", GE),
    ("<=", LE), ("=<", LE), ("≤", LE), ("≦", LE), ("⩽", LE), ("≯", LE),
    ("==", EQ), ("＝", EQ), ("=", EQ), ("→", EQ), ("->", EQ), ("⟶", EQ), ("≈", EQ), ("~", EQ), ("∽", EQ),
    ("大于", GT), ("高于", GT), ("超过", GT), ("多于", GT), (">", GT),
    ("小于", LT), ("低于", LT), ("少于", LT), ("<", LT),
    ("等于", EQ), ("达到", GE),
]
_SIGN_SUFFIXES = [("及以上", GE), ("以上", GE), ("及以下", LE), ("以下", LE), ("以内", LE), ("之内", LE)]

_NUMBER_RE = re.compile(
    r"^(?P<num>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(?P<unit>[^\d\s,.+\-][^\d\s]{0,7})?$"
)
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:年|[-./])\s*(?P<m>\d{1,2})\s*(?:月|[-./])?\s*(?:(?P<d>\d{1,2})\s*[日号]?)?"
    r"\s*(?P<end>底|末|月底|月末)?\s*(?P<before>前|之前|以前|内|以内|止)?$"
)

# Units that are the same quantity at another scale.
_SCALES = {"千": Decimal(1000), "万": Decimal(10000), "亿": Decimal(100000000), "百万": Decimal(1000000)}
_UNIT_ALIASES = {"％": "%", "元人民币": "元", "人民币元": "元"}

MET_WORDS = frozenset(
    """达成预期指标 达成预期目标 达成年度指标 达成年度目标 达到预期 达到预期目标 达成 已达成 达到 已达到 完成 已完成
    全部完成 按时完成 按期完成 如期完成 圆满完成 达标 已达标 合规 合格 是 有效 及时 满意 符合 符合要求 保障 良好 正常
    按时 按期 无 零""".split()
)
_IMPROVE_WORDS = ("提高", "提升", "增强", "改善", "加强", "完善", "推动", "促进", "优化", "增加", "巩固")
_NOT_MET_MARKERS = ("未完成", "未达成", "未达到", "未达标", "部分", "没有", "不合规", "不及时", "否", "未")
_NONE_WORDS = ("无", "零", "未发生", "未出现", "杜绝", "没有发生")


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

    @property
    def is_number(self) -> bool:
        return self.kind == NUMBER

    def display(self) -> str:
        """The value as it was written, trimmed."""
        return self.raw.strip()

    def amount(self) -> str:
        """The number with its unit and without a sign: `7台`, `62.5%`."""
        if self.kind == NUMBER:
            return f"{format_decimal(self.number)}{self.unit or ''}"
        return self.display()


def format_decimal(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: 3.50 -> 3.5, 1E+1 -> 10."""
    return format(value.normalize(), "f")


def normalize_text(raw: str) -> str:
    text = unicodedata.normalize("NFKC", str(raw))
    text = text.replace("，", ",").replace("、", "、")
    return re.sub(r"\s+", " ", text).strip()


_PREFIXES_BY_FIRST: dict[str, list] = {}
for _word, _sign in _SIGN_PREFIXES:  # same order as the list: longer words before their prefixes
    _PREFIXES_BY_FIRST.setdefault(_word[0], []).append((_word, _sign))


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


def parse_sign(raw: str | None) -> str | None:
    """A separate 指标性质 column: `≥`, `正向`, `反向`, `＝`..."""
    if raw is None:
        return None
    text = normalize_text(raw)
    words = {"正向": GE, "正向指标": GE, "反向": LE, "反向指标": LE, "定量": None, "定性": None}
    if text in words:
        return words[text]
    sign, rest, _ = _strip_sign(text)
    return sign if rest == "" else None


def normalize_unit(unit: str | None) -> str | None:
    if not unit:
        return None
    unit = normalize_text(unit)
    return _UNIT_ALIASES.get(unit, unit) or None


def parse_value(raw, sign: str | None = None, unit: str | None = None) -> Value:
    """Parse one cell. `sign` and `unit` come from separate 指标性质/度量单位 columns."""
    # Values are immutable and tables repeat the same cells (「100%」「≥95%」) file after file.
    # The key keeps the type and the exact text: Decimal("5") == Decimal("5.0") == True must not collide.
    if isinstance(raw, (str, Decimal, bool)) and (sign is None or isinstance(sign, str)) \
            and (unit is None or isinstance(unit, str)):
        return _parse_cached(type(raw), str(raw), sign, unit)
    return _parse_value(raw, sign, unit)


@lru_cache(maxsize=8192)
def _parse_cached(kind: type, text: str, sign: str | None, unit: str | None) -> Value:
    raw = text if kind is str else Decimal(text) if kind is Decimal else text == "True"
    return _parse_value(raw, sign, unit)


def _parse_value(raw, sign: str | None = None, unit: str | None = None) -> Value:
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

    match = _NUMBER_RE.match(body)
    if match:
        number = Decimal(match.group("num").replace(",", ""))
        found_unit = normalize_unit(match.group("unit")) or column_unit
        return Value(raw=raw_text, kind=NUMBER, sign=found_sign, number=number, unit=found_unit,
                     text=text, folded=folded, sign_text=sign_text)
    match = _DATE_RE.match(body)
    if match:
        parsed = _to_date(match)
        if parsed is not None:
            deadline = match.group("before") or match.group("end")
            return Value(raw=raw_text, kind=DATE, sign=LE if deadline else (found_sign or EQ), date=parsed,
                         text=text, folded=folded)
    return Value(raw=raw_text, kind=TEXT, sign=found_sign, text=text, folded=folded, sign_text=sign_text)


def _to_date(match: re.Match) -> date | None:
    year, month = int(match.group("y")), int(match.group("m"))
    day = match.group("d")
    try:
        if day:
            return date(year, month, int(day))
        # A month alone means its last day (`2021年12月底前`).
        return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None


def looks_numeric(value: Value) -> bool:
    """Text that was meant as a number: it has digits, or it was written with a sign."""
    if value.kind != TEXT:
        return False
    if value.sign_text:
        return True
    # Digits and separators with a short unit, yet not a number: `12.5.3万元`, `1,2,3`.
    return bool(re.fullmatch(r"[\d.,%]+\s*[^\d\s]{0,6}", value.text))


def split_unit(unit: str | None) -> tuple[str | None, Decimal]:
    """`万元` -> (`元`, 10000); `台` -> (`台`, 1)."""
    if not unit:
        return None, Decimal(1)
    for prefix in sorted(_SCALES, key=len, reverse=True):
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return unit[len(prefix):], _SCALES[prefix]
    return unit, Decimal(1)


class UnitMismatch(Exception):
    def __init__(self, target_unit: str, actual_unit: str):
        super().__init__(f"{target_unit} != {actual_unit}")
        self.target_unit = target_unit
        self.actual_unit = actual_unit


def common_numbers(target: Value, actual: Value) -> tuple[Decimal, Decimal, str | None]:
    """Both numbers in the target's unit. A side without a unit takes the other's.

    Raises UnitMismatch when the units measure different things (台 vs 个).
    """
    if not target.unit or not actual.unit or target.unit == actual.unit:
        return target.number, actual.number, target.unit or actual.unit
    base_t, scale_t = split_unit(target.unit)
    base_a, scale_a = split_unit(actual.unit)
    if base_t != base_a:
        raise UnitMismatch(target.unit, actual.unit)
    return target.number, actual.number * scale_a / scale_t, target.unit


def text_meets(target: Value, actual: Value) -> bool | None:
    """Does a qualitative actual meet its target? None when it cannot be told."""
    a = actual.text
    t = target.text
    if not a:
        return None
    # 「无安全事故」 against 「未发生安全事故」: both say nothing bad happened.
    if t and any(w in t for w in _NONE_WORDS) and any(w in a for w in _NONE_WORDS):
        return True
    if any(marker in a for marker in _NOT_MET_MARKERS) and a not in MET_WORDS:
        return False
    if t and (a == t or t in a):
        return True
    if a in MET_WORDS:
        return True
    if t and any(word in t for word in _IMPROVE_WORDS) and any(word in a for word in _IMPROVE_WORDS):
        return True
    if t and a in t:
        return True
    return None


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
    if target.kind == DATE and actual.kind == DATE:
        return actual.date <= target.date if target.sign in (LE, LT) else actual.date == target.date
    return text_meets(target, actual)


@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """Compare indicator names loosely: width, spaces, quotes and a trailing 指标 do not matter."""
    text = re.sub(r"[\s“”\"'‘’「」]", "", normalize_text(name))
    return text[:-2] if text.endswith("指标") and len(text) > 2 else text


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)
