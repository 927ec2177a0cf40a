"""Tests for scoring.formula: exact Decimal results, every error code/message, properties."""
import pickle
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import formula as formula_module
from scoring.formula import Formula, FormulaError, parse_formula

D = Decimal
RATE_INPUTS = {"执行数": D("160"), "预算数": D("256")}


def assert_exact(actual, expected):
    """Equal value and really a Decimal (a float sneaking in would still compare equal)."""
    assert type(actual) is Decimal
    assert actual == D(expected)


def error_of(text, inputs=None, allowed=None):
    """Parse (and evaluate when ``inputs`` is given) and return the raised FormulaError."""
    with pytest.raises(FormulaError) as info:
        parsed = parse_formula(text, allowed)
        if inputs is not None:
            parsed.evaluate(inputs)
    return info.value


# --- exact results -------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, inputs, expected",
    [
        ("20 * min(执行数 / 预算数, 1)", RATE_INPUTS, "12.5"),
        ("20 * min(执行数 / 预算数, 1)", {"执行数": D("300"), "预算数": D("256")}, "20"),
        ("２０＊min（执行数／预算数，１）", RATE_INPUTS, "12.5"),
        ("２０　＊　ｍｉｎ（执行数／预算数，　１）", RATE_INPUTS, "12.5"),
        ("10*执行率", {"执行率": D("0.873")}, "8.73"),
        ("90%", {}, "0.9"),
        ("９０％", {}, "0.9"),
        ("W * (实际值 - 85%) / 15%", {"W": D("10"), "实际值": D("0.94")}, "6"),
        ("0.1 + 0.2", {}, "0.3"),
        ("1 - 2 - 3", {}, "-4"),
        ("8 / 4 / 2", {}, "1"),
        ("2 + 3 * 4", {}, "14"),
        ("(2 + 3) * 4", {}, "20"),
        ("-2 * -3", {}, "6"),
        ("--5 + +1", {}, "6"),
        ("abs(实际值 - 100) * 0.5", {"实际值": D("92")}, "4"),
        ("max(0, 分值 - 扣分, 1.5)", {"分值": D("5"), "扣分": D("7")}, "1.5"),
        ("1 × 6 ÷ 4 − 1", {}, "0.5"),
        ("分值", {"分值": 7}, "7"),
    ],
)
def test_exact_results(text, inputs, expected):
    assert_exact(parse_formula(text).evaluate(inputs), expected)


def test_division_result_is_exact_decimal_not_binary_float():
    result = parse_formula("20 * min(执行数 / 预算数, 1)").evaluate(RATE_INPUTS)
    assert result == D("12.5") and str(result).startswith("12.5")
    assert parse_formula("1 / 3").evaluate({}) == D("0." + "3" * 34)  # 34 significant digits


def test_percent_is_exact_for_long_literals():
    assert parse_formula("12.345678901234567890123%").evaluate({}) == D("0.12345678901234567890123")


def test_formula_is_reusable_and_records_names():
    parsed = parse_formula("20 * min(执行数 / 预算数, 1)", allowed_names=["执行数", "预算数", "分值"])
    assert isinstance(parsed, Formula)
    assert parsed.source == "20 * min(执行数 / 预算数, 1)"
    assert parsed.names == frozenset({"执行数", "预算数"})
    assert parsed.evaluate(RATE_INPUTS) == D("12.5")
    assert parsed.evaluate({"执行数": D("64"), "预算数": D("256")}) == D("5")
    assert parsed.evaluate(RATE_INPUTS) == D("12.5")


def test_full_width_source_kept_and_names_normalised():
    parsed = parse_formula("ｗ＋１")
    assert parsed.source == "ｗ＋１"
    assert parsed.names == frozenset({"w"})
    assert parsed.evaluate({"w": D("2")}) == D("3")


# --- error codes and exact messages --------------------------------------------------

@pytest.mark.parametrize(
    "text, code, message, column",
    [
        # F001 syntax
        ("", "F001", "公式语法错误：公式为空", None),
        ("(1 + 2", "F001", "公式语法错误：第1个字符处的左括号「(」缺少对应的右括号「)」", 1),
        ("min(1, 2", "F001", "公式语法错误：第4个字符处的左括号「(」缺少对应的右括号「)」", 4),
        ("1 + 2)", "F001", "公式语法错误：第6个字符处多余的右括号「)」", 6),
        ("1 +", "F001", "公式语法错误：第3个字符处的运算符「+」后缺少数值", 3),
        ("* 3", "F001", "公式语法错误：第1个字符处的运算符「*」前缺少数值", 1),
        ("1 2", "F001", "公式语法错误：第3个字符处缺少运算符", 3),
        ("()", "F001", "公式语法错误：第1个字符处的括号内缺少内容", 1),
        ("min(1,,2)", "F001", "公式语法错误：第6个字符处的逗号「,」后缺少参数", 6),
        ("(1, 2)", "F001", "公式语法错误：第3个字符处的逗号「,」只能用在 min、max、abs 的参数之间", 3),
        ("1.", "F001", "公式语法错误：第2个字符处的小数点「.」后缺少数字", 2),
        ("min + 1", "F001", "公式语法错误：第1个字符处的函数「min」后面缺少左括号「(」", 1),
        # F003 limits and argument counts
        ("1" * 31, "F003", f"数字「{'1' * 31}」超过30位，超出允许范围", 1),
        ("1+" * 250 + "1", "F003", "公式过长：共有501个字符，最多允许500个", None),
        ("1+" * 100 + "1", "F003", "公式过长：共有201个符号，最多允许200个", None),
        ("(" * 33 + "1" + ")" * 33, "F003", "公式嵌套过深：括号、函数或正负号嵌套超过32层", 33),
        ("-" * 33 + "1", "F003", "公式嵌套过深：括号、函数或正负号嵌套超过32层", 33),
        ("min(1)", "F003", "函数「min」至少需要2个参数，实际为1个", 1),
        ("max()", "F003", "函数「max」至少需要2个参数，实际为0个", 1),
        ("abs(1, 2)", "F003", "函数「abs」需要1个参数，实际为2个", 1),
        # F004 forbidden syntax
        ("__import__('os')", "F004", "不允许使用以下划线开头的名称「__import__」", 1),
        ("a.b", "F004", "不允许属性访问「.」", 2),
        ("(1).real", "F004", "不允许属性访问「.」", 4),
        ("2**99999", "F004", "不支持乘方运算「**」，公式只允许 + - * / 和 min、max、abs", 2),
        ("2^3", "F004", "不支持乘方运算「**」，公式只允许 + - * / 和 min、max、abs", 2),
        ("open(1)", "F004", "不允许调用函数「open」，只能使用 min、max、abs", 1),
        ("x[0]", "F004", "公式中不允许使用「[」", 2),
        ("a = 1", "F004", "公式中不允许使用「=」", 3),
        ("1 ; 2", "F004", "公式中不允许使用「;」", 3),
        ("'a'", "F004", "公式中不允许使用「'」", 1),
        ("7 % 2", "F004", "公式中不允许使用「%」", 3),
        ("lambda: 1", "F004", "公式中不允许使用「lambda」", 1),
        ("7 // 2", "F004", "公式中不允许使用「//」", 3),
        ("１＋［２］", "F004", "公式中不允许使用「［」", 3),  # column and char refer to the original text
    ],
)
def test_parse_errors(text, code, message, column):
    err = error_of(text)
    assert (err.code, err.message, err.column) == (code, message, column)


def test_nesting_depth_limit_is_inclusive():
    assert parse_formula("(" * 32 + "1" + ")" * 32).evaluate({}) == 1
    assert parse_formula("1+" * 99 + "1").evaluate({}) == 100  # 199 tokens
    assert error_of("abs(" * 33 + "1" + ")" * 33).code == "F003"


def test_unknown_name_f002():
    err = error_of("10 * 执行率", allowed=["预算数", "执行数"])
    assert err.code == "F002"
    assert err.message == "公式中的名称「执行率」未定义，可用的名称：执行数、预算数"
    assert err.column == 6


def test_missing_input_f005():
    parsed = parse_formula("执行数 / 预算数")
    err = error_of("执行数 / 预算数", inputs={"执行数": D("1")})
    assert (err.code, err.message, err.column) == ("F005", "公式引用的「预算数」没有取值", None)
    with pytest.raises(FormulaError):
        parsed.evaluate({"预算数": D("1")})


@pytest.mark.parametrize(
    "text, inputs, message",
    [
        ("执行数 / 预算数", {"执行数": D("5"), "预算数": D("0")}, "公式计算时除数为零：预算数"),
        ("1 / (a - a)", {"a": D("3")}, "公式计算时除数为零：(a - a)"),
        ("a / 0.00", {"a": D("0")}, "公式计算时除数为零：0.00"),
        ("１／（ａ－ａ）", {"a": D("3")}, "公式计算时除数为零：（ａ－ａ）"),
    ],
)
def test_division_by_zero_f006(text, inputs, message):
    err = error_of(text, inputs=inputs)
    assert (err.code, err.message) == ("F006", message)


@pytest.mark.parametrize("bad", [1.5, D("NaN"), D("Infinity"), "3", True])
def test_invalid_input_value_f006(bad):
    err = error_of("a + 1", inputs={"a": bad})
    assert err.code == "F006"
    assert err.message == f"公式引用的「a」取值无效：{bad!r}"


def test_overflow_f003():
    err = error_of("a * a", inputs={"a": D("1E+999999")})
    assert (err.code, err.message) == ("F003", "公式计算结果超出允许的数值范围")


def test_error_str_and_pickle():
    err = error_of("a.b")
    assert str(err) == "F004: 不允许属性访问「.」"
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.code, clone.message, clone.column) == ("F004", "不允许属性访问「.」", 2)


def test_module_never_hands_code_to_python():
    source = Path(formula_module.__file__).read_text(encoding="utf-8")
    for forbidden in (r"\beval\(", r"\bexec\(", r"\bcompile\(", r"\bfloat\(", r"\bround\(", r"import ast"):
        assert not re.search(forbidden, source), forbidden


# --- properties ----------------------------------------------------------------------

plain_decimals = st.decimals(
    min_value=0, max_value=D("1e12"), places=6, allow_nan=False, allow_infinity=False
)


@settings(max_examples=300, deadline=None)
@given(plain_decimals, plain_decimals)
def test_addition_of_literals_is_exact(x, y):
    # at most 19 significant digits each, so the 28-digit context never rounds the sum
    result = parse_formula(f"{x:f} + {y:f}").evaluate({})
    assert result == x + y


@settings(max_examples=300, deadline=None)
@given(st.lists(st.decimals(min_value=-10**9, max_value=10**9, places=4), min_size=2, max_size=6))
def test_min_max_agree_with_python(values):
    names = [f"v{i}" for i in range(len(values))]
    inputs = dict(zip(names, values))
    args = ", ".join(names)
    assert parse_formula(f"min({args})").evaluate(inputs) == min(values)
    assert parse_formula(f"max({args})").evaluate(inputs) == max(values)
    literals = ", ".join(f"{v:f}" for v in values)  # negative literals go through unary minus
    assert parse_formula(f"min({literals})").evaluate({}) == min(values)
    assert parse_formula(f"max({literals})").evaluate({}) == max(values)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.%+-*/(),_ ab执行数minaxs[]'^（）＊　")) | st.characters(), max_size=40))
def test_arbitrary_text_only_raises_formula_error(text):
    try:
        parsed = parse_formula(text)
    except FormulaError as err:
        assert err.code in {"F001", "F002", "F003", "F004"}
        assert err.column is None or 1 <= err.column <= len(text) + 1
    else:
        try:
            result = parsed.evaluate({name: D("1") for name in parsed.names})
        except FormulaError as err:
            assert err.code in {"F003", "F006"}
        else:
            assert isinstance(result, Decimal)
