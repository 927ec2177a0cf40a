"""The strict YAML loader: no YAML 1.1 type guessing, Decimals from the text, located problems."""
import errno
import os
import random
import re
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from scoring import fileio, yamlload
from scoring.diagnostics import ERROR, WARNING, Diagnostics
from scoring.fileio import open_regular
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
    assert d.message == "文件内容过多：超过 200000 个值（用锚点/别名引用的内容按展开后的个数计算）"
    assert d.hint == "一张自评表不应这么大；请检查是否选错了文件，也不要用锚点嵌套引用，直接写出内容。"
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


# -- nesting: counted where the composer descends, not by counting brackets in the text ----------

def _tier_set(count: int) -> str:
    """A set-like file with `count` tiers whose ranges hold brackets in every way YAML allows."""
    parts = ["set_id: many-tiers\n",
             "note: |\n  区间写法：[60%, 90%) 含下限、不含上限；{{ 不是花括号 [[[[\n",  # a block scalar
             "indicators:\n"]
    for i in range(count):
        parts.append(
            f"  - name: 指标{i}  # [60%, 90%) 这是注释 {{[[\n"
            f"    tiers:\n"
            f"      - {{range: \"[90%, +∞)\", points: 5}}\n"
            f"      - range: \"[60%, 90%)\"\n"
            f"        points: 3\n"
            f"      - range: '[0, 60%)'\n"
            f"        points: 0\n"
            f"      - range: (60%, 90%]\n"              # a plain scalar may start with (
            f"        points: 1\n"
            f"      - range: 区间 [60%, 90%) 含下限\n"  # and hold brackets after its first character
            f"        points: 2\n")
    return "".join(parts)


def test_brackets_in_quotes_comments_block_scalars_and_plain_text_are_not_nesting():
    text = _tier_set(60)
    assert text.count("[") + text.count("{") > 300  # what the old bracket count refused as too deep
    doc, diags = load(text)
    assert diags == []
    assert len(doc.data["indicators"]) == 60
    tiers = doc.data["indicators"][59]["tiers"]
    assert [t["range"] for t in tiers] == ["[90%, +∞)", "[60%, 90%)", "[0, 60%)", "(60%, 90%]", "区间 [60%, 90%) 含下限"]
    assert doc.data["note"].startswith("区间写法：[60%, 90%)")
    assert doc.position(("indicators", 59, "tiers", 1, "range")) == (4 + 59 * 11 + 4, 16)


@pytest.mark.parametrize("text", ["a: [60%, 90%)\n", "tiers:\n  - [60%, 90%)\n",
                                  "tiers:\n  - {range: [60%, 90%), points: 3}\n"])
def test_an_unquoted_range_opening_with_a_bracket_is_explained(text):
    doc, diags = load(text)
    assert doc is None
    d = only(diags, "Y103")
    assert d.message == 'YAML 语法错误：以「[」开头的值会被当作列表：「[60%, 90%)」这样的区间请加引号，写成 "[60%, 90%)"'
    line = text.count("\n", 0, text.index("[60%")) + 1
    assert (d.line, d.col) == (line, text.split("\n")[line - 1].index("[60%") + 1)


TOO_DEEP = "YAML 语法错误：嵌套超过 100 层，自评表和指标体系不会有这么多层：请检查括号「[」「{」是否成对、缩进是否正确"


@pytest.mark.parametrize("text, line", [
    ("a: " + "[" * 101 + "]" * 101 + "\n", 1),
    ("a: " + "{a: " * 101 + "x" + "}" * 101 + "\n", 1),
    ("a:\n" + "- " * 150 + "x\n", 2),
    ("? " * 150 + "x\n", 1),
    ("".join(" " * i + "k:\n" for i in range(150)) + " " * 150 + "x\n", 101),
    ("a:\n" + "".join("  " * i + "- k:\n" for i in range(80)), 51),   # a list of mappings of lists...
    ("a: " + "[" * 2_000_000, 1),                                      # 2 MB of brackets, never closed
    ("x: '[[[['\ny: " + "[" * 101 + "]" * 101 + "\n", 2),              # quotes before do not hide real nesting
])
def test_genuinely_deep_nesting_is_refused_quickly(text, line):
    start = time.perf_counter()
    doc, diags = load(text)
    assert time.perf_counter() - start < 2
    assert doc is None
    d = only(diags, "Y103")
    assert d.message == TOO_DEEP
    assert d.line == line and d.col is not None


def test_nesting_just_under_the_limit_is_read():
    doc, diags = load("a: " + "[" * 99 + "x" + "]" * 99 + "\n")
    assert diags == []
    inner = doc.data["a"]
    for _ in range(98):
        inner = inner[0]
    assert inner == ["x"]


def test_the_depth_guard_also_holds_for_the_pure_python_composer():
    """Where libyaml is missing, PyYAML's own composer calls the same hooks."""
    class PurePython(yaml.SafeLoader):
        _depth = 0
        descend_resolver = yamlload._DepthLoader.descend_resolver
        ascend_resolver = yamlload._DepthLoader.ascend_resolver
    with pytest.raises(yamlload._TooDeep):
        yaml.compose("a: " + "[" * 500 + "]" * 500, Loader=PurePython)
    assert yaml.compose("a: [[1]]", Loader=PurePython) is not None


def _random_nesting(rnd: random.Random, max_level: int) -> str:
    """Valid YAML nesting as steeply as YAML allows: indentless lists, compact `- k:` and `- - x`,
    one-space steps, flow one-pair mappings `[k: v]` (two levels for one bracket)."""
    out = []

    def flow(level):
        if level >= max_level or rnd.random() < 0.15:
            return "x"
        r = rnd.random()
        if r < 0.4:
            return "[" + flow(level + 1) + "]"
        if r < 0.7:
            return "{k: " + flow(level + 1) + "}"
        return "[k: " + flow(level + 2) + "]"

    def block(level, col, lead, kind):
        deep = rnd.randrange(2)  # one of two entries nests further: the text stays small
        for i in range(2):
            head = (lead if i == 0 else " " * col) + (f"k{i}:" if kind == "map" else "-")
            if i == deep:
                value(level + 1, col, head, kind == "map")
            else:
                out.append(head + " x")

    def value(level, col, head, in_map):
        r = rnd.random()
        if level >= max_level or r < 0.05:
            out.append(head + " x")
        elif r < 0.2:
            out.append(head + " " + flow(level))
        elif not in_map and r < 0.6:  # compact, on the same line as the `- `
            block(level, len(head) + 1, head + " ", "map" if rnd.random() < 0.8 else "seq")
        else:
            out.append(head)
            kind = rnd.choice(["map", "seq"])
            step = rnd.choice([0, 0, 1] if in_map and kind == "seq" else [1, 1, 2])
            block(level, col + step, " " * (col + step), kind)

    block(0, 0, "", rnd.choice(["map", "seq"]))
    return "\n".join(out) + "\n"


def _deepest(node) -> int:
    deepest, stack = 0, [(node, 0)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, level + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend((part, level + 1) for pair in node.value for part in pair)
    return deepest


def test_the_cheap_pre_check_is_sound_and_the_counting_is_exact():
    """Most files skip the per-node counting: only when the pre-check proves them shallow enough."""
    rnd = random.Random(5)
    cheap = 0
    for _ in range(600):
        text = _random_nesting(rnd, rnd.randint(10, 160))
        deepest = _deepest(yaml.compose(text, Loader=yamlload._NoGuessLoader))
        if not yamlload._may_nest_deep(text):
            cheap += 1
            assert deepest <= yamlload.MAX_DEPTH, text
        _, diags = load(text)
        assert ([d.message for d in diags if d.code == "Y103"] == [TOO_DEEP]) == (deepest > yamlload.MAX_DEPTH), text
    assert 100 < cheap < 600


def test_usual_files_take_the_cheap_path():
    for path in sorted((DATA.parent.parent / "examples").glob("*.yaml")):
        assert not yamlload._may_nest_deep(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("text, line, col", [
    ("a: &x [*x]\n", 1, 4),
    ("a: &x {b: *x}\n", 1, 4),
    # the node past the limit is inside a0, reached through *a0
    ("a0: &a0 [" + "[" * 60 + "x" + "]" * 60 + "]\na1: &a1 [" + "[" * 60 + "*a0" + "]" * 60 + "]\n", 1, 48),
])
def test_aliases_nesting_too_deep_are_refused(text, line, col):
    doc, diags = load(text)
    assert doc is None
    d = only(diags, "Y103")
    assert d.message == ("YAML 语法错误：别名（*引用）展开后嵌套超过 100 层，或锚点的内容里引用了它自己："
                         "请不要用锚点嵌套引用，直接写出内容")
    assert (d.line, d.col) == (line, col)


# -- messages: Chinese, located, saying what to do -------------------------------------------------

@pytest.mark.parametrize("text, line", [
    ("set: mof-project\nunit: 甲\n---\nset: shanxi-project\n", 3),
    ("---\nset: mof-project\n---\nset: shanxi-project\n", 3),
    ("set: mof-project\n...\n---\nset: shanxi-project\n", 3),
    ("set: mof-project\n---\n", 2),
])
def test_a_second_document_is_named_at_its_dashes(text, line):
    doc, diags = load(text)
    assert doc is None
    d = only(diags, "Y103")
    assert d.message == ("YAML 语法错误：文件中有不止一个 YAML 文档（第二个文档从这一行的「---」开始）："
                         "一个文件只能放一张表，请删除多余的「---」，或把文件拆成多个文件")
    assert (d.line, d.col) == (line, 1)


@pytest.mark.parametrize("text, line, col, what", [
    ("set: x\nunit: 甲\x00乙\n", 2, 8, "空字符 NUL（U+0000）"),  # libyaml counts bytes, we count characters
    ("set: x\n\x1b[31munit: 甲\n", 2, 1, "控制字符 U+001B"),
    ("set: x\nunit: '\x7f'\n", 2, 8, "控制字符 U+007F"),
    ("set: x  # 注释\x08\n", 1, 13, "控制字符 U+0008"),                # in a comment too
    ("set: \ufffe\n", 1, 6, "不允许的字符 U+FFFE"),
    ("set: \ud800\n", 1, 6, "不允许的字符 U+D800"),                     # a lone surrogate (not from a file)
])
def test_a_control_character_is_named_and_located(text, line, col, what):
    doc, diags = load(text)
    assert doc is None
    d = only(diags, "Y103")
    assert d.message == (f"YAML 语法错误：含有{what}，YAML 文件中不允许出现；文件可能已损坏，或不是文本文件"
                         "（如改了扩展名的 Excel、Word 文件）：请用文本编辑器打开，删除该字符后保存")
    assert (d.line, d.col) == (line, col)


def test_many_nuls_suggest_utf16_and_are_counted(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes("set: mof-project\nunit: x\n".encode("utf-16-le"))  # no BOM: valid UTF-8 full of NULs
    diags = Diagnostics()
    assert load_file(path, diags) is None
    d = only(diags.items, "Y103")
    assert d.message == ("YAML 语法错误：含有空字符 NUL（U+0000）（全文共 25 处），YAML 文件中不允许出现；"
                         "文件可能是 UTF-16（“Unicode”）编码：请用 UTF-8 编码另存")
    assert (d.line, d.col) == (1, 2)


@pytest.mark.parametrize("text, line, col, message", [
    ('a: "x\nb: 1\n', 1, 4, "引号没有闭合：从这里开始的引号直到文件末尾都没有配对的引号"),
    ("a: 'x\n---\n'\n", 1, 4, "引号没有闭合：从这里开始的引号直到第 2 行行首的「---」或「...」都没有配对的引号"),
    ('a: "C:\\Users\\甲"\n', 1, 9, "双引号里的反斜杠「\\」是转义符，这里的转义无效：含反斜杠的文字（如 Windows 路径）"
                                   "请改用单引号，或把「\\」写成「\\\\」"),
    ("target: >90%\n", 1, 11, "以「|」或「>」开头的值会被当作多行文字块：像「>90%」这样的文字请加引号（写成 \">90%\"），或改用「＞」「≥」"),
    ("a: *重点\n", 1, 5, "以「*」开头的值会被当作引用（别名）：如果是文字，请给这段文字加引号"),
    ("a: &重点 x\n", 1, 5, "以「&」开头的值会被当作锚点：如果是文字，请给这段文字加引号"),
    ("a: !重要 x\n", 1, 5, "以「!」开头的值会被当作 YAML 标签：如果是文字，请给这段文字加引号"),
    ("a: !x!y z\n", 1, 4, "以「!」开头的值会被当作 YAML 标签：如果是文字，请给这段文字加引号"),
    ("%完成率: 90\n", 1, 2, "行首的「%」表示 YAML 指令，这里的指令无效：如果是文字，请给这段文字加引号；否则删除这一行"),
    ("%YAML 2.0\n---\na: 1\n", 1, 1, "行首的「%YAML」指令写的版本不受支持：请删除这一行"),
    ("a: @张三\n", 1, 4, "「@」不能作为值的开头：请给这段文字加引号"),
    ("a: `x`\n", 1, 4, "「`」不能作为值的开头：请给这段文字加引号"),
    ('target: "≥90%"以上\n', 1, 15, "引号后面还有文字：引号要把整个值括起来，请把整段文字放进引号里（如 \"≥90%以上\"）"),
    ("a: [1, , 2]\n", 1, 8, "方括号「[ ]」或花括号「{ }」里缺少内容（如连续两个逗号「, ,」），或某项以「,」「]」「}」开头"),
    ("a: ]\n", 1, 4, "此处缺少值，或值以「,」「]」「}」等符号开头：如果是文字，请给这段文字加引号"),
    ("a: 1\n...\nb: 2\n", 3, 1, "前面的内容已经结束，这里多出了内容：请检查这一行的缩进，或删除多余的「...」"),
    ("a: [比例:, 2]\n", 1, 7, "方括号或花括号里的文字含有冒号「:」：请给这段文字加引号"),
    ("a: 1\nb: ? x\n", 2, 4, "此处不允许出现「? 」：以「?」开头的文字请加引号"),
    ("a: *x\n", 1, 4, "引用了未定义的锚点：「*名称」之前要先用「&名称」定义，如果是文字，请给这段文字加引号"),
    ("a: &x 1\nb: &x 2\n", 2, 4, "锚点重复定义：同一个「&名称」在文件中只能定义一次"),
    ("a: |\n  x\n\t y\n", 3, 1, "不能用制表符（Tab）缩进"),
])
def test_libyaml_problems_are_said_in_chinese(text, line, col, message):
    doc, diags = load(text)
    assert doc is None
    d = only(diags, "Y103")
    assert d.message == "YAML 语法错误：" + message
    assert (d.line, d.col) == (line, col)


def test_an_unknown_libyaml_problem_never_shows_its_english():
    assert yamlload._translate_problem("found something new", "while doing something new") == "无法解析此处的内容"


_ENGLISH = re.compile(r"[A-Za-z]{3,}")
_ALLOWED_WORDS = {"YAML", "Tab", "NUL", "Windows", "Unicode", "UTF", "Excel", "Word", "FIFO"}


def test_small_malformed_yaml_never_gets_an_english_or_unlocated_message():
    """Mutations of a real file: every problem libyaml finds comes out in Chinese, with a line and column."""
    seed = (DATA.parent.parent / "examples" / "hubei-2020-office-project.yaml").read_text(encoding="utf-8")
    pieces = list(":-[]{},?&*!|>'\"#%@`\t\n ") + ["---", "...", "%TAG ! x", "!<", "\\x", "\\u12", "&a ", "*a", "? ",
                                                  "\x00", "\x1b", "\n  ", "\n- ", "：", "\u3000"]
    rnd = random.Random(20260101)
    seen = set()
    for _ in range(1500):
        text = seed
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(len(text) + 1)
            if rnd.random() < 0.7:
                text = text[:at] + rnd.choice(pieces) + text[at:]
            else:
                text = text[:at] + text[at + rnd.randint(1, 4):]
        _, diags = load(text)
        for d in diags:
            if d.code == "Y103":
                seen.add(d.message)
                assert d.line is not None and d.col is not None, (d.message, text)
                words = set(_ENGLISH.findall(d.message.split("：", 1)[1])) - _ALLOWED_WORDS
                assert not words, (d.message, text)
                assert "无法解析此处的内容" not in d.message, text
    assert len(seen) >= 10  # the mutations reached many kinds of problem


# -- reading files: regular files only, OS errors in Chinese ------------------------------------------

def _in_time(function, seconds=5):
    """Run `function` in a daemon thread; fail (instead of hanging the suite) if it blocks."""
    result = []
    worker = threading.Thread(target=lambda: result.append(function()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "blocked"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "表.yaml"
    os.mkfifo(fifo)
    diags = Diagnostics()
    assert _in_time(lambda: load_file(fifo, diags)) is None
    d = only(diags.items, "Y112")
    assert d.message == "不是普通文件（命名管道（FIFO）），未读取"
    assert d.file == str(fifo)


@pytest.mark.parametrize("make, kind", [
    (lambda tmp: tmp, "文件夹"),
    (lambda tmp: Path("/dev/null"), "字符设备"),
    (lambda tmp: Path("/dev/zero"), "字符设备"),
])
def test_folders_and_devices_are_refused(tmp_path, make, kind):
    path = make(tmp_path)
    if not path.exists():
        pytest.skip(f"no {path}")
    diags = Diagnostics()
    assert _in_time(lambda: load_file(path, diags)) is None
    assert only(diags.items, "Y112").message == f"不是普通文件（{kind}），未读取"


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no unix sockets")
def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        diags = Diagnostics()
        assert _in_time(lambda: load_file(path, diags)) is None
        assert only(diags.items, "Y112").message == "不是普通文件（套接字），未读取"
    finally:
        server.close()


def test_a_symlink_to_a_device_is_refused(tmp_path):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    link = tmp_path / "表.yaml"
    link.symlink_to("/dev/zero")
    diags = Diagnostics()
    assert _in_time(lambda: load_file(link, diags)) is None
    assert only(diags.items, "Y112").message == "不是普通文件（字符设备），未读取"


def test_open_regular_returns_the_bytes_and_checks_the_size(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"a: 1\r\nb: 2\r\n")  # bytes as written: CRLF kept on every platform
    diags = Diagnostics()
    assert open_regular(path, 100, diags) == b"a: 1\r\nb: 2\r\n"
    assert open_regular(str(path), 12, diags) == b"a: 1\r\nb: 2\r\n"
    assert diags.items == []
    assert open_regular(path, 11, diags) is None
    assert only(diags.items, "Y101").message == "文件大小 12 字节，超过上限 11 字节"


def test_a_file_growing_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "growing.yaml"
    path.write_bytes(b"a: 1\n")
    real_read = os.read
    monkeypatch.setattr(fileio.os, "read", lambda fd, n: real_read(fd, n) or (b"x" * n))  # never reaches EOF
    diags = Diagnostics()
    assert open_regular(path, 100, diags) is None
    assert only(diags.items, "Y101").message == "文件大小 101 字节，超过上限 100 字节"


@pytest.mark.skipif(os.name != "posix", reason="symlink loops and path limits as on Linux")
@pytest.mark.parametrize("make, reason", [
    (lambda tmp: (tmp / "a").symlink_to(tmp / "b") or (tmp / "b").symlink_to(tmp / "a") or tmp / "a",
     "符号链接循环（链接最终指向了自己）"),
    (lambda tmp: tmp / ("长" * 200 + ".yaml"), "文件名或路径过长"),
    (lambda tmp: (tmp / "f").write_text("x") and tmp / "f" / "x.yaml", "路径中有一段不是文件夹"),
    (lambda tmp: tmp / "nope.yaml", "文件不存在"),
])
def test_os_errors_are_said_in_chinese(tmp_path, make, reason):
    path = make(tmp_path)
    diags = Diagnostics()
    assert load_file(path, diags) is None
    d = only(diags.items, "Y100")
    assert d.message == f"无法读取文件：{reason}"
    assert d.file == str(path)


def test_a_read_error_is_said_in_chinese(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("a: 1\n", encoding="utf-8")

    def broken(fd, n):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(fileio.os, "read", broken)
    diags = Diagnostics()
    assert load_file(path, diags) is None
    assert only(diags.items, "Y100").message == "无法读取文件：磁盘读写错误（磁盘、U 盘或网络盘可能有故障）"


@pytest.mark.parametrize("exc, reason", [
    (OSError(errno.ENXIO, "No such device or address"), "设备不存在或未连接"),
    (OSError(errno.EPROTO, "Protocol error"), "系统错误（EPROTO）"),
    (OSError(99999, "Something odd"), "系统错误"),
    (OSError("no errno at all"), "系统错误"),
])
def test_os_reason_is_never_the_english_strerror(exc, reason):
    assert fileio.os_reason(exc) == reason


def test_a_nul_in_the_file_name_is_reported_not_raised():
    diags = Diagnostics()
    assert load_file("a\x00b.yaml", diags) is None
    assert only(diags.items, "Y100").message == "无法读取文件：文件名含有空字符（NUL），请检查文件名"
