"""Every diagnostic code, driven end to end, pinned to its exact message.

Each test writes a small submission (or indicator set) into tmp_path, runs the
pipeline (or `lint_file`), and asserts the code, severity, full message and,
where it means something, the line, column and breadcrumb.  Every code a test
asserts is recorded in EXERCISED; the last test checks that all of CODES is
covered, except the few listed in UNREACHABLE with the reason.
"""
from __future__ import annotations

import re
from decimal import Decimal
import sys
import textwrap
from pathlib import Path

import pytest

from scoring import schema
from scoring.diagnostics import CODES, ERROR, INFO, WARNING, Diagnostic, Diagnostics
from scoring.lint import lint_file
from scoring.pipeline import Pipeline
from scoring.yamlload import load_text

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"

DATA = Path(__file__).resolve().parent / "data"
SETS = DATA / "sets"  # jx-fixed: fixed indicators, one rule kind per row

EXERCISED: set[str] = set()

# Codes no input can produce today; each with the reason (see the report in the final test).
UNREACHABLE = {
}


# -- helpers ----------------------------------------------------------------------------------------

def write(tmp_path: Path, text: str, name: str = "sub.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, text: str, set_dirs=()) -> "FileOutcome":  # noqa: F821
    return Pipeline(set_dirs=set_dirs).run(write(tmp_path, text))


def lint(tmp_path: Path, text: str, extra: dict | None = None):
    """Lint `text` as an indicator set; `extra` sets (id -> text) go in the same directory."""
    for set_id, body in (extra or {}).items():
        write(tmp_path, body, f"{set_id}.yaml")
    path = write(tmp_path, text, "under-test.yaml")
    return lint_file(path, [tmp_path]), path


def summary(diags) -> list:
    return [(d.code, d.line, d.col, d.message) for d in diags]


def expect(diags, code: str, severity: str, message: str, *, line=None, col=None, path=None,
           hint=None, file=None) -> Diagnostic:
    """The diagnostic `code` with exactly `message`; checks severity and, when given, location and hint."""
    found = [d for d in diags if d.code == code]
    assert found, f"no {code} among {summary(diags)}"
    exact = [d for d in found if d.message == message]
    assert exact, f"{code} messages were {[d.message for d in found]!r}, expected {message!r}"
    d = exact[0]
    assert d.severity == severity
    assert CODES[code].severity == severity
    if line is not None:
        assert d.line == line, (d.line, d.col)
    if col is not None:
        assert d.col == col, (d.line, d.col)
    if path is not None:
        assert d.path == path
    if hint is not None:
        assert d.hint == hint
    if file is not None:
        assert d.file == str(file)
    EXERCISED.add(code)
    return d


def line_of(text: str, needle: str, nth: int = 1) -> int:
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, needle
    return hits[nth - 1]


def variant(*pairs: str, base: str | None = None) -> str:
    """`base` with each (old, new) pair replaced once; every `old` must be present."""
    text = BASE if base is None else base
    for old, new in zip(pairs[::2], pairs[1::2]):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def codes(outcome) -> list[str]:
    return [d.code for d in outcome.diagnostics]


# A clean mof-project table: 10 (budget) + 50 + 30 + 10.  Row 1 starts on line 7, row 2 on 13, row 3 on 19.
BASE = """\
set: mof-project
unit: 测试单位
budget:
  annual: 100
  executed: 95
indicators:
  - level1: 产出指标
    level2: 数量指标
    name: 办公设备购置数量
    target: ≥10台
    actual: 10台
    weight: 50
  - level1: 效益指标
    level2: 社会效益指标
    name: 服务保障
    target: 提升
    actual: 达成预期指标
    weight: 30
  - level1: 满意度指标
    level2: 服务对象满意度指标
    name: 服务对象满意度
    target: ≥90%
    actual: 95%
    weight: 10
"""
ROW1, ROW2, ROW3 = 7, 13, 19
ROW1_PATH = "产出指标 > 数量指标 > 指标「办公设备购置数量」"
ROW2_PATH = "效益指标 > 社会效益指标 > 指标「服务保障」"
W50 = "    weight: 50\n"  # the last line of row 1: insert row-1 fields after it

# A clean jx-fixed table (tests/data/sets/jx-fixed.yaml): five fixed indicators of 20 each.
FIXED = """\
set: jx-fixed
unit: 测试单位
indicators:
  - name: 重点支出安排率
    actual: 95%
  - name: 违规次数
    actual: 0
  - name: 资金结余
    actual: 无结余
  - name: 管理制度
    actual: 全部
  - name: 人员控制率
    actual: 100%
"""


def run_fixed(tmp_path, *pairs):
    return run(tmp_path, variant(*pairs, base=FIXED), set_dirs=[SETS])


# -- the baselines are clean, so every diagnostic below comes from its one change ----------------------

def test_base_submission_is_clean(tmp_path):
    outcome = run(tmp_path, BASE)
    assert outcome.diagnostics == []
    assert str(outcome.result.total) == "99.50"


def test_fixed_submission_and_set_are_clean(tmp_path):
    outcome = run(tmp_path, FIXED, set_dirs=[SETS])
    assert outcome.diagnostics == []
    assert str(outcome.result.total) == "100.00"
    assert lint_file(SETS / "jx-fixed.yaml", [SETS]).diagnostics == []


# == Y: reading the file ==================================================================================

def test_Y100_file_cannot_be_read(tmp_path):
    path = tmp_path / "不存在.yaml"
    outcome = Pipeline().run(path)
    d = expect(outcome.diagnostics, "Y100", ERROR, "无法读取文件：文件不存在",
               file=path, hint="请确认路径正确、文件存在且有读取权限。")
    assert d.line is None
    assert outcome.result is None


def test_Y101_file_too_large(tmp_path):
    path = tmp_path / "big.yaml"
    size = 2 * 1024 * 1024 + 10
    path.write_bytes(b"# " + b"x" * (size - 3) + b"\n")
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "Y101", ERROR, f"文件大小 {size} 字节，超过上限 2097152 字节", file=path,
           hint="一个自评表或指标体系不应这么大；请检查是否选错了文件。")
    assert codes(outcome) == ["Y101"]


def test_Y102_not_utf8():
    path = DATA / "gbk-encoded.yaml"
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "Y102", ERROR, "文件不是 UTF-8 编码（第 2 行附近）", line=2, file=path,
           hint="请用 UTF-8 编码另存此文件（WPS/记事本“另存为”时选择 UTF-8）。")
    assert codes(outcome) == ["Y102"]


def test_Y103_yaml_syntax_error(tmp_path):
    text = variant("  executed: 95\n", "  executed: [95\n")
    outcome = run(tmp_path, text)
    d = expect(outcome.diagnostics, "Y103", ERROR, "YAML 语法错误：方括号列表「[ ]」没有闭合，或项之间缺少逗号",
               hint="请检查该行的缩进、冒号和引号。")
    assert d.line is not None and d.line >= 5
    assert outcome.result is None


def test_Y104_duplicate_key(tmp_path):
    text = variant("unit: 测试单位\n", "unit: 测试单位\nproject: 甲\nunit: 另一个单位\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y104", ERROR, "键「unit」重复出现（第一次在第 2 行）", line=4, col=1,
           hint="同一层级的键只能写一次；重复时后一个会悄悄覆盖前一个，请删除或合并。")
    assert outcome.result.unit == "测试单位"  # the first value, not silently the last


def test_Y104_duplicate_key_in_a_row(tmp_path):
    text = variant(W50, W50 + "    weight: 40\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y104", ERROR, "键「weight」重复出现（第一次在第 12 行）", line=13, col=5)


def test_Y105_full_width_colon(tmp_path):
    text = variant(W50, "    weight：50\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y105", ERROR, "检测到全角冒号「：」，YAML 需要半角冒号加空格「: 」",
           line=12, col=11, hint="把「weight：」改为「weight: 」。")
    assert "Y103" not in codes(outcome)


def test_Y105_full_width_colon_after_chinese_key(tmp_path):
    text = variant("unit: 测试单位\n", "unit: 测试单位\n项目名称：办公设备\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y105", ERROR, "检测到全角冒号「：」，YAML 需要半角冒号加空格「: 」",
           line=3, col=5, hint="把「项目名称：」改为「项目名称: 」。")


def test_Y106_full_width_space_indentation(tmp_path):
    text = variant("  executed: 95\n", "\u3000\u3000executed: 95\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y106", ERROR, "行首用全角空格缩进", line=5, col=1,
           hint="YAML 只能用半角空格缩进，请把行首的全角空格换成半角空格。")
    assert outcome.result is None


def test_Y106_tab_indentation(tmp_path):
    text = variant("  executed: 95\n", "\texecuted: 95\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y106", ERROR, "行首用制表符（Tab）缩进", line=5, col=1,
           hint="YAML 只能用半角空格缩进，请把行首的制表符（Tab）换成半角空格。")


def test_Y107_alias_bomb():
    outcome = Pipeline().run(DATA / "alias-bomb.yaml")
    expect(outcome.diagnostics, "Y107", ERROR, "文件内容过多：超过 200000 个值（用锚点/别名引用的内容按展开后的个数计算）",
           line=2, col=1, hint="一张自评表不应这么大；请检查是否选错了文件，也不要用锚点嵌套引用，直接写出内容。")
    assert codes(outcome) == ["Y107"]


def test_Y108_full_width_digits_are_read(tmp_path):
    text = variant(W50, "    weight: ５０\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y108", WARNING, "「５０」含全角字符，已按「50」读取", line=12, col=13,
           hint="建议改为半角数字和符号。")
    assert codes(outcome) == ["Y108"]
    assert str(outcome.result.total) == "99.50"


def test_Y109_empty_file(tmp_path):
    outcome = run(tmp_path, "# 还没有填写\n")
    expect(outcome.diagnostics, "Y109", ERROR, "文件为空或顶层不是键值表", line=1, col=1,
           hint="文件应以「键: 值」的形式开始，参见 examples/ 中的样例。")


def test_Y109_top_level_list(tmp_path):
    outcome = run(tmp_path, "- set: mof-project\n- unit: 测试单位\n")
    expect(outcome.diagnostics, "Y109", ERROR, "文件为空或顶层不是键值表", line=1, col=1)


def test_Y110_unsupported_tag(tmp_path):
    text = variant("unit: 测试单位\n", "unit: !!python/object/apply:os.system [echo]\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y110", ERROR, "不支持的 YAML 标签「tag:yaml.org,2002:python/object/apply:os.system」",
           line=2, col=7, hint="请删除该标签，直接写值。")


def test_Y111_key_is_not_text(tmp_path):
    text = variant("unit: 测试单位\n", "unit: 测试单位\ntrue: 1\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "Y111", ERROR, "键必须是文字，这里是「true」", line=3, col=1,
           hint="把键写成文字（必要时加引号）。")


# == S: structure ==========================================================================================

def test_S201_wrong_type(tmp_path):
    outcome = run(tmp_path, variant(W50, "    weight: 五十\n"))
    expect(outcome.diagnostics, "S201", ERROR, "「分值」应为数字，实际是文字「五十」",
           line=12, col=13, path=f"{ROW1_PATH} > 分值")
    assert outcome.result is None


def test_S201_mapping_where_a_cell_is_expected(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: {数量: 10}\n"))
    expect(outcome.diagnostics, "S201", ERROR, "「实际完成值」应为数字或文字，实际是键值表",
           line=11, col=13, path=f"{ROW1_PATH} > 实际完成值")


def test_S202_missing_required_key(tmp_path):
    outcome = run(tmp_path, variant("unit: 测试单位\n", ""))
    expect(outcome.diagnostics, "S202", ERROR, "缺少必填项「单位名称」", line=1, col=1, hint="请补上「unit」。")


def test_S202_missing_row_name(tmp_path):
    outcome = run(tmp_path, variant("    name: 办公设备购置数量\n", ""))
    expect(outcome.diagnostics, "S202", ERROR, "缺少必填项「名称」", line=ROW1, col=5,
           path="产出指标 > 数量指标 > 第1个指标", hint="请补上「name」。")


def test_S203_unknown_key_with_suggestion(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    wieght: 5\n"))
    expect(outcome.diagnostics, "S203", ERROR, "未知的键「wieght」", line=13, col=5,
           path=f"{ROW1_PATH} > wieght", hint="是否想写「weight」（分值）？")


def test_S203_chinese_key_names_the_english_one(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    偏差原因分析: 无\n"))
    expect(outcome.diagnostics, "S203", ERROR, "未知的键「偏差原因分析」", line=13, col=5,
           hint="键名用英文：「偏差原因分析」应写作「reason」。")


def test_S204_value_not_among_options_in_a_set(tmp_path):
    outcome, _ = lint(tmp_path, "id: enum-test\nname: 枚举\nrounding: 四舍五入\nlevels: []\n")
    expect(outcome.diagnostics, "S204", ERROR, "「舍入方式」的取值「四舍五入」无效，可选：half_up、down",
           line=3, col=11, path="舍入方式")


def test_S204_rule_parameter_in_a_row(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    rule: {kind: reverse, form: square}\n"))
    expect(outcome.diagnostics, "S204", ERROR, "「计分方式」的取值「square」无效，可选：ratio、linear",
           line=13, col=33, path=f"{ROW1_PATH} > 评分规则 > 计分方式")


def test_S205_number_out_of_range(tmp_path):
    outcome = run(tmp_path, variant(W50, "    weight: 150\n"))
    expect(outcome.diagnostics, "S205", ERROR, "「分值」应≤ 100，实际为 150", line=12, col=13,
           path=f"{ROW1_PATH} > 分值")


def test_S205_unsupported_schema_version(tmp_path):
    outcome = run(tmp_path, variant("set: mof-project\n", "schema_version: 2\nset: mof-project\n"))
    expect(outcome.diagnostics, "S205", ERROR, "「格式版本」应≤ 1，实际为 2", line=1, col=17, path="格式版本")


def test_S205_text_too_short(tmp_path):
    outcome = run(tmp_path, variant("unit: 测试单位\n", "unit: ''\n"))
    expect(outcome.diagnostics, "S205", ERROR, "「单位名称」应至少 1 个字，实际为 0", line=2, col=7, path="单位名称")


def test_S206_bad_set_id(tmp_path):
    outcome = run(tmp_path, variant("set: mof-project\n", "set: MOF_Project\n"))
    expect(outcome.diagnostics, "S206", ERROR, "「指标体系」的格式不正确：「MOF_Project」", line=1, col=6,
           path="指标体系", hint="指标体系编号只能用小写英文字母、数字和连字符，例如 hubei-project。")


def test_S206_precision_must_be_whole(tmp_path):
    outcome = run(tmp_path, variant("unit: 测试单位\n", "unit: 测试单位\nprecision: 1.5\n"))
    expect(outcome.diagnostics, "S206", ERROR, "「保留小数位数」的格式不正确：「1.5」", line=3, col=12, hint="应为整数。")


def test_S207_other_schema_errors_fall_back_to_the_validator_message(monkeypatch):
    # The shipped schemas only use keywords with their own codes (S201–S206); S207 is the fallback for
    # any other keyword.  Exercise it with a schema using `uniqueItems`.
    import jsonschema

    custom = {"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}}}
    checker = jsonschema.Draft202012Validator(custom)
    monkeypatch.setattr(schema, "validator", lambda name, definition=None: checker)
    diags = Diagnostics()
    doc = load_text("set: x\ntags: [a, a]\n", "s.yaml", diags)
    assert schema.validate(doc, "submission", diags) is False
    detail = next(iter(checker.iter_errors(doc.data))).message
    expect(diags, "S207", ERROR, f"结构不符合要求：{detail}", line=2, col=7)


# == R: sets and matching ====================================================================================

def test_R301_unknown_set(tmp_path):
    outcome = run(tmp_path, variant("set: mof-project\n", "set: no-such-set\n"))
    d = expect(outcome.diagnostics, "R301", ERROR, "找不到指标体系「no-such-set」", line=1, col=6, path="指标体系")
    assert d.hint.startswith("可用的指标体系：") and "mof-project" in d.hint
    assert d.hint.endswith("用 `jixiao sets list` 查看全部。")


def test_R301_extends_an_unknown_set(tmp_path):
    outcome, path = lint(tmp_path, "id: child\nextends: no-such-base\nname: 子体系\n")
    expect(outcome.diagnostics, "R301", ERROR, "找不到指标体系「no-such-base」", line=2, col=10, path="继承",
           file=path)


CYCLE = {"cyc-a": "id: cyc-a\nextends: cyc-b\nname: A\n", "cyc-b": "id: cyc-b\nextends: cyc-a\nname: B\n"}


def test_R302_extends_cycle_in_lint(tmp_path):
    outcome, _ = lint(tmp_path, CYCLE["cyc-a"], {"cyc-b": CYCLE["cyc-b"]})
    expect(outcome.diagnostics, "R302", ERROR, "指标体系继承关系成环：cyc-a → cyc-b → cyc-a", line=2, col=10,
           path="继承", hint="请检查各体系的 extends。")


def test_R302_extends_cycle_reaches_the_submission(tmp_path):
    sets = tmp_path / "sets"
    sets.mkdir()
    for set_id, body in CYCLE.items():
        write(sets, body, f"{set_id}.yaml")
    outcome = run(tmp_path, "set: cyc-a\nunit: 测试单位\n", set_dirs=[sets])
    expect(outcome.diagnostics, "R302", ERROR, "指标体系继承关系成环：cyc-a → cyc-b → cyc-a", line=2)
    assert "R301" not in codes(outcome)
    assert outcome.result is None


RULE_SET = """\
id: rules-test
name: 规则测试
budget: null
levels:
  - name: 产出
    weight: 100
    children:
      - name: 数量
        weight: 100
        rule: {rule}
"""


def test_R303_unknown_rule_kind_in_a_set(tmp_path):
    outcome, _ = lint(tmp_path, RULE_SET.replace("{rule}", "{kind: magic}"))
    d = expect(outcome.diagnostics, "R303", ERROR, "未知的评分规则类型「magic」", line=10, col=22,
               path="产出 > 数量 > 评分规则 > 类型")
    assert d.hint.startswith("可用的类型：budget_execution、by_sign、checklist、")


def test_R303_unknown_rule_kind_in_a_row(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    rule: {kind: 按比例}\n"))
    expect(outcome.diagnostics, "R303", ERROR, "未知的评分规则类型「按比例」", line=13, col=18,
           path=f"{ROW1_PATH} > 评分规则 > 类型")
    assert "G606" not in codes(outcome)  # the broken rule is the one problem of this row


def test_R304_empty_interval_in_a_set(tmp_path):
    rule = "\n          kind: tiers\n          tiers:\n            - {range: '[90%, 80%)', points: 5}"
    outcome, _ = lint(tmp_path, RULE_SET.replace(" {rule}", rule))
    expect(outcome.diagnostics, "R304", ERROR, "评分规则参数有误：区间「[90%, 80%)」是空的", line=11, col=17,
           path="产出 > 数量 > 评分规则 > 类型")


def test_R304_bad_standard_in_a_row(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    rule: {kind: deduct_per_point, standard: 很多, direction: above, step: 1}\n"))
    expect(outcome.diagnostics, "R304", ERROR, "评分规则参数有误：标准「很多」不是数值", line=13, col=18,
           path=f"{ROW1_PATH} > 评分规则 > 类型")


def test_R305_unknown_level1(tmp_path):
    outcome = run(tmp_path, variant("  - level1: 效益指标\n", "  - level1: 效果指标\n"))
    expect(outcome.diagnostics, "R305", ERROR, "一级指标「效果指标」不在指标体系「mof-project」中",
           line=ROW2, col=13, path="效果指标 > 社会效益指标 > 指标「服务保障」 > 一级指标",
           hint="该体系的一级指标：产出指标、效益指标、满意度指标。")


def test_R306_unknown_level2(tmp_path):
    outcome = run(tmp_path, variant("    level2: 社会效益指标\n", "    level2: 社会指标\n"))
    expect(outcome.diagnostics, "R306", WARNING, "二级指标「社会指标」不在「效益指标」之下",
           line=ROW2 + 1, col=13, path="效益指标 > 社会指标 > 指标「服务保障」 > 二级指标",
           hint="该一级指标下的二级指标：经济效益指标、社会效益指标、生态效益指标、可持续影响指标。")


def test_R307_fixed_indicator_missing(tmp_path):
    outcome = run_fixed(tmp_path, "  - name: 违规次数\n    actual: 0\n", "")
    expect(outcome.diagnostics, "R307", ERROR, "缺少指标体系规定的指标「违规次数」", line=4,
           hint="请在 indicators 中补上该指标的实际完成值或自评得分。")


def test_R308_custom_indicator_not_allowed(tmp_path):
    extra = "  - {level1: 投入, level2: 管理, name: 自设指标, weight: 0, target: 1, actual: 1}\n"
    text = FIXED + extra
    outcome = run(tmp_path, text, set_dirs=[SETS])
    expect(outcome.diagnostics, "R308", ERROR, "指标「自设指标」不在指标体系「jx-fixed」的固定指标中",
           line=line_of(text, "自设指标"), col=36, path="投入 > 管理 > 指标「自设指标」 > 名称",
           hint="该体系不允许自设指标；请检查指标名称是否写错。")


def test_R309_rows_both_top_level_and_in_goals(tmp_path):
    text = BASE + ("goals:\n  - name: 目标一\n    indicators:\n"
                   "      - {level1: 产出指标, level2: 数量指标, name: 甲, target: 1, actual: 1, weight: 0}\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "R309", ERROR, "指标既写在顶层 indicators 中，又写在年度目标的 indicators 中",
           line=ROW1, hint="单个年度目标时用顶层 indicators；多个年度目标时把指标分别写在各目标下。")


def test_R310_goal_blocks_in_a_set_without_them(tmp_path):
    text = """\
set: mof-project
unit: 测试单位
budget: {annual: 100, executed: 95}
goals:
  - name: 目标一
    indicators:
      - {level1: 产出指标, level2: 数量指标, name: 甲, target: ≥10台, actual: 10台, weight: 60}
  - name: 目标二
    indicators:
      - {level1: 效益指标, level2: 社会效益指标, name: 乙, target: 提升, actual: 达成预期指标, weight: 30}
"""
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "R310", ERROR, "指标体系「mof-project」不分年度目标块，这里有 2 个年度目标各自带有指标",
           line=8, col=5, path="目标二",
           hint="把指标合并到一组 indicators 中，或改用允许多个年度目标块的体系（如 hubei-department）。")


def test_R310_not_reported_for_goal_block_sets(tmp_path):
    text = """\
set: hubei-department
unit: 测试单位
budget: {annual: 100, executed: 100}
goals:
  - name: 目标一
    weight: 50
    indicators:
      - {level1: 产出指标, level2: 数量指标, name: 甲, target: ≥10台, actual: 10台, weight: 50}
  - name: 目标二
    weight: 30
    indicators:
      - {level1: 效益指标, level2: 社会效益指标, name: 乙, target: 提升, actual: 达成预期指标, weight: 30}
"""
    outcome = run(tmp_path, text)
    assert codes(outcome) == []
    assert str(outcome.result.total) == "100.00"


# == W: weights and static rule checks ========================================================================

WEIGHTS_SET = """\
id: weights-test
name: 分值测试
budget: {weight: 10}
levels:
  - name: 产出
    weight: 50
    children:
      - {name: 数量, weight: 20}
      - {name: 质量, weight: 20}
  - name: 效益
    weight: 30
    children:
      - name: 社会
        weight: 30
        indicators:
          - {name: 甲, weight: 10}
          - {name: 乙, weight: 10}
"""


def test_W401_children_do_not_add_up_in_a_set(tmp_path):
    outcome, _ = lint(tmp_path, WEIGHTS_SET)
    expect(outcome.diagnostics, "W401", ERROR, "一级指标「产出」的下级分值合计 40，应等于 50", line=5, col=5,
           path="产出", hint="请核对各下级指标的分值。")
    expect(outcome.diagnostics, "W401", ERROR, "二级指标「社会」的下级分值合计 20，应等于 30", line=13, col=9,
           path="效益 > 社会")


def test_W402_set_total(tmp_path):
    outcome, _ = lint(tmp_path, WEIGHTS_SET)
    expect(outcome.diagnostics, "W402", ERROR, "分值合计 90，应为 100", line=1, col=1,
           hint="预算执行率与各一级指标分值之和应为 100。")


def test_W401_W402_rows_do_not_add_up_in_a_table(tmp_path):
    outcome = run(tmp_path, variant(W50, "    weight: 40\n"))
    expect(outcome.diagnostics, "W401", ERROR, "一级指标「产出指标」的下级分值合计 40，应等于 50", line=ROW1, col=5,
           path=ROW1_PATH)
    expect(outcome.diagnostics, "W402", ERROR, "分值合计 90，应为 100", line=ROW1, col=3,
           hint="预算执行率与各一级指标分值之和应为 100。")


def test_W401_goal_block_weights(tmp_path):
    text = """\
set: hubei-department
unit: 测试单位
budget: {annual: 100, executed: 100}
goals:
  - name: 目标一
    weight: 50
    indicators:
      - {level1: 产出指标, level2: 数量指标, name: 甲, target: ≥10台, actual: 10台, weight: 40}
  - name: 目标二
    weight: 30
    indicators:
      - {level1: 效益指标, level2: 社会效益指标, name: 乙, target: 提升, actual: 达成预期指标, weight: 30}
"""
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "W401", ERROR, "目标一的下级分值合计 40，应等于 50", line=6, col=13,
           path="目标一 > 分值")


def one_rule_set(rule: str | None = None, weight: int = 5, grades: str = "") -> str:
    """A set that lints clean but for `rule`: indicator 甲 (`weight`) with `rule` under `rule:` from line 14."""
    text = ("id: rule-test\nname: 规则测试\nbudget: null\nlevels:\n  - name: 产出\n    weight: 100\n"
            "    children:\n      - name: 数量\n        weight: 100\n        indicators:\n"
            f"          - name: 甲\n            weight: {weight}\n")
    if rule is not None:
        text += "            rule:\n" + textwrap.indent(textwrap.dedent(rule), " " * 14)
    return text + f"          - name: 其他\n            weight: {100 - weight}\n" + grades


def tiers_set(tiers: str) -> str:
    return one_rule_set("kind: tiers\ntiers:\n" + textwrap.indent(textwrap.dedent(tiers), "  "))


def test_clean_one_rule_set_lints_clean(tmp_path):
    outcome, _ = lint(tmp_path, tiers_set("- {range: \"[90%, +∞)\", points: 5}\n- {range: \"(-∞, 90%)\", points: 0}\n"))
    assert outcome.diagnostics == []
    assert outcome.set.levels[0].children[0].indicators[0].rule.kind == "tiers"


def test_W403_tier_gap(tmp_path):
    tiers = ("- {range: \"[90%, +∞)\", points: 5}\n"
             "- {range: \"[80%, 85%)\", points: 4}\n"
             "- {range: \"(-∞, 80%)\", points: 0}\n")
    outcome, _ = lint(tmp_path, tiers_set(tiers))
    expect(outcome.diagnostics, "W403", ERROR, "分档区间有缺口：[85%, 90%) 不属于任何一档", line=14, col=21,
           path="产出 > 数量 > 指标「甲」 > 评分规则 > 类型",
           hint="请调整相邻两档的端点，使其首尾相接（一端含、一端不含）。")
    assert [d.code for d in outcome.diagnostics] == ["W403"]


def test_W404_tier_overlap_at_a_point(tmp_path):
    tiers = ("- {range: \"[80%, +∞)\", points: 5}\n"
             "- {range: \"[0%, 80%]\", points: 2}\n")
    outcome, _ = lint(tmp_path, tiers_set(tiers))
    expect(outcome.diagnostics, "W404", ERROR, "分档区间重叠：[0%, 80%] 与 [80%, +∞) 在 80% 处重叠", line=14,
           hint="同一个值只能落在一档里；请把其中一端改为不含。")


def test_W404_tier_overlap_over_a_range(tmp_path):
    tiers = ("- {range: \"[90%, +∞)\", points: 5}\n"
             "- {range: \"[80%, 95%)\", points: 4}\n"
             "- {range: \"(-∞, 80%)\", points: 0}\n")
    outcome, _ = lint(tmp_path, tiers_set(tiers))
    expect(outcome.diagnostics, "W404", ERROR, "分档区间重叠：[80%, 95%) 与 [90%, +∞) 在 90%～95% 处重叠")


def test_W405_checklist_points_in_a_set(tmp_path):
    rule = "kind: checklist\nitems:\n  - {name: 制度健全, points: 1}\n  - {name: 执行有效, points: 1}\n"
    outcome, _ = lint(tmp_path, one_rule_set(rule))
    expect(outcome.diagnostics, "W405", ERROR, "要素法各要素分值合计 2，与分值 5 不一致", line=14, col=21,
           path="产出 > 数量 > 指标「甲」 > 评分规则 > 类型")


def test_W405_checklist_points_in_a_row(tmp_path):
    rule = ("    rule:\n      kind: checklist\n      items:\n"
            "        - {name: 已建立, points: 20}\n        - {name: 已执行, points: 20}\n")
    outcome = run(tmp_path, variant(W50, W50 + rule, "    actual: 10台\n", "    actual: 全部\n"))
    expect(outcome.diagnostics, "W405", ERROR, "要素法各要素分值合计 40，与分值 50 不一致", line=14, col=13,
           path=f"{ROW1_PATH} > 评分规则 > 类型")


def test_W406_tier_points_above_weight(tmp_path):
    tiers = ("- {range: \"[90%, +∞)\", points: 6}\n"
             "- {range: \"(-∞, 90%)\", points: 0}\n")
    outcome, _ = lint(tmp_path, tiers_set(tiers))
    expect(outcome.diagnostics, "W406", ERROR, "某一档（或选项）的得分 6 超过分值 5", line=14, col=21,
           path="产出 > 数量 > 指标「甲」 > 评分规则 > 类型")


def test_W407_row_weight_differs_from_the_set(tmp_path):
    outcome = run_fixed(tmp_path, "  - name: 重点支出安排率\n", "  - name: 重点支出安排率\n    weight: 25\n")
    expect(outcome.diagnostics, "W407", WARNING, "分值 25 与指标体系规定的 20 不一致，按 20 计", line=5, col=13,
           path="指标「重点支出安排率」 > 分值")
    assert str(outcome.result.total) == "100.00"  # scored with the set's weight


def test_W406_option_points_above_weight(tmp_path):
    rule = "kind: options\noptions:\n  - {label: 无结余, points: 8}\n  - {label: 有结余, points: 0}\n"
    outcome, _ = lint(tmp_path, one_rule_set(rule))
    expect(outcome.diagnostics, "W406", ERROR, "某一档（或选项）的得分 8 超过分值 5", line=14, col=21)


def test_W408_grades_not_distinct(tmp_path):
    grades = "grades:\n  - {label: 优, min: 90}\n  - {label: 良, min: 90}\n  - {label: 差, min: 0}\n"
    outcome, _ = lint(tmp_path, one_rule_set(grades=grades))
    assert [d.code for d in outcome.diagnostics] == ["W408"]
    expect(outcome.diagnostics, "W408", ERROR, "等级下限不能重复：优≥90、良≥90、差≥0", line=1, col=1)


# == V: values =====================================================================================================

def test_V501_actual_is_not_a_number(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: 约10台\n"))
    expect(outcome.diagnostics, "V501", ERROR, "实际完成值「约10台」无法识别为数值", line=11, col=13,
           path=f"{ROW1_PATH} > 实际完成值",
           hint="请写成「符号 数字 单位」的形式，例如「≥11台」「100%」「≤50万元」；改正前本行不按规则计分（填了自评得分时按自评得分计）。")


def test_V501_tiers_need_a_number(tmp_path):
    outcome = run_fixed(tmp_path, "    actual: 95%\n", "    actual: 很高\n")
    expect(outcome.diagnostics, "V501", ERROR, "实际完成值「很高」无法识别为数值", line=5, col=13,
           path="指标「重点支出安排率」 > 实际完成值")


def test_V502_units_differ(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: 10个\n"))
    expect(outcome.diagnostics, "V502", ERROR, "单位不一致：年度指标值为「台」，实际完成值为「个」", line=11, col=13,
           path=f"{ROW1_PATH} > 实际完成值", hint="请统一单位（万元与元可自动换算）；改正前本行不按规则计分（填了自评得分时按自评得分计）。")


def test_V502_units_differ_from_the_standard(tmp_path):
    outcome = run_fixed(tmp_path, "    actual: 100%\n", "    actual: 3人\n")
    expect(outcome.diagnostics, "V502", ERROR, "单位不一致：评分标准为「%」，实际完成值为「人」", line=13,
           path="指标「人员控制率」 > 实际完成值")


def test_V503_negative_amount(tmp_path):
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: -5\n"))
    expect(outcome.diagnostics, "V503", ERROR, "全年执行数为负数：-5", line=5, col=13,
           path="预算执行情况 > 全年执行数", hint="金额不能为负，请核对。")


def test_V503_negative_amount_in_a_source(tmp_path):
    text = variant("  executed: 95\n", "  executed: 95\n  sources:\n    - {name: 市级资金, annual: 100, executed: -5}\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "V503", ERROR, "市级资金全年执行数为负数：-5", line=7, col=43,
           path="预算执行情况 > 市级资金 > 全年执行数")


def test_V504_zero_budget(tmp_path):
    outcome = run(tmp_path, variant("  annual: 100\n", "  annual: 0\n"))
    expect(outcome.diagnostics, "V504", ERROR, "全年预算数为零，无法计算预算执行率", line=4, col=11,
           path="预算执行情况 > 全年预算数", hint="请填写全年预算数；确无预算的项目应选用不计执行率的指标体系。")
    assert str(outcome.result.budget.score) == "0"


def test_V505_actual_written_with_a_sign(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: ≥10台\n"))
    expect(outcome.diagnostics, "V505", INFO, "实际完成值「≥10台」带有符号「≥」，按 10台 计算", line=11, col=13,
           path=f"{ROW1_PATH} > 实际完成值", hint="实际完成值应写实际数，不必带「≥」「≤」等符号。")
    assert str(outcome.result.total) == "99.50"


SICHUAN = """\
set: sichuan-project
unit: 测试单位
budget: {annual: 100, executed: 100}
indicators:
  - {level1: 产出指标, level2: 数量指标, name: 甲, target: ≥10台}
  - {level1: 产出指标, level2: 数量指标, name: 乙, target: ≥10台, actual: 12台}
"""


def test_V507_missing_actual_in_an_unscored_table(tmp_path):
    outcome = run(tmp_path, SICHUAN)
    expect(outcome.diagnostics, "V507", WARNING, "缺少实际完成值，视为未完成", line=5, col=5,
           path="产出指标 > 数量指标 > 指标「甲」 > 实际完成值", hint="请填写全年实际完成指标值。")


@pytest.mark.parametrize("old, new, message, line, path", [
    ("budget:\n  annual: 100\n  executed: 95\n", "", "缺少预算执行情况（budget）", 1, "预算执行情况"),
    ("  annual: 100\n", "", "缺少全年预算数", 4, "预算执行情况 > 全年预算数"),
    ("  executed: 95\n", "", "缺少全年执行数", 4, "预算执行情况 > 全年执行数"),
    ("    target: ≥10台\n", "", "缺少年度指标值", ROW1, f"{ROW1_PATH} > 年度指标值"),
    (W50, "", "缺少分值", ROW1, f"{ROW1_PATH} > 分值"),
    ("  - level1: 满意度指标\n    level2: 服务对象满意度指标\n", "  - level2: 服务对象满意度指标\n", "缺少一级指标",
     ROW3, "服务对象满意度指标 > 指标「服务对象满意度」 > 一级指标"),
])
def test_V508_missing_field(tmp_path, old, new, message, line, path):
    outcome = run(tmp_path, variant(old, new))
    expect(outcome.diagnostics, "V508", ERROR, message, line=line, path=path)


def test_V509_text_target_for_a_proportional_rule(tmp_path):
    text = variant("    target: ≥10台\n", "    target: 较多\n", W50, W50 + "    rule: {kind: proportional}\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "V509", ERROR, "年度指标值「较多」不能用于「正向指标按比例」规则：需要数值目标",
           line=10, col=13, path=f"{ROW1_PATH} > 年度指标值")


@pytest.mark.parametrize("old, new, message, line", [
    ("    actual: 95%\n", "    actual: 50%\n", "实际完成值「50%」不能用于「分档计分」规则：不在任何一档内", 5),
    ("    actual: 0\n", "    actual: 1.5\n", "实际完成值「1.5」不能用于「每出现一次扣分」规则：应为出现次数（非负整数）", 7),
    ("    actual: 无结余\n", "    actual: 不清楚\n", "实际完成值「不清楚」不能用于「选项计分」规则：可选：无结余、有结余", 9),
    ("    actual: 全部\n", "    actual: [1, 3]\n", "实际完成值「3」不能用于「要素法」规则：要素应为 1～2 的序号或要素名称", 11),
])
def test_V509_actual_does_not_fit_the_rule(tmp_path, old, new, message, line):
    outcome = run_fixed(tmp_path, old, new)
    expect(outcome.diagnostics, "V509", ERROR, message, line=line, col=13)
    assert "D701" not in codes(outcome)  # a row that could not be scored needs fixing, not a reason
    assert str(outcome.result.total) == "80.00"


def test_V509_unknown_qualitative_grade(tmp_path):
    text = variant("    actual: 达成预期指标\n", "    actual: 部分完成\n    grade: 很好\n    given_score: 20\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "V509", ERROR,
           "定性评价档次「很好」不能用于「定性评价」规则：可选档次：达成年度指标、部分达成年度指标并具有一定效果、未达成年度指标且效果较差",
           line=18, col=12, path=f"{ROW2_PATH} > 定性评价档次")


# == F: formulas ==================================================================================================

@pytest.mark.parametrize("code, rule, message, col", [
    ("F001", "{kind: formula, formula: '分值 * (实际值'}",
     "公式「分值 * (实际值」：公式语法错误：第6个字符处的左括号「(」缺少对应的右括号「)」", 18),
    ("F002", "{kind: formula, formula: '分值 * 完成度'}",
     "公式「分值 * 完成度」：公式中的名称「完成度」未定义，可用的名称："
     "全年执行数、全年预算数、分值、完成率、实际值、年初预算数、执行数、执行率、目标值、调整后预算数、预算数", 18),
    ("F003", "{kind: formula, formula: 'abs(1, 2)'}", "公式「abs(1, 2)」：函数「abs」需要1个参数，实际为2个", 18),
    ("F004", "{kind: formula, formula: '分值 ** 2'}",
     "公式「分值 ** 2」：不支持乘方运算「**」，公式只允许 + - * / 和 min、max、abs", 18),
])
def test_F_formula_errors_found_when_the_row_rule_is_built(tmp_path, code, rule, message, col):
    outcome = run(tmp_path, variant(W50, W50 + f"    rule: {rule}\n"))
    expect(outcome.diagnostics, code, ERROR, message, line=13, col=col, path=f"{ROW1_PATH} > 评分规则 > 类型")
    assert codes(outcome) == [code]  # no G606 or D701 on top of the formula error


def test_F004_hint(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    rule: {kind: formula, formula: '__import__(1)'}\n"))
    expect(outcome.diagnostics, "F004", ERROR, "公式「__import__(1)」：不允许使用以下划线开头的名称「__import__」",
           hint="公式只允许数字、已定义的名称、+ - * / 和 min、max、abs。")


def test_F005_formula_input_without_a_value(tmp_path):
    rule = "    rule: {kind: formula, formula: '分值 * 系数', inputs: [系数]}\n"
    outcome = run(tmp_path, variant(W50, W50 + rule))
    expect(outcome.diagnostics, "F005", ERROR, "公式「分值 * 系数」：公式引用的「系数」没有取值", line=13, col=11,
           path=f"{ROW1_PATH} > 评分规则")


def test_F006_formula_divides_by_zero(tmp_path):
    rule = "    rule: {kind: formula, formula: '分值 / 系数', inputs: [系数]}\n    inputs: {系数: 0}\n"
    outcome = run(tmp_path, variant(W50, W50 + rule))
    expect(outcome.diagnostics, "F006", ERROR, "公式「分值 / 系数」：公式计算时除数为零：系数", line=13, col=11,
           path=f"{ROW1_PATH} > 评分规则")


@pytest.mark.parametrize("code, formula, message", [
    ("F001", "分值 * 完成率 +", "公式「分值 * 完成率 +」：公式语法错误：第10个字符处的运算符「+」后缺少数值"),
    ("F002", "分值 * 得分率", "公式「分值 * 得分率」：公式中的名称「得分率」未定义，可用的名称："
                          "全年执行数、全年预算数、分值、完成率、实际值、年初预算数、执行数、执行率、目标值、调整后预算数、预算数"),
])
def test_F_formula_errors_in_a_set(tmp_path, code, formula, message):
    outcome, _ = lint(tmp_path, RULE_SET.replace("{rule}", f"{{kind: formula, formula: \"{formula}\"}}"))
    expect(outcome.diagnostics, code, ERROR, message, line=10, col=22, path="产出 > 数量 > 评分规则 > 类型")


def test_formula_rule_scores_when_valid(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    rule: {kind: formula, formula: '分值 * min(完成率, 1)'}\n"))
    assert outcome.diagnostics == []
    assert str(outcome.result.rows[0].score) == "50.00"


# == G: given scores and totals ===================================================================================

def test_G601_given_score_above_weight(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    given_score: 60\n"))
    expect(outcome.diagnostics, "G601", ERROR, "自评得分 60 超过分值 50", line=13, col=18,
           path=f"{ROW1_PATH} > 自评得分", hint="得分不能超过分值；本行按 50 分计。")


def test_G602_given_score_differs_from_rule(tmp_path):
    text = variant("    actual: 10台\n", "    actual: 5台\n", W50, W50 + "    given_score: 30\n    reason: 设备延期到货\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "G602", WARNING, "自评得分 30 与规则得分 25 不一致，按规则得分计", line=13, col=18,
           path=f"{ROW1_PATH} > 自评得分", hint="如确属评价人判断，请在 evaluator_judgement 中写明理由。")
    assert outcome.result.rows[0].score == 25


def test_G613_evaluator_raises_the_score_above_the_rule(tmp_path):
    text = variant("    actual: 10台\n", "    actual: 7台\n",
                   W50, W50 + "    given_score: 40\n    evaluator_judgement: 评价组认定\n")
    outcome = run(tmp_path, text)
    d = expect(outcome.diagnostics, "G613", WARNING, "自评得分 40 高于规则得分 35（评价人判断：评价组认定）",
               line=13, col=18, path=f"{ROW1_PATH} > 自评得分",
               hint="自评应实事求是，不得刻意抬高分数；请核对，确有依据请在偏差原因中写明。")
    assert (d.about.subject, d.about.given, d.about.expected) == ("办公设备购置数量", 40, 35)
    assert outcome.result.rows[0].score == 40  # the judgement stands, with a warning
    assert "G603" not in codes(outcome)


def test_G614_full_marks_on_a_violated_target(tmp_path):
    text = variant("    target: ≥10台\n    actual: 10台\n", "    target: ≤5300元\n    actual: 5830元\n",
                   W50, W50 + "    given_score: 50\n    evaluator_judgement: 表中自评\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "G614", WARNING, "目标未完成（实际「5830元」，目标「≤5300元」），表中却给了满分 50",
           line=13, col=18, path=f"{ROW1_PATH} > 自评得分",
           hint="请按规则得分 45.45 自评，或写明评价人判断的依据。")
    assert "G613" not in codes(outcome)


def test_G603_judgement_below_rule_score(tmp_path):
    text = variant("    actual: 10台\n", "    actual: 7台\n",
                   W50, W50 + "    given_score: 30.5\n    evaluator_judgement: 质量不达标\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "G603", INFO, "自评得分 30.5 为评价人判断（质量不达标），规则得分为 35，相差 -4.5")


def test_G604_negative_given_score(tmp_path):
    outcome = run(tmp_path, variant(W50, W50 + "    given_score: -1\n"))
    expect(outcome.diagnostics, "G604", ERROR, "自评得分为负数：-1", line=13, col=18, path=f"{ROW1_PATH} > 自评得分")


def test_G605_given_score_without_actual(tmp_path):
    text = variant("    actual: 10台\n", "", W50, W50 + "    given_score: 45\n    reason: 尚未验收\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "G605", INFO, "无实际完成值，按自评得分 45 计，未经规则核验", line=12, col=18,
           path=f"{ROW1_PATH} > 自评得分")


def test_G606_nothing_to_score(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", ""))
    expect(outcome.diagnostics, "G606", ERROR, "无法按规则计分，且未填写自评得分；本行计 0 分", line=ROW1, col=5,
           path=f"{ROW1_PATH} > 实际完成值", hint="请按上面的提示改正实际完成值或指标值；确实无法按规则计分的，由评价人填写自评得分并说明理由。")
    assert outcome.result.rows[0].score == 0


def test_G607_qualitative_needs_a_score(tmp_path):
    outcome = run(tmp_path, variant("    actual: 达成预期指标\n", "    actual: 部分完成\n"))
    expect(outcome.diagnostics, "G607", ERROR, "实际完成值「部分完成」含限定词「部分」，需评价人选档并在档内打分",
           line=ROW2, col=5, path=f"{ROW2_PATH} > 自评得分",
           hint="请填写 grade（达成年度指标、部分达成年度指标并具有一定效果、未达成年度指标且效果较差）"
                "和 given_score（所选档次范围内的分数）。")


def test_G607_qualitative_band_chosen_but_no_score(tmp_path):
    text = variant("    actual: 达成预期指标\n", "    actual: 未完成\n    grade: 部分达成并具有一定效果\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "G607", ERROR, "实际完成值「未完成」含否定词「未」，需评价人选档并在档内打分")


def test_G608_given_score_outside_band(tmp_path):
    text = variant("    actual: 达成预期指标\n",
                   "    actual: 部分完成\n    grade: 部分达成并具有一定效果\n    given_score: 29\n    reason: 进度偏慢\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "G608", ERROR, "自评得分 29 不在「部分达成年度指标并具有一定效果」档的范围 [18, 24) 内",
           line=19, col=18, path=f"{ROW2_PATH} > 自评得分",
           hint="各档上端不含（最高档含满分）：请改选相应档次，或调整得分。")


def test_G608_upper_end_of_a_band_is_excluded(tmp_path):
    # 部分达成 scored 24 of 30 is 80%: that is the 达成 band's lower end, not 部分达成's upper end.
    text = variant("    actual: 达成预期指标\n",
                   "    actual: 部分完成\n    grade: 部分达成\n    given_score: 24\n    reason: 进度偏慢\n")
    expect(run(tmp_path, text).diagnostics, "G608", ERROR,
           "自评得分 24 不在「部分达成年度指标并具有一定效果」档的范围 [18, 24) 内")


def test_G609_printed_total(tmp_path):
    outcome = run(tmp_path, BASE + "total: 98\n")
    expect(outcome.diagnostics, "G609", WARNING, "表中总分 98 与计算总分 99.5 不一致", line=25, col=8, path="总分")
    assert codes(outcome) == ["G609"]


def test_G610_row_scores_do_not_add_up_to_the_printed_total(tmp_path):
    text = variant(W50, W50 + "    given_score: 50\n", "    weight: 30\n", "    weight: 30\n    given_score: 30\n",
                   "    weight: 10\n", "    weight: 10\n    given_score: 10\n",
                   "  executed: 95\n", "  executed: 95\n  score: 9.5\n") + "total: 98\n"
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "G610", WARNING, "各行自评得分合计 99.5，与表中总分 98 不一致",
           line=line_of(text, "total: 98"), col=8, path="总分")
    expect(outcome.diagnostics, "G609", WARNING, "表中总分 98 与计算总分 99.5 不一致")


def test_G611_printed_budget_score(tmp_path):
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: 95\n  score: 9\n"))
    expect(outcome.diagnostics, "G611", WARNING, "表中预算执行得分 9 与计算得分 9.5 不一致，按计算得分计", line=6, col=10,
           path="预算执行情况 > 得分")
    assert str(outcome.result.budget.score) == "9.50"


def test_printed_scores_at_their_own_precision_are_not_reported(tmp_path):
    text = variant("  executed: 95\n", "  executed: 95\n  score: 9.5\n") + "total: 99.5\n"
    assert run(tmp_path, text).diagnostics == []


# == D: deviations ===============================================================================================

def test_D701_lost_points_without_a_reason(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: 5台\n"))
    expect(outcome.diagnostics, "D701", WARNING, "得分 25 低于分值 50，缺少偏差原因分析", line=ROW1, col=5,
           path=f"{ROW1_PATH} > 偏差原因分析", hint="请在 reason 中说明未完成的原因，在 measures 中写改进措施。")


def test_D701_not_reported_with_a_reason(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: 5台\n    reason: 资金晚到\n"))
    assert codes(outcome) == []


def test_D701_deduction_rule(tmp_path):
    outcome = run_fixed(tmp_path, "    actual: 0\n", "    actual: 2\n")
    expect(outcome.diagnostics, "D701", WARNING, "得分 10 低于分值 20，缺少偏差原因分析", line=6, col=5,
           path="指标「违规次数」 > 偏差原因分析")


def test_D702_far_over_target(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: 20台\n"))
    expect(outcome.diagnostics, "D702", WARNING, "实际完成值是目标值的 2 倍（≥1.3 倍），目标可能设置过低，缺少说明",
           line=ROW1, col=5, path=f"{ROW1_PATH} > 偏差原因分析", hint="请在 reason 中说明超额完成的原因。")


def test_D703_low_execution_rate(tmp_path):
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: 50\n"))
    expect(outcome.diagnostics, "D703", WARNING, "预算执行率 50.00% 低于 90%，缺少原因说明", line=4, col=3,
           path="预算执行情况 > 偏差原因分析", hint="请在 budget.reason 中说明执行率偏低的原因。")


def test_D704_not_completed_without_a_reason(tmp_path):
    outcome = run(tmp_path, SICHUAN)
    expect(outcome.diagnostics, "D704", WARNING, "指标未完成，缺少未完成原因及改进措施", line=5, col=5,
           path="产出指标 > 数量指标 > 指标「甲」 > 偏差原因分析",
           hint="请在 reason 中说明原因，在 measures 中写改进措施。")
    assert [r.status for r in outcome.result.rows] == ["未完成", "完成"]


# == one run reports everything; the file:line:col format ========================================================

def test_one_run_reports_every_independent_problem(tmp_path):
    text = variant(
        "unit: 测试单位\n", "unit: 测试单位\nproject: 甲\nproject: 乙\n",    # Y104, line 4
        "  executed: 95\n", "  executed: 50\n",                              # D703
        "    weight: 50\n", "    weight: ５０\n",                             # Y108
        "    actual: 10台\n", "    actual: 约10台\n",                        # V501
        "    weight: 30\n", "    weight: 30\n    given_score: 40\n",          # G601
        "    actual: 95%\n", "    actual: 95个\n",                            # V502
    ) + "total: 99\n"                                                         # G609
    outcome = run(tmp_path, text)
    found = codes(outcome)
    for code in ("Y104", "Y108", "D703", "V501", "G601", "V502", "G609"):
        assert found.count(code) == 1, summary(outcome.diagnostics)
    expect(outcome.diagnostics, "Y104", ERROR, "键「project」重复出现（第一次在第 3 行）", line=4)
    expect(outcome.diagnostics, "V501", ERROR, "实际完成值「约10台」无法识别为数值", line=line_of(text, "约10台"))
    expect(outcome.diagnostics, "V502", ERROR, "单位不一致：年度指标值为「%」，实际完成值为「个」",
           line=line_of(text, "95个"))
    expect(outcome.diagnostics, "G601", ERROR, "自评得分 40 超过分值 30", line=line_of(text, "given_score: 40"))
    lines = [d.line for d in outcome.diagnostics]
    assert lines == sorted(lines)  # reported in file order
    assert outcome.has_errors and outcome.result is not None


def test_schema_problems_are_all_reported_together(tmp_path):
    text = variant("set: mof-project\n", "set: MOF\n", W50, "    weight: 五十\n    wieght: 1\n",
                   "unit: 测试单位\n", "")
    outcome = run(tmp_path, text)
    assert sorted(codes(outcome)) == ["S201", "S202", "S203", "S206"]


def test_format_starts_with_file_line_col(tmp_path):
    path = write(tmp_path, variant(W50, W50 + "    given_score: 60\n"))
    outcome = Pipeline().run(path)
    d = expect(outcome.diagnostics, "G601", ERROR, "自评得分 60 超过分值 50")
    text = d.format()
    assert text.startswith(f"{path}:13:18: 错误 G601 自评得分 60 超过分值 50")
    assert text.splitlines()[1:] == [f"    位置：{ROW1_PATH} > 自评得分", "    建议：得分不能超过分值；本行按 50 分计。"]


def test_format_labels_warning_and_info_and_file_only_locations(tmp_path):
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: ≥10台\n", "  executed: 95\n",
                                    "  executed: 95\n  score: 9\n"))
    warning = expect(outcome.diagnostics, "G611", WARNING, "表中预算执行得分 9 与计算得分 9.5 不一致，按计算得分计")
    info = expect(outcome.diagnostics, "V505", INFO, "实际完成值「≥10台」带有符号「≥」，按 10台 计算")
    assert warning.format().startswith(f"{tmp_path / 'sub.yaml'}:6:10: 警告 G611 ")
    assert info.format().startswith(f"{tmp_path / 'sub.yaml'}:12:13: 提示 V505 ")
    missing = Pipeline().run(tmp_path / "missing.yaml").diagnostics[0]
    assert missing.format().startswith(f"{tmp_path / 'missing.yaml'}: 错误 Y100 无法读取文件：")


# == coverage of the catalogue ==================================================================================

def _full_module_ran(request) -> bool:
    module = request.node.parent
    collected = {item.name for item in module.collect() if hasattr(item, "name")}
    ran = {item.name for item in request.session.items if item.parent is module}
    ran.discard(request.node.name)
    collected.discard(request.node.name)
    return collected <= ran or all(
        any(name == r or r.startswith(name + "[") for r in ran) for name in collected)


def test_unreachable_codes_are_real_and_justified():
    assert set(UNREACHABLE) <= set(CODES)
    assert all(reason.strip() for reason in UNREACHABLE.values())
    source = Path(__file__).resolve().parent.parent / "scoring"
    for code in UNREACHABLE:  # still nothing emits them; if one becomes reachable, test it and drop it here
        emitted = [p.name for p in source.rglob("*.py")
                   if re.search(rf'["\']{code}["\']', p.read_text(encoding="utf-8"))
                   and p.name != "diagnostics.py"]
        assert emitted == [], (code, emitted)


def _workbook(tmp_path, rows, name="form.xlsx"):
    """A small .xlsx whose first sheet holds `rows` (lists of cell values) from A1."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "自评表"
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


FORM_HEAD = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "调整后指标值", "实际完成值", "自评得分"]


def test_I801_old_xls(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "I801", ERROR, "这是旧版 Excel 文件（.xls），无法读取",
           hint="请在 Excel 或 WPS 中「另存为」.xlsx 格式后再试。", file=path)


def test_I802_corrupt_xlsx(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "I802", ERROR, "无法打开 Excel 文件：不是有效的 .xlsx 文件（可能已损坏，或只是改了扩展名）")


def test_I803_no_header(tmp_path):
    path = _workbook(tmp_path, [["单位名称", "测试单位"], ["随便", "写点"]])
    outcome = Pipeline().run(path)
    d = expect(outcome.diagnostics, "I803", ERROR, "在表格中找不到指标表的表头（查找了：一级指标、二级指标、三级指标、分值、"
               "年度指标值、调整后指标值、实际完成值、自评得分、评价人判断理由、定性评价档次、偏差原因分析、改进措施、指标性质、度量单位）")
    assert d.sheet is None


def test_I804_formula_without_cached_value(tmp_path):
    path = _workbook(tmp_path, [["指标体系编号", "mof-project"], ["单位名称", "测试单位"], FORM_HEAD,
                                ["产出指标", "数量指标", "甲", 50, "≥10台", None, "=5+5", None]])
    outcome = Pipeline().run(path)
    d = expect(outcome.diagnostics, "I804", ERROR, "公式单元格没有保存计算结果：=5+5")
    assert (d.sheet, d.cell) == ("自评表", "G4")
    assert d.format().startswith(f"{path}:表「自评表」G4: 错误 I804 ")


def test_I805_excel_date(tmp_path):
    import datetime

    path = _workbook(tmp_path, [["指标体系编号", "mof-project"], ["单位名称", "测试单位"], FORM_HEAD,
                                ["产出指标", "时效指标", "完成时间", 50, "2021年12月31日前", None,
                                 datetime.datetime(2021, 12, 20), None]])
    outcome = Pipeline().run(path)
    d = expect(outcome.diagnostics, "I805", WARNING, "Excel 日期 2021-12-20 按文字「2021年12月20日」读取")
    assert d.cell == "G4"
    row = outcome.result.rows[0]
    assert row.met is True  # read as a date before the deadline


def test_I806_unsupported_type(tmp_path):
    path = tmp_path / "table.ods"
    path.write_bytes(b"PK")
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "I806", ERROR, "不支持的文件类型「.ods」",
           hint="可读取的类型：.yaml、.yml、.xlsx、.xlsm、.csv。")


def test_spreadsheet_value_problems_point_at_the_cell(tmp_path):
    path = _workbook(tmp_path, [["指标体系编号", "mof-project"], ["单位名称", "测试单位"], FORM_HEAD,
                                ["产出指标", "数量指标", "办公设备购置数量", 50, "≥11台", None, "约7台", None]])
    outcome = Pipeline().run(path)
    d = expect(outcome.diagnostics, "V501", ERROR, "实际完成值「约7台」无法识别为数值")
    assert d.format().splitlines()[0] == f"{path}:表「自评表」G4: 错误 V501 实际完成值「约7台」无法识别为数值"


def test_W409_scores_without_weights(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("一级指标,二级指标,三级指标,年度指标值,实际完成值,得分\n产出指标,数量指标,甲,≥10台,10台,40\n",
                    encoding="utf-8")
    outcome = Pipeline().run(path)
    d = expect(outcome.diagnostics, "W409", WARNING, "未填分值，按自评得分 40 计，无法核验")
    assert (d.line, d.col) == (2, 6)  # CSV: line 2, column 6


def test_I807_gbk_csv(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("一级指标,二级指标,三级指标,分值,年度指标值,实际完成值\n产出指标,数量指标,甲,50,10台,10台\n".encode("gbk"))
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "I807", WARNING, "CSV 文件不是 UTF-8 编码，已按 GBK（GB18030）读取")
    assert outcome.result.rows[0].name == "甲"


def test_I808_undecodable_csv(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\xff\x00\x81")
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "I808", ERROR, "CSV 文件无法识别编码（既不是 UTF-8 也不是 GBK）")


def test_G612_met_target_scored_below_full_marks_without_reason(tmp_path):
    from scoring.review import review_path

    text = variant("    weight: 30\n", "    weight: 30\n    given_score: 28\n")
    # One check stage: `score` and `review` see the same finding.
    assert "G612" in codes(run(tmp_path, text))
    findings = review_path(write(tmp_path, text)).findings
    expect([f.diagnostic for f in findings], "G612", WARNING, "指标已完成，自评得分 28 低于分值 30，缺少扣分理由",
           line=ROW2, col=5, path=f"{ROW2_PATH} > 偏差原因分析",
           hint="请在 reason 中写明扣分理由；没有理由时应按分值自评。")



def test_D705_cost_far_below_its_cap(tmp_path):
    text = variant("    target: ≥10台\n    actual: 10台\n", "    target: ≤50万元\n    actual: 20万元\n")
    expect(run(tmp_path, text).diagnostics, "D705", WARNING,
           "实际完成值 20万元 远低于目标上限「≤50万元」（目标是实际的 2.5 倍，≥2 倍），目标可能设置过松，缺少说明",
           line=ROW1, col=5, path=f"{ROW1_PATH} > 偏差原因分析",
           hint="请在偏差原因中说明实际远低于目标的原因（如成本节约、目标测算偏宽）。")


def test_V512_hedged_actual_given_full_marks(tmp_path):
    text = variant("    actual: 达成预期指标\n", "    actual: 基本提升\n    given_score: 30\n    reason: 评价组认定\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "V512", WARNING, "实际完成值「基本提升」含限定词「基本」，不能视为完全达到目标「提升」",
           line=ROW2 + 4, col=13, path=f"{ROW2_PATH} > 实际完成值",
           hint="请由评价人按三档选档打分（达成年度指标、部分达成年度指标并具有一定效果、未达成年度指标且效果较差）"
                "并写明理由，或把实际结果写明确（如「已全部完成」）；jixiao 不会因此自动给满分，这里的满分来自表中的自评得分。")


def test_V513_words_against_a_numeric_target(tmp_path):
    outcome = run(tmp_path, variant("    actual: 95%\n", "    actual: 满意\n"))
    expect(outcome.diagnostics, "V513", WARNING, "实际完成值「满意」是文字，不能证明达到数值目标「≥90%」",
           line=ROW3 + 4, col=13, path="满意度指标 > 服务对象满意度指标 > 指标「服务对象满意度」 > 实际完成值",
           hint="请填写实际数值（如「90%」）；无法取得数值时由评价人打分并写明理由。本行不自动给满分。")
    row = outcome.result.rows[2]
    assert row.score == 0 and "G606" in codes(outcome)  # no number and no score: nothing to give


def test_V514_decimal_against_a_percent_target(tmp_path):
    outcome = run(tmp_path, variant("    actual: 95%\n", "    actual: 0.97\n"))
    expect(outcome.diagnostics, "V514", WARNING, "实际完成值「0.97」像是把百分数写成了小数（目标为「≥90%」）",
           hint="若实际是 97%，请写「97%」；若确为 0.97%，请写「0.97%」。改正前本行不按规则计分。")
    assert outcome.result.rows[2].rule_score is None


def test_V515_ambiguous_separator(tmp_path):
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: 22，873\n"))
    expect(outcome.diagnostics, "V515", ERROR, "「22，873」中的「，」无法确定是千位分隔符还是小数点",
           line=5, col=13, path="预算执行情况 > 全年执行数",
           hint="请写成「22873」或「22.873」，数字中不要用中文逗号。改正前不按此值计分。")
    outcome = run(tmp_path, variant("    actual: 10台\n", "    actual: 10，5台\n"))
    expect(outcome.diagnostics, "V515", ERROR, "「10，5台」中的「，」无法确定是千位分隔符还是小数点")


def test_V516_executed_above_the_budget(tmp_path):
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: 105\n"))
    expect(outcome.diagnostics, "V516", WARNING, "全年执行数 105 超过全年预算数 100，执行率 105.00%",
           line=5, col=13, path="预算执行情况 > 全年执行数",
           hint="请核对执行数；确属超预算执行，请写明原因。得分按执行率 100% 计。")


def test_V517_executed_far_above_the_budget(tmp_path):
    outcome = run(tmp_path, variant("  annual: 100\n  executed: 95\n", "  annual: 120\n  executed: 965\n"))
    expect(outcome.diagnostics, "V517", ERROR, "执行率 804.17%：全年执行数 965 远超全年预算数 120，很可能录入有误",
           line=5, col=13, hint="请检查金额的单位（万元/元）和小数点；确属实情，请写明原因。")


def test_V518_no_budget_and_nothing_spent(tmp_path):
    outcome = run(tmp_path, variant("  annual: 100\n  executed: 95\n", "  annual: 0\n  executed: 0\n"))
    expect(outcome.diagnostics, "V518", INFO, "全年预算数与全年执行数均为 0，预算执行率不适用",
           line=4, col=11, hint="总分按适用分值折算：Σ得分 ÷ Σ适用分值 × 100。")
    assert outcome.result.total == 100 and outcome.result.excluded_weight == 10


def test_V519_sign_column_contradicts_the_target(tmp_path):
    text = variant("    target: ≥10台\n", "    target: ≤10台\n    sign: 正向\n")
    expect(run(tmp_path, text).diagnostics, "V519", WARNING,
           "指标性质「正向」与年度指标值「≤10台」中的符号「≤」矛盾，按「≤」计", line=ROW1 + 4, col=11,
           hint="请统一指标性质与指标值的符号。")


def test_V520_budget_cell_that_is_not_an_amount(tmp_path):
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: 95台\n"))
    expect(outcome.diagnostics, "V520", ERROR, "全年执行数「95台」无法读取：不是金额",
           line=5, col=13, hint="请只填数字（单位为万元），例如「256.5」或「256.5万元」。")
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: 950000元\n"))
    assert outcome.result.budget.executed == 95 and outcome.result.budget.score == 9.5


def test_V521_actual_written_as_a_bound_the_wrong_way(tmp_path):
    outcome = run(tmp_path, variant("    actual: 95%\n", "    actual: 95%以下\n"))
    expect(outcome.diagnostics, "V521", WARNING, "实际完成值「95%以下」只说明不超过95%，不能证明达到目标「≥90%」",
           line=ROW3 + 4, col=13,
           hint="请填写实际完成的数（如「95%」），不要带「以下」「以内」「≤」等；改正前本行不按规则计分。")
    assert outcome.result.rows[2].score == 0


def test_V522_no_table_year_for_a_yearless_deadline(tmp_path):
    text = variant("    target: ≥10台\n    actual: 10台\n", "    target: 12月底前\n    actual: 2024年3月\n")
    expect(run(tmp_path, text).diagnostics, "V522", WARNING,
           "表中没有年度，「12月底前」按实际完成日期的年度理解为 2024年12月31日前，无法核对是否逾期",
           line=ROW1 + 3, col=13, hint="请在表头填写年度（如 year: 2023），没有年份的日期按该年度理解。")
    assert "V522" not in codes(run(tmp_path, "year: 2023\n" + text))


def test_V523_bare_number_far_from_a_target_with_a_unit(tmp_path):
    text = variant("    target: ≥10台\n    actual: 10台\n", "    target: ≤50万元\n    actual: 500000\n")
    expect(run(tmp_path, text).diagnostics, "V523", WARNING,
           "实际完成值「500000」没有写单位，按「万元」计是目标「≤50万元」的 10000 倍，可能是单位写错了",
           line=ROW1 + 4, col=13, hint="请写上单位（如「500000元」）；改正前本行不按规则计分。")


def test_V524_target_written_as_a_decimal_against_a_percent(tmp_path):
    text = variant("    target: ≥90%\n    actual: 95%\n", "    target: ≥0.95\n    actual: 96%\n")
    expect(run(tmp_path, text).diagnostics, "V524", WARNING,
           "年度指标值「≥0.95」像是把百分数写成了小数（实际完成值为「96%」）", line=ROW3 + 3, col=13,
           hint="若目标是 95%，请写「95%」；改正前本行不按规则计分。")


def test_V525_not_applicable_row_with_an_actual(tmp_path):
    text = variant("    actual: 95%\n", "    actual: 95%\n    not_applicable: 本年度未开展\n")
    expect(run(tmp_path, text).diagnostics, "V525", WARNING,
           "指标标为不适用（本年度未开展），却填写了实际完成值「95%」", line=ROW3 + 4, col=13,
           hint="确属不适用，请删去实际完成值；否则请去掉不适用的标记，按规则计分。不适用的行不计分，总分按适用分值折算。")


def test_V526_rule_against_the_target_sign(tmp_path):
    text = variant(W50, W50 + "    rule: {kind: reverse}\n")
    expect(run(tmp_path, text).diagnostics, "V526", WARNING, "评分规则「反向指标」与年度指标值「≥10台」的符号「≥」方向相反",
           line=ROW1 + 3, col=13,
           hint="正向指标（≥、>）应用 proportional，反向指标（≤、<）应用 reverse；请核对指标体系或指标值的符号。")


def test_pending_rows_make_the_total_provisional(tmp_path):
    outcome = run(tmp_path, variant("    actual: 95%\n", "    actual: 满意\n") + "total: 95\n")
    assert outcome.result.total == Decimal("89.50") and outcome.result.pending_weight == 10
    assert "G609" not in codes(outcome)  # 95 is within what the unscored row may add


def test_W410_printed_budget_weight_differs_from_the_set(tmp_path):
    outcome = run(tmp_path, variant("  executed: 95\n", "  executed: 95\n  weight: 20\n"))
    expect(outcome.diagnostics, "W410", WARNING,
           "表中预算执行率的分值 20 与指标体系「mof-project」规定的 10 不一致，按 10 计", line=6, col=11,
           hint="请确认选用的指标体系是否与表格一致（可用 --set 指定）。")


def test_R312_weighted_row_without_a_name(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "自评表"
    sheet.append(["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值"])
    sheet.append(["产出指标", "数量指标", "办公设备购置数量", 50, "≥10台", "10台"])
    sheet.append(["产出指标", "数量指标", None, 20, "≥5次", "5次"])
    path = tmp_path / "表.xlsx"
    book.save(path)
    d = expect(Pipeline().run(path).diagnostics, "R312", ERROR, "有分值 20 但没有三级指标名称的一行",
               hint="请在该行的「三级指标」单元格（C3）填写指标名称；不需要的行请整行删除。")
    assert (d.sheet, d.cell) == ("自评表", "C3")


# -- B: batches ------------------------------------------------------------------------------

def _batch_problems(tmp_path, files: dict[str, str], monkeypatch=None, crash_on=None, timeout=None):
    from scoring.batch import worker as worker_module
    from scoring.batch.discover import discover
    from scoring.batch.session import run_batch

    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if crash_on is not None:
        real = worker_module.Worker._process

        def buggy(self, item):
            if item.name.endswith(crash_on):
                raise ValueError("坏了")
            return real(self, item)

        monkeypatch.setattr(worker_module.Worker, "_process", buggy)
    problems = []
    out = tmp_path / "out"
    run_batch(discover([str(folder)], out), out, progress=lambda record: problems.extend(record.problems),
              **({"timeout": timeout} if timeout else {}))
    return problems


def test_B901_duplicate_submission(tmp_path):
    text = (EXAMPLES_DIR / "shanxi-2023-xuncha-project.yaml").read_text(encoding="utf-8")
    problems = _batch_problems(tmp_path, {"a.yaml": text, "b.yaml": text})
    d = expect(problems, "B901", WARNING,
               "与 " + str(tmp_path / "in" / "a.yaml") + " 是同一单位、同一项目、同一年度的自评表"
               "（中共长治市上党区委巡察工作办公室、巡察经费、2023）")
    assert d.file.endswith("b.yaml")


def test_B902_our_bug_on_one_file(tmp_path, monkeypatch):
    text = (EXAMPLES_DIR / "shanxi-2023-xuncha-project.yaml").read_text(encoding="utf-8")
    problems = _batch_problems(tmp_path, {"a.yaml": text}, monkeypatch, crash_on="a.yaml")
    expect(problems, "B902", ERROR, "处理此文件时程序出错（ValueError: 坏了），已跳过，其余文件照常处理")


def test_B903_set_file_among_submissions(tmp_path):
    text = (EXAMPLES_DIR.parent / "indicator_sets" / "shanxi-project.yaml").read_text(encoding="utf-8")
    problems = _batch_problems(tmp_path, {"体系.yaml": text})
    expect(problems, "B903", WARNING, "这是指标体系文件，不是自评表，未计分")

# -- issue 9: bounded, accounted for, shown safely ---------------------------------------------------------

def test_Y112_not_a_regular_file(tmp_path):
    import os

    fifo = tmp_path / "管道.yaml"
    os.mkfifo(fifo)
    outcome = Pipeline().run(fifo)
    expect(outcome.diagnostics, "Y112", ERROR, "不是普通文件（命名管道（FIFO）），未读取",
           hint="请指定自评表文件本身，不要指定管道、设备或目录。", file=fifo)


def test_R311_too_many_rows(tmp_path):
    rows = "".join(f"      - {{level1: 产出指标, level2: 数量指标, name: 指标{i}, target: 1, actual: 1}}\n"
                   for i in range(300))
    goals = "".join(f"  - name: 目标{g}\n    indicators:\n{rows}" for g in (1, 2))
    outcome = run(tmp_path, "set: hubei-department\nunit: 测试单位\ngoals:\n" + goals)
    expect(outcome.diagnostics, "R311", ERROR, "自评表共有 600 个指标，超过上限 500 个")
    assert outcome.result is None


def test_V510_number_out_of_range(tmp_path):
    text = variant("    weight: 30\n", "    weight: 30\n    given_score: " + "9" * 30 + "\n")
    outcome = run(tmp_path, text)
    expect(outcome.diagnostics, "V510", ERROR, "自评得分「" + "9" * 30 + "」超出可处理的数值范围",
           line=line_of(text, "given_score"), path=f"{ROW2_PATH} > 自评得分")
    assert outcome.result is None


def test_V510_number_inside_text(tmp_path):
    text = variant("    actual: ", "    actual: ≥1E+300")
    outcome = run(tmp_path, text)
    d = expect(outcome.diagnostics, "V510", ERROR, f"实际完成值「{_actual_of(text)}」超出可处理的数值范围")
    assert d.hint.startswith("数值最多 24 位有效数字、绝对值小于 10 的 15 次方")


def _actual_of(text: str) -> str:
    line = next(line for line in text.splitlines() if "≥1E+300" in line)
    return line.split(": ", 1)[1]


def test_V511_invisible_characters(tmp_path):
    outcome = run(tmp_path, _quoted_unit(BASE))
    d = expect(outcome.diagnostics, "V511", WARNING, "单位名称含有看不见的控制字符（U+202E（从右向左覆盖）），生成的附件中已删除",
               line=line_of(BASE, "unit:"))
    assert "复制粘贴" in d.hint


def _quoted_unit(base: str) -> str:
    lines = base.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("unit: "):
            lines[i] = 'unit: "\\u202e' + line[len("unit: "):].rstrip("\n") + '"\n'
    return "".join(lines)


def test_I809_hidden_sheet(tmp_path):
    path = _workbook(tmp_path, [["单位名称", "测试单位"], FORM_HEAD, ["产出指标", "数量指标", "甲", 100, "10台", "", "10台", 100]])
    import openpyxl

    book = openpyxl.load_workbook(path)
    hidden = book.create_sheet("旧表")
    hidden.sheet_state = "veryHidden"
    book.save(path)
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "I809", WARNING, "工作簿中的隐藏工作表「旧表」未读取")


def test_I810_workbook_over_a_cap(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "三级指标"
    book.active["A6000"] = "很远"
    path = tmp_path / "far.xlsx"
    book.save(path)
    outcome = Pipeline().run(path)
    expect(outcome.diagnostics, "I810", ERROR, "工作簿超出读取上限：工作表「Sheet」有内容的行到第 6000 行，超过上限 5000 行")


def test_I811_csv_quote_not_closed(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text('一级指标,二级指标,三级指标,分值,年度指标值,实际完成值\n产出指标,数量指标,"甲,50,10台,10台\n',
                    encoding="utf-8")
    outcome = Pipeline().run(path)
    d = next(d for d in outcome.diagnostics if d.code == "I811")
    expect(outcome.diagnostics, "I811", ERROR, d.message, line=2)
    assert "引号没有闭合" in d.message


def test_B904_ignored_file(tmp_path):
    text = (EXAMPLES_DIR / "shanxi-2023-xuncha-project.yaml").read_text(encoding="utf-8")
    problems = _batch_problems(tmp_path, {"a.yaml": text, "~$a.xlsx": "lock"})
    expect(problems, "B904", INFO, "已忽略：Office 打开文件时生成的临时锁定文件")


def test_B905_link_out_of_the_input_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "外面.yaml").symlink_to(EXAMPLES_DIR / "shanxi-2023-xuncha-project.yaml")
    problems = _batch_problems(tmp_path, {})
    d = expect(problems, "B905", ERROR, "未读取：符号链接指向输入文件夹之外（"
               + str((EXAMPLES_DIR / "shanxi-2023-xuncha-project.yaml").resolve()) + "），没有跟随")
    assert "复制到输入文件夹" in d.hint


def test_B906_file_over_the_time_budget(tmp_path, monkeypatch):
    import time

    from scoring.batch import worker as worker_module

    text = (EXAMPLES_DIR / "shanxi-2023-xuncha-project.yaml").read_text(encoding="utf-8")
    real = worker_module.Worker._process

    def slow(self, item):
        time.sleep(5)
        return real(self, item)

    monkeypatch.setattr(worker_module.Worker, "_process", slow)
    problems = _batch_problems(tmp_path, {"a.yaml": text}, timeout=0.2)
    expect(problems, "B906", ERROR, "处理此文件超过 0.2 秒，已停止；其余文件照常处理")


def test_every_code_is_exercised(request):
    """Must stay the last test of this module: it reads what the tests above asserted."""
    required = set(CODES) - set(UNREACHABLE)
    if _full_module_ran(request):
        missing = sorted(required - EXERCISED)
        assert missing == [], f"codes no test asserted: {missing}"
        assert not (EXERCISED & set(UNREACHABLE))
    else:  # a subset was selected (-k ...): fall back to checking this file's text
        text = Path(__file__).read_text(encoding="utf-8")
        asserted = set(re.findall(r'expect\([^,]+, "([A-Z]\d{3})"', text))
        asserted |= set(re.findall(r'\("(F00\d)", ', text))
        assert sorted(required - asserted) == []
    assert sys.modules[__name__].EXERCISED is EXERCISED
