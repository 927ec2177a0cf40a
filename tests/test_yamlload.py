"""The strict YAML loader: no YAML 1.1 type guessing, Decimals from the text, located problems."""
from decimal import Decimal
from pathlib import Path

import pytest

from scoring.diagnostics import ERROR, WARNING, Diagnostics
from scoring.yamlload import Document, load_file, load_text

DATA = Path(__file__).resolve().parent / "data"


def load(text: str, file: str = "t.yaml"):
    diags = Diagnostics()
    doc = load_text(text, file, diags)
    return doc, diags.items


def only(diags, code):
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [(d.code, d.line, d.col, d.message) for d in diags]
    return found[0]


def codes(diags):
    return [d.code for d in diags]


# -- no YAML 1.1 type guessing -----------------------------------------------------------

@pytest.mark.parametrize("word", ["no", "on", "off", "yes", "No", "Yes", "ON", "y", "n"])
def test_yaml11_booleans_stay_strings(word):
    doc, diags = load(f"a: {word}\n")
    assert doc.data == {"a": word}
    assert isinstance(doc.data["a"], str)
    assert diags == []


@pytest.mark.parametrize("text", ["0102", "007", "00", "0o17", "0x1F"])
def test_leading_zeros_octal_and_hex_stay_strings(text):
    doc, diags = load(f"department_code: {text}\n")
    assert doc.data["department_code"] == text
    assert diags == []


@pytest.mark.parametrize("text", ["1:10", "12:30:00", "190:20:30"])
def test_sexagesimal_stays_string(text):
    doc, _ = load(f"a: {text}\n")
    assert doc.data["a"] == text


@pytest.mark.parametrize("text", ["2024-12-31", "2021-1-1", "2024-12-31T10:00:00"])
def test_dates_stay_strings(text):
    doc, _ = load(f"date: {text}\n")
    assert doc.data["date"] == text
    assert type(doc.data["date"]) is str


@pytest.mark.parametrize("text", ["1e5", "1E5", ".5", "1.", "1_000", "1,00", ".inf", ".nan", "-.inf"])
def test_other_number_lookalikes_stay_strings(text):
    doc, _ = load(f"a: {text}\n")
    assert doc.data["a"] == text


# -- numbers are Decimal, built from the text ------------------------------------------------

def test_decimal_keeps_trailing_zeros_and_is_never_float():
    doc, diags = load("a: 12.50\nb: 0.1\n")
    assert type(doc.data["a"]) is Decimal
    assert doc.data["a"].as_tuple() == Decimal("12.50").as_tuple()  # "12.50", not 12.5
    assert str(doc.data["a"]) == "12.50"
    assert doc.data["b"] == Decimal("0.1") and str(doc.data["b"]) == "0.1"
    assert not any(isinstance(v, float) for v in doc.data.values())
    assert diags == []


@pytest.mark.parametrize("text, value", [
    ("0", Decimal("0")), ("-3", Decimal("-3")), ("+4", Decimal("4")), ("100", Decimal("100")),
    ("22.873", Decimal("22.873")), ("-0.5", Decimal("-0.5")),
])
def test_plain_numbers(text, value):
    doc, _ = load(f"a: {text}\n")
    assert type(doc.data["a"]) is Decimal
    assert doc.data["a"] == value


def test_thousands_separators():
    doc, diags = load("a: 6,577.19\nb: 12,345,678.9\nc: 1,000\n")
    assert doc.data == {"a": Decimal("6577.19"), "b": Decimal("12345678.9"), "c": Decimal("1000")}
    assert str(doc.data["a"]) == "6577.19"
    assert all(type(v) is Decimal for v in doc.data.values())
    assert diags == []


def test_numbers_inside_flow_lists_are_decimal():
    doc, _ = load("a: [1, 2.50, x]\n")
    assert doc.data["a"] == [Decimal("1"), Decimal("2.50"), "x"]
    assert type(doc.data["a"][1]) is Decimal


def test_full_width_digits_are_read_with_a_warning():
    doc, diags = load("weight: ９５\n")
    assert doc.data["weight"] == Decimal(95)
    assert type(doc.data["weight"]) is Decimal
    d = only(diags, "Y108")
    assert d.severity == WARNING
    assert d.message == "「９５」含全角字符，已按「95」读取"
    assert d.hint == "建议改为半角数字和符号。"
    assert (d.file, d.line, d.col) == ("t.yaml", 1, 9)


def test_full_width_decimal_point_and_comma():
    doc, diags = load("a: １２．５\nb: 6，577.19\n")
    assert doc.data == {"a": Decimal("12.5"), "b": Decimal("6577.19")}
    y108 = [d for d in diags if d.code == "Y108"]
    assert [d.message for d in y108] == ["「１２．５」含全角字符，已按「12.5」读取",
                                         "「6，577.19」含全角字符，已按「6,577.19」读取"]
    assert [d.line for d in y108] == [1, 2]


def test_full_width_text_that_is_not_a_number_stays_as_written():
    doc, diags = load("a: ≥９５％\n")
    assert doc.data["a"] == "≥９５％"
    assert diags == []


# -- strings, booleans, nulls ------------------------------------------------------------------

def test_quoted_scalars_stay_strings():
    doc, diags = load("a: '12.50'\nb: \"0102\"\nc: 'true'\nd: \"~\"\ne: 'null'\nf: ''\ng: \"６\"\n")
    assert doc.data == {"a": "12.50", "b": "0102", "c": "true", "d": "~", "e": "null", "f": "", "g": "６"}
    assert all(type(v) is str for v in doc.data.values())
    assert diags == []  # no Y108 for quoted text


def test_block_scalars_stay_strings():
    doc, _ = load("a: |\n  12.50\nb: >\n  true\n")
    assert doc.data == {"a": "12.50\n", "b": "true\n"}


@pytest.mark.parametrize("text, value", [
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
])
def test_true_false_are_booleans(text, value):
    doc, _ = load(f"scored: {text}\n")
    assert doc.data["scored"] is value


@pytest.mark.parametrize("text", ["a: ~\n", "a: null\n", "a: Null\n", "a: NULL\n", "a:\n", "a: \n"])
def test_null_forms_are_none(text):
    doc, diags = load(text)
    assert doc.data == {"a": None}
    assert diags == []


def test_numeric_keys_are_names():
    doc, diags = load("2020: 10\n0102: x\n")
    assert doc.data == {"2020": Decimal(10), "0102": "x"}
    assert list(doc.data) == ["2020", "0102"]
    assert diags == []


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffset: mof-project\nunit: 单位\n".encode("utf-8"))
    diags = Diagnostics()
    doc = load_file(path, diags)
    assert diags.items == []
    assert doc.data == {"set": "mof-project", "unit": "单位"}
    assert doc.position(("set",)) == (1, 6)


def test_load_file_reads_utf8_chinese(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("unit: 测试单位\nweight: 5\n", encoding="utf-8")
    diags = Diagnostics()
    doc = load_file(path, diags)
    assert doc.file == str(path)
    assert doc.data == {"unit": "测试单位", "weight": Decimal(5)}
    assert len(diags) == 0


# -- duplicate keys ------------------------------------------------------------------------------

def test_duplicate_key_reports_first_line():
    doc, diags = load("a: 1\nb: 2\na: 3\n")
    d = only(diags, "Y104")
    assert d.severity == ERROR
    assert d.message == "键「a」重复出现（第一次在第 1 行）"
    assert (d.line, d.col) == (3, 1)
    assert doc.data == {"a": Decimal(1), "b": Decimal(2)}  # the first one is kept, not silently overwritten


def test_duplicate_nested_key():
    doc, diags = load("x: 0\nbudget:\n  annual: 50\n  executed: 20\n  annual: 60\nother:\n  annual: 1\n")
    d = only(diags, "Y104")
    assert d.message == "键「annual」重复出现（第一次在第 3 行）"
    assert (d.line, d.col) == (5, 3)
    # the same key in another mapping is fine
    assert doc.data["other"] == {"annual": Decimal(1)}


# -- full-width colon ------------------------------------------------------------------------------

def test_full_width_colon_after_english_key():
    doc, diags = load("a:\n  weight：5\n")
    d = only(diags, "Y105")
    assert d.severity == ERROR
    assert d.message == "检测到全角冒号「：」，YAML 需要半角冒号加空格「: 」"
    assert d.hint == "把「weight：」改为「weight: 」。"
    assert (d.line, d.col) == (2, 9)  # the column of 「：」


def test_full_width_colon_in_a_list_item():
    doc, diags = load("indicators:\n  - name: 甲\n    weight：5\n")
    d = only(diags, "Y105")
    assert (d.line, d.col) == (3, 11)
    assert d.hint == "把「weight：」改为「weight: 」。"
    assert doc is None  # YAML itself cannot read this line
    assert "Y103" not in codes(diags)  # the full-width colon explains the syntax error


def test_full_width_colon_after_chinese_key_breaks_the_mapping():
    doc, diags = load("level1: 产出\n名称：产出\nweight: 5\n")
    assert doc is None
    d = only(diags, "Y105")
    assert d.message == "检测到全角冒号「：」，YAML 需要半角冒号加空格「: 」"
    assert d.hint == "把「名称：」改为「名称: 」。"
    assert (d.file, d.line, d.col) == ("t.yaml", 2, 3)
    assert "Y103" not in codes(diags)


# -- indentation -------------------------------------------------------------------------------------

def test_full_width_space_indentation():
    _, diags = load("budget:\n  annual: 1\n\u3000\u3000executed: 2\n")
    d = only(diags, "Y106")
    assert d.severity == ERROR
    assert d.message == "行首用全角空格缩进"
    assert d.hint == "YAML 只能用半角空格缩进，请把行首的全角空格换成半角空格。"
    assert (d.line, d.col) == (3, 1)


def test_full_width_space_after_half_width_spaces():
    _, diags = load("a:\n  b: 1\n  \u3000c: 2\n")
    d = only(diags, "Y106")
    assert (d.line, d.col) == (3, 3)


def test_tab_indentation():
    doc, diags = load("budget:\n\tannual: 1\n")
    d = only(diags, "Y106")
    assert d.message == "行首用制表符（Tab）缩进"
    assert d.hint == "YAML 只能用半角空格缩进，请把行首的制表符（Tab）换成半角空格。"
    assert (d.line, d.col) == (2, 1)
    assert doc is None


def test_tabs_and_full_width_text_inside_block_scalars_are_content():
    doc, diags = load("reason: |\n  第一行\n  \tweight：5\nb: 1\n")
    assert diags == []
    assert doc.data["reason"] == "第一行\n\tweight：5\n"


# -- limits and unsafe input ----------------------------------------------------------------------------

def test_alias_bomb_is_refused():
    # 9 levels of 9 references: about 387 million nodes if expanded. Must be refused, and quickly.
    text = (DATA / "alias-bomb.yaml").read_text(encoding="utf-8")
    doc, diags = load(text)
    assert doc is None
    d = only(diags, "Y107")
    assert d.severity == ERROR
    assert d.message == "别名（&锚点/*引用）展开后的内容过多（超过 200000 个节点）"
    assert d.hint == "请不要用锚点嵌套引用；直接写出内容。"
    assert d.line == 2


def test_small_aliases_are_fine():
    doc, diags = load("a: &x [1, 2]\nb: *x\n")
    assert diags == []
    assert doc.data == {"a": [Decimal(1), Decimal(2)], "b": [Decimal(1), Decimal(2)]}


@pytest.mark.parametrize("text, tag", [
    ("a: !!python/object:os.system x\n", "tag:yaml.org,2002:python/object:os.system"),
    ("a: !!python/object {}\n", "tag:yaml.org,2002:python/object"),
    ("a: !!python/object/apply:os.system [echo]\n", "tag:yaml.org,2002:python/object/apply:os.system"),
    ("a: !!float 1.5\n", "tag:yaml.org,2002:float"),
    ("a: !custom x\n", "!custom"),
])
def test_unknown_tags_are_refused(text, tag):
    _, diags = load(text)
    d = only(diags, "Y110")
    assert d.severity == ERROR
    assert d.message == f"不支持的 YAML 标签「{tag}」"
    assert d.hint == "请删除该标签，直接写值。"
    assert (d.line, d.col) == (1, 4)


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 120 + "\n", encoding="utf-8")
    diags = Diagnostics()
    assert load_file(path, diags, max_bytes=100) is None
    d = only(diags.items, "Y101")
    assert d.severity == ERROR
    assert d.message == "文件大小 124 字节，超过上限 100 字节"
    assert d.hint == "一个自评表或指标体系不应这么大；请检查是否选错了文件。"
    assert d.file == str(path)


def test_file_at_the_size_limit_is_read(tmp_path):
    path = tmp_path / "edge.yaml"
    path.write_bytes(b"a: " + b"x" * 96 + b"\n")  # exactly 100 bytes
    diags = Diagnostics()
    doc = load_file(path, diags, max_bytes=100)
    assert len(diags) == 0
    assert doc.data == {"a": "x" * 96}


def test_invalid_utf8_reports_the_line():
    diags = Diagnostics()
    path = DATA / "gbk-encoded.yaml"
    assert load_file(path, diags) is None
    d = only(diags.items, "Y102")
    assert d.severity == ERROR
    assert d.message == "文件不是 UTF-8 编码（第 2 行附近）"
    assert d.hint == "请用 UTF-8 编码另存此文件（WPS/记事本“另存为”时选择 UTF-8）。"
    assert (d.file, d.line) == (str(path), 2)


def test_invalid_utf8_later_in_the_file(tmp_path):
    path = tmp_path / "late.yaml"
    path.write_bytes(b"a: 1\nb: 2\nc: 3\nd: \xff\n")
    diags = Diagnostics()
    assert load_file(path, diags) is None
    assert only(diags.items, "Y102").line == 4


def test_missing_file(tmp_path):
    diags = Diagnostics()
    path = tmp_path / "nope.yaml"
    assert load_file(path, diags) is None
    d = only(diags.items, "Y100")
    assert d.message.startswith("无法读取文件：")
    assert d.file == str(path)


@pytest.mark.parametrize("text", ["", "\n\n", "# 只有注释\n", "- a\n- b\n", "just text\n", "12\n", "---\n"])
def test_empty_or_not_a_mapping(text):
    doc, diags = load(text)
    assert doc is None
    d = only(diags, "Y109")
    assert d.severity == ERROR
    assert d.message == "文件为空或顶层不是键值表"
    assert (d.line, d.col) == (1, 1)


@pytest.mark.parametrize("text, shown", [("true: 1\n", "true"), ("~: 1\n", "~"), ("null: 1\n", "null")])
def test_keys_must_be_text(text, shown):
    doc, diags = load(text)
    d = only(diags, "Y111")
    assert d.message == f"键必须是文字，这里是「{shown}」"
    assert (d.line, d.col) == (1, 1)
    assert doc.data == {}


def test_yaml_syntax_error_is_located_and_translated():
    doc, diags = load("set: mof-project\nunit: [a, b\n")
    assert doc is None
    d = only(diags, "Y103")
    assert d.severity == ERROR
    assert d.message == "YAML 语法错误：方括号列表「[ ]」没有闭合，或项之间缺少逗号"
    assert d.line == 3


def test_loader_keeps_going_after_recoverable_problems():
    doc, diags = load("a: 1\na: 2\nb: ９\nc: !!int 3\n")
    assert codes(diags) == ["Y104", "Y108", "Y110"]
    assert doc.data["b"] == Decimal(9)


# -- positions ---------------------------------------------------------------------------------------

def test_positions_are_one_based_line_and_column():
    text = (
        "set: mof-project\n"          # 1
        "budget:\n"                   # 2
        "  annual: 50\n"              # 3
        "indicators:\n"               # 4
        "  - name: 甲\n"               # 5
        "    weight: 5\n"             # 6
        "  - {name: 乙, weight: 10}\n"  # 7
    )
    doc, diags = load(text)
    assert diags == []
    assert isinstance(doc, Document)
    assert doc.position(("set",)) == (1, 6)
    assert doc.position(("budget", "annual")) == (3, 11)
    assert doc.position(("budget", "annual"), key=True) == (3, 3)
    assert doc.position(("indicators", 0)) == (5, 5)
    assert doc.position(("indicators", 0, "name")) == (5, 11)
    assert doc.position(("indicators", 0, "weight")) == (6, 13)
    assert doc.position(("indicators", 1, "weight")) == (7, 23)
    assert doc.position(()) == (1, 1)


def test_position_of_a_missing_path_falls_back_to_nearest_ancestor():
    doc, _ = load("a:\n  b: 1\n  c:\n    - x\n")
    assert doc.position(("a", "b")) == (2, 6)
    assert doc.position(("a", "zz")) == (2, 3)           # the mapping under a
    assert doc.position(("a", "c", 5, "q")) == (4, 5)    # the list under c
    assert doc.position(("nothing",)) == (1, 1)
