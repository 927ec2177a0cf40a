"""Tests for scoring.values: how targets and actuals written in real 自评表 are read."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.values import (DATE, EMPTY, EQ, GE, GT, LE, LT, NUMBER, RANGE, TEXT, UnitMismatch, Value, common_numbers,
                            format_decimal, looks_numeric, meets, name_key, normalize_unit, parse_sign, parse_value,
                            same_name, split_unit, text_meets)

D = Decimal


def assert_number(value: Value, number: str, sign, unit):
    assert value.kind == NUMBER, value
    assert type(value.number) is Decimal
    assert value.number == D(number)
    assert value.sign == sign
    assert value.unit == unit


# --- signs ---------------------------------------------------------------------------------

GE_GLYPHS = ["≥", "≧", ">=", "＞＝", "⩾", "=>", "不低于", "不少于", "大于等于", "大于或等于", "不小于", "至少"]
LE_GLYPHS = ["≤", "≦", "<=", "＜＝", "⩽", "=<", "不超过", "不高于", "不多于", "不大于", "小于等于", "至多", "控制在"]
EQ_GLYPHS = ["=", "＝", "→", "~", "～", "≈", "等于"]


@pytest.mark.parametrize("glyph", GE_GLYPHS)
def test_ge_prefixes(glyph):
    value = parse_value(f"{glyph}95%")
    assert_number(value, "95", GE, "%")


@pytest.mark.parametrize("glyph", LE_GLYPHS)
def test_le_prefixes(glyph):
    value = parse_value(f"{glyph}50万元")
    assert_number(value, "50", LE, "万元")


@pytest.mark.parametrize("glyph", EQ_GLYPHS)
def test_eq_prefixes(glyph):
    value = parse_value(f"{glyph}100%")
    assert_number(value, "100", EQ, "%")


@pytest.mark.parametrize("raw, sign", [
    (">5次", GT), ("大于5次", GT), ("超过5次", GT), ("高于5次", GT),
    ("<5次", LT), ("小于5次", LT), ("低于5次", LT), ("少于5次", LT),
])
def test_strict_signs(raw, sign):
    assert_number(parse_value(raw), "5", sign, "次")


@pytest.mark.parametrize("raw, number, sign, unit, sign_text", [
    ("95%以上", "95", GE, "%", "以上"),
    ("95％以上", "95", GE, "%", "以上"),
    ("90%及以上", "90", GE, "%", "及以上"),
    ("3天以内", "3", LE, "天", "以内"),
    ("10人以下", "10", LE, "人", "以下"),
    ("5个工作日之内", "5", LE, "个工作日", "之内"),
])
def test_suffix_signs(raw, number, sign, unit, sign_text):
    value = parse_value(raw)
    assert_number(value, number, sign, unit)
    assert value.sign_text == sign_text


def test_longer_words_win_over_their_prefixes():
    # 「不低于」 must not be read as 「低于」, 「大于等于」 not as 「大于」, 「>=」 not as 「>」.
    assert parse_value("不低于90%").sign == GE
    assert parse_value("低于90%").sign == LT
    assert parse_value("不超过3次").sign == LE
    assert parse_value("超过3次").sign == GT
    assert parse_value("大于等于3次").sign == GE
    assert parse_value(">=3").sign == GE
    assert parse_value(">3").sign == GT


def test_sign_text_keeps_the_glyph_as_written():
    assert parse_value("≥8000件").sign_text == "≥"
    assert parse_value("不低于90%").sign_text == "不低于"
    assert parse_value("8000件").sign_text == ""


def test_spaces_between_sign_number_and_unit():
    assert_number(parse_value(" ≥ 11 台 "), "11", GE, "台")
    assert_number(parse_value("= 0"), "0", EQ, None)


# --- numbers, widths, separators, units -------------------------------------------------------

@pytest.mark.parametrize("raw, number, sign, unit", [
    ("≥8000件", "8000", GE, "件"),
    ("≧95％", "95", GE, "%"),
    (">=１００", "100", GE, None),
    ("＞＝2次", "2", GE, "次"),
    ("≥１１台", "11", GE, "台"),
    ("６,５７７.１９万元", "6577.19", None, "万元"),
    ("６，５７７．１９万元", "6577.19", None, "万元"),
    ("6,577.19万元", "6577.19", None, "万元"),
    ("1,234,567", "1234567", None, None),
    ("5,335.32万元", "5335.32", None, "万元"),
    ("0.5万元", "0.5", None, "万元"),
    ("22.873", "22.873", None, None),
    ("100", "100", None, None),
    ("-5%", "-5", None, "%"),
    ("1.5亿元", "1.5", None, "亿元"),
])
def test_numbers(raw, number, sign, unit):
    assert_number(parse_value(raw), number, sign, unit)


@pytest.mark.parametrize("unit", ["件", "次", "个", "人", "台", "条", "户", "天", "万元", "元", "%", "条目", "次/月",
                                  "人次", "个百分点"])
def test_units_are_kept(unit):
    value = parse_value(f"≥12{unit}")
    assert_number(value, "12", GE, unit)
    assert value.amount() == f"12{unit}"


def test_number_is_built_from_the_text_not_a_float():
    value = parse_value("0.1")
    assert value.number.as_tuple() == D("0.1").as_tuple()
    assert parse_value("22.8730").number.as_tuple() == D("22.8730").as_tuple()
    assert parse_value("6,577.19万元").number * 3 == D("19731.57")


def test_misplaced_thousands_separators_are_not_numbers():
    assert parse_value("12,34").kind == TEXT
    assert parse_value("1,2345").kind == TEXT


def test_full_width_is_folded_and_remembered():
    value = parse_value("≧95％")
    assert value.folded is True
    assert value.text == "≧95%"
    assert value.raw == "≧95％"
    assert parse_value("≥95%").folded is False


def test_decimal_and_bool_input():
    assert_number(parse_value(D("3.50")), "3.5", None, None)
    assert parse_value(D("3.50")).raw == "3.5"
    assert parse_value(True).text == "是"
    assert parse_value(False).text == "否"
    assert_number(parse_value(7), "7", None, None)


def test_display_and_amount():
    value = parse_value("  ≥11台 ")
    assert value.display() == "≥11台"
    assert value.amount() == "11台"
    assert parse_value("及时").amount() == "及时"
    assert parse_value("3.50").amount() == "3.5"


# --- separate 指标性质 and 度量单位 columns ----------------------------------------------------

@pytest.mark.parametrize("sign, expected", [
    ("≥", GE), ("≧", GE), (">=", GE), ("＞＝", GE), ("正向", GE), ("正向指标", GE),
    ("≤", LE), ("<=", LE), ("反向", LE), ("反向指标", LE),
    ("=", EQ), ("＝", EQ), ("→", EQ),
    (">", GT), ("<", LT),
    ("定性", None), ("定量", None), ("很多", None), ("≥5", None),
])
def test_sign_column(sign, expected):
    assert parse_sign(sign) == expected
    value = parse_value("95%", sign=sign)
    assert value.sign == expected
    assert value.number == 95


def test_sign_column_none():
    assert parse_sign(None) is None
    assert parse_value("95%", sign=None).sign is None


def test_sign_in_the_cell_wins_over_the_column():
    assert parse_value("≤5次", sign="正向").sign == LE
    assert parse_value("95%以上", sign="反向").sign == GE


def test_unit_column():
    assert_number(parse_value("95", unit="%"), "95", None, "%")
    assert_number(parse_value("95", unit="％"), "95", None, "%")
    assert_number(parse_value("≥11", unit="台"), "11", GE, "台")
    assert_number(parse_value("6,577.19", unit="万元"), "6577.19", None, "万元")
    # a unit written in the cell wins
    assert parse_value("95台", unit="个").unit == "台"
    assert parse_value("95", unit="").unit is None


def test_sign_and_unit_columns_together():
    assert_number(parse_value("11", sign="≥", unit="台"), "11", GE, "台")
    assert_number(parse_value("50", sign="反向", unit="万元"), "50", LE, "万元")


def test_normalize_unit():
    assert normalize_unit("％") == "%"
    assert normalize_unit("元人民币") == "元"
    assert normalize_unit(" 台 ") == "台"
    assert normalize_unit("") is None
    assert normalize_unit(None) is None


# --- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, day, sign", [
    ("2021年12月31日前", date(2021, 12, 31), LE),
    ("2021年12月31号前", date(2021, 12, 31), LE),
    ("2021年12月底前", date(2021, 12, 31), LE),
    ("2021年12月底", date(2021, 12, 31), LE),
    ("2021年6月末", date(2021, 6, 30), LE),
    ("2021年2月底前", date(2021, 2, 28), LE),
    ("2024年2月底前", date(2024, 2, 29), LE),
    ("2021年6月30日之前", date(2021, 6, 30), LE),
    ("2021.12.31前", date(2021, 12, 31), LE),
    ("２０２１年１２月３１日前", date(2021, 12, 31), LE),
    ("2024-12-31", date(2024, 12, 31), EQ),
    ("2024/12/31", date(2024, 12, 31), EQ),
    ("2021年6月", date(2021, 6, 30), EQ),
])
def test_dates(raw, day, sign):
    value = parse_value(raw)
    assert value.kind == DATE, value
    assert value.date == day
    assert value.sign == sign
    assert value.number is None


def test_date_with_sign_column():
    assert parse_value("2024-12-31", sign="≤").sign == LE


@pytest.mark.parametrize("raw", ["2021年2月30日前", "2021年13月31日", "2021年13月底前", "2021年0月", "2021-13",
                                 "2021年00月底前", "0000年1月"])
def test_impossible_dates_are_text(raw):
    value = parse_value(raw)
    assert value.kind == TEXT, value
    assert value.date is None


def test_last_month_of_the_last_year():
    assert parse_value("9999年12月底前").date == date(9999, 12, 31)


# --- periodic and qualitative text -----------------------------------------------------------

@pytest.mark.parametrize("raw", ["每周五", "及时", "逐步提高", "达成预期指标", "不断提高", "合规", "有效",
                                 "全年", "群众满意度有所提高", "达到预期", "达到预期目标", "不低于上年水平",
                                 "控制在预算范围内"])
def test_text(raw):
    value = parse_value(raw)
    assert value.kind == TEXT
    assert value.number is None and value.date is None
    assert value.text == raw
    assert value.sign is None


def test_sign_only_text_keeps_the_sign():
    value = parse_value("≥较上年")
    assert value.kind == TEXT
    assert value.sign == GE


def test_looks_numeric():
    assert looks_numeric(parse_value("12.5.3万元"))
    assert looks_numeric(parse_value("1,2,3"))
    assert looks_numeric(parse_value("≥很多"))
    assert not looks_numeric(parse_value("及时"))
    assert not looks_numeric(parse_value("100台"))  # a number already, not text


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\t\n"])
def test_empty(raw):
    value = parse_value(raw)
    assert value.kind == EMPTY
    assert value.number is None
    assert value.display() == ""


# --- units and common numbers ----------------------------------------------------------------

def test_split_unit():
    assert split_unit("万元") == ("元", D(10000))
    assert split_unit("亿元") == ("元", D(100000000))
    assert split_unit("百万元") == ("元", D(1000000))
    assert split_unit("台") == ("台", D(1))
    assert split_unit("万") == (None, D(10000))  # a bare scale: its base is the other side's (120万 vs 96.5万元)
    assert split_unit(None) == (None, D(1))


def test_common_numbers_converts_wan_yuan_and_yuan():
    a, b, unit = common_numbers(parse_value("≤50万元"), parse_value("120000元"))
    assert (a, b, unit) == (D(50), D(12), "万元")
    a, b, unit = common_numbers(parse_value("≤500000元"), parse_value("12万元"))
    assert (a, b, unit) == (D(500000), D(120000), "元")
    a, b, _ = common_numbers(parse_value("1亿元"), parse_value("5000万元"))
    assert (a, b) == (D(1), D("0.5"))
    assert type(b) is Decimal


def test_common_numbers_same_unit():
    assert common_numbers(parse_value("≥11台"), parse_value("7台")) == (D(11), D(7), "台")
    assert common_numbers(parse_value("100%"), parse_value("95％")) == (D(100), D(95), "%")


def test_common_numbers_unit_mismatch():
    with pytest.raises(UnitMismatch) as info:
        common_numbers(parse_value("≥11台"), parse_value("7个"))
    assert info.value.target_unit == "台"
    assert info.value.actual_unit == "个"
    with pytest.raises(UnitMismatch):
        common_numbers(parse_value("50万元"), parse_value("3台"))


def test_common_numbers_one_side_without_unit():
    assert common_numbers(parse_value("≥11"), parse_value("7台")) == (D(11), D(7), "台")
    assert common_numbers(parse_value("≥11台"), parse_value("7")) == (D(11), D(7), "台")
    assert common_numbers(parse_value("11"), parse_value("7")) == (D(11), D(7), None)


# --- text_meets / meets ------------------------------------------------------------------------

@pytest.mark.parametrize("target, actual, expected", [
    ("及时", "及时", True),
    ("每周五", "每周五", True),
    ("及时", "达成预期指标", True),
    ("及时", "完成", None),  # 「完成」 does not say 「及时」
    ("及时", "按时完成", True),
    ("按时完成", "完成", None),
    ("显著提升", "提升", None),
    ("不低于上年水平", "低于上年水平", None),
    ("达到预期", "达到预期的一半", None),
    ("及时", "及时率低", None),
    ("合格", "合格率80%", None),
    ("全面完成巡察任务", "全面完成巡察任务，共巡察12个单位", True),
    ("合规", "合规", True),
    ("逐步提高", "有所提升", None),  # 「有所」 hedges: the evaluator judges
    ("不断提高", "明显提高", True),
    ("提高群众满意度", "群众满意度有所提高", None),
    ("全面完成巡察任务", "全面完成", True),
    ("及时", "不及时", False),
    ("合规", "不合规", False),
    ("完成", "未完成", False),
    ("按时完成", "部分完成", None),
    ("有效", "否", False),
    ("全年开展", "1-12月", None),
    ("及时", "", None),
    ("合规", "见附件", None),
])
def test_text_meets(target, actual, expected):
    assert text_meets(parse_value(target), parse_value(actual)) is expected


@pytest.mark.parametrize("target, actual, expected", [
    ("≥11台", "7台", False),
    ("≥11台", "11台", True),
    ("≥11台", "12台", True),
    (">11台", "11台", False),
    (">11台", "12台", True),
    ("≤50万元", "49万元", True),
    ("≤50万元", "500000元", True),
    ("≤50万元", "500001元", False),
    ("<1次", "1次", False),
    ("<1次", "0次", True),
    ("=0", "0", True),
    ("=0", "1", False),
    ("→100%", "100%", True),
    ("→100%", "60%", False),
    ("100%", "100%", True),
    ("100%", "99.9%", False),
    ("2021年12月31日前", "2021年12月20日", True),
    ("2021年12月31日前", "2021年12月31日", True),
    ("2021年12月31日前", "2022年1月5日", False),
    ("2024-12-31", "2024-12-31", True),
    ("及时", "及时", True),
    ("及时", "不及时", False),
])
def test_meets(target, actual, expected):
    assert meets(parse_value(target), parse_value(actual)) is expected


def test_meets_empty_actual_is_not_met():
    assert meets(parse_value("≥11台"), parse_value(None)) is False
    assert meets(parse_value("及时"), parse_value("")) is False


def test_meets_unit_mismatch_cannot_tell():
    assert meets(parse_value("≥11台"), parse_value("12个")) is None


# --- names -------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("办公设备购置数量", "办公设备购置数量"),
    ("办公设备购置数量", "办公设备购置数量指标"),
    ("产出指标", "产出"),
    ("“三公经费”变动率", "三公经费变动率"),
    ("「三公经费」变动率", "\"三公经费\"变动率"),
    ("巡察 乡镇 覆盖率", "巡察乡镇覆盖率"),
    ("巡察\u3000乡镇覆盖率", "巡察乡镇覆盖率"),
    ("ＡＢＣ指标", "ABC"),
])
def test_same_name(a, b):
    assert same_name(a, b)
    assert same_name(b, a)


@pytest.mark.parametrize("a, b", [
    ("办公设备购置数量", "办公设备购置金额"),
    ("产出指标", "效益指标"),
    ("数量", "质量"),
])
def test_different_names(a, b):
    assert not same_name(a, b)


def test_name_key_keeps_a_bare_zhibiao():
    assert name_key("指标") == "指标"
    assert name_key("产出指标") == "产出"


def test_format_decimal():
    assert format_decimal(D("3.50")) == "3.5"
    assert format_decimal(D("1E+1")) == "10"
    assert format_decimal(D("0.000")) == "0"


# --- properties --------------------------------------------------------------------------------

SIGNS = (
    [(g, GE, "prefix") for g in ["≥", "≧", ">=", "＞＝", "⩾", "不低于", "不少于", "大于等于"]]
    + [("以上", GE, "suffix")]
    + [(g, LE, "prefix") for g in ["≤", "≦", "<=", "不超过"]]
    + [("以内", LE, "suffix")]
    + [(g, EQ, "prefix") for g in ["=", "＝", "→", "~"]]
    + [("", None, "prefix")]
)
UNITS = [None, "件", "次", "个", "人", "台", "条", "户", "天", "万元", "元", "%", "％", "条目", "次/月"]
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def group_thousands(integer: str) -> str:
    head = len(integer) % 3 or 3
    groups = [integer[:head]] + [integer[i:i + 3] for i in range(head, len(integer), 3)]
    return ",".join(groups)


@st.composite
def written_numbers(draw):
    integer = str(draw(st.integers(min_value=0, max_value=10 ** 12 - 1)))
    fraction = draw(st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=1, max_size=4)))
    plain = integer + ("." + fraction if fraction else "")
    body = (group_thousands(integer) if draw(st.booleans()) else integer) + ("." + fraction if fraction else "")
    if draw(st.booleans()):
        body = body.translate(FULL_WIDTH)
    glyph, sign, place = draw(st.sampled_from(SIGNS))
    unit = draw(st.sampled_from(UNITS))
    space = draw(st.sampled_from(["", " "]))
    text = body + (unit or "")
    text = f"{glyph}{space}{text}" if place == "prefix" else f"{text}{glyph}"
    return text, D(plain), sign, unit


@settings(max_examples=200, deadline=None)
@given(written_numbers())
def test_property_written_numbers_parse_exactly(case):
    text, number, sign, unit = case
    value = parse_value(text)
    if text.count("，") == 1 and "．" not in text and "." not in text:
        # 「１，０００」: one Chinese comma, no decimal point: a thousands separator or a decimal comma (V515)
        assert value.kind == TEXT and value.ambiguous == "，", text
        return
    assert value.kind == NUMBER, text
    assert type(value.number) is Decimal
    assert value.number == number
    assert value.number.as_tuple() == number.as_tuple()  # built from the text, digit for digit
    assert value.sign == sign
    assert value.unit == normalize_unit(unit)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 9), st.sampled_from(["≥", "正向", "反向", "＝", None]),
       st.sampled_from(UNITS))
def test_property_separate_columns(number, sign, unit):
    value = parse_value(str(number), sign=sign, unit=unit)
    assert value.kind == NUMBER
    assert value.number == number
    assert value.sign == parse_sign(sign)
    assert value.unit == normalize_unit(unit)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.one_of(st.none(), st.text(max_size=5)), st.one_of(st.none(), st.text(max_size=5)))
def test_property_parser_never_raises(raw, sign, unit):
    value = parse_value(raw, sign=sign, unit=unit)
    assert value.kind in (NUMBER, DATE, RANGE, TEXT, EMPTY)
    assert value.sign in (None, GE, GT, LE, LT, EQ)
    if value.kind == NUMBER:
        assert type(value.number) is Decimal
    else:
        assert value.number is None
    if value.kind == DATE:
        assert isinstance(value.date, date)
    if value.kind == EMPTY:
        assert raw.strip() == "" or value.text == ""


@settings(max_examples=100, deadline=None)
@given(st.text(), st.text())
def test_property_meets_never_raises(target, actual):
    result = meets(parse_value(target), parse_value(actual))
    assert result in (True, False, None)


@given(st.decimals(allow_nan=False, allow_infinity=False),
       st.sampled_from([None, "≥", "≤", "正向", "反向"]), st.sampled_from([None, "台", "%", "万元", "元"]))
@settings(max_examples=300)
def test_typed_numbers_take_a_shortcut_that_changes_nothing(number, sign, unit):
    """A Decimal from the loader skips folding and sign stripping; the result equals parsing its text."""
    from scoring.values import _parse_value, format_decimal

    assert _parse_value(number, sign, unit) == _parse_value(format_decimal(number), sign, unit)
