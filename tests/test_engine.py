"""Engine behaviour beyond the seed tables: rescaling, extends, given scores, goal blocks."""
from decimal import Decimal
from textwrap import dedent

from scoring.pipeline import Pipeline
from scoring.sets import SetLoader


def write(path, text):
    path.write_text(dedent(text), encoding="utf-8")
    return path


SUBMISSION = """\
set: mof-project
unit: 测试单位
budget: {annual: 100, executed: 95}
indicators:
  - {level1: 产出指标, level2: 数量指标, name: 数量, target: ≥10台, actual: 10台, weight: 30}
  - {level1: 产出指标, level2: 质量指标, name: 质量, target: 100%, actual: 90%, weight: 20, reason: 部分返工}
  - {level1: 效益指标, level2: 社会效益指标, name: 效益, target: 提高, actual: 提高, weight: 30}
  - {level1: 满意度指标, level2: 服务对象满意度指标, name: 满意度, target: ≥90%, actual: 92%, weight: 10}
"""


def run(tmp_path, text, sets=()):
    path = write(tmp_path / "sub.yaml", text)
    return Pipeline(sets).run(path)


def test_plain_total(tmp_path):
    outcome = run(tmp_path, SUBMISSION)
    result = outcome.result
    # 9.5 + 30 + 18 + 30 + 10
    assert result.total == Decimal("97.50") and result.grade == "优"
    assert not outcome.has_errors
    sub = {(s.level1, s.level2): (s.weight, s.score) for s in result.subtotals}
    assert sub[("产出指标", None)] == (Decimal(50), Decimal("48.00"))
    assert sub[("产出指标", "质量指标")] == (Decimal(20), Decimal("18.00"))


def test_not_applicable_rescales_to_100(tmp_path):
    text = SUBMISSION.replace("actual: 提高, weight: 30}", "actual: 提高, weight: 30, not_applicable: 本年度无此项工作}")
    result = run(tmp_path, text).result
    row = next(r for r in result.rows if r.name == "效益")
    assert row.basis == "not_applicable" and row.score is None
    assert result.excluded_weight == Decimal(30)
    # (9.5 + 30 + 18 + 10) / 70 × 100 = 96.428… → 96.43
    assert result.total == Decimal("96.43")


def test_given_score_without_judgement_does_not_stand(tmp_path):
    text = SUBMISSION.replace("actual: 90%, weight: 20, reason: 部分返工}", "actual: 90%, weight: 20, reason: 部分返工, given_score: 20}")
    outcome = run(tmp_path, text)
    row = next(r for r in outcome.result.rows if r.name == "质量")
    assert (row.rule_score, row.given, row.score, row.basis) == (Decimal("18.00"), Decimal(20), Decimal("18.00"), "rule")
    # Full marks on a target not met: G614 says so and names the rule's score; the rule's score stands.
    assert [(d.message, d.hint) for d in outcome.diagnostics if d.code in ("G602", "G614")] == [
        ("目标未完成（实际「90%」，目标「100%」），表中却给了满分 20", "请按规则得分 18 自评，或写明评价人判断的依据。")]


def test_given_score_consistent_at_its_own_decimals(tmp_path):
    text = SUBMISSION.replace("target: ≥10台, actual: 10台, weight: 30}", "target: ≥11台, actual: 7台, weight: 30, reason: 采购推迟, given_score: 19.1}")
    outcome = run(tmp_path, text)
    row = next(r for r in outcome.result.rows if r.name == "数量")
    assert row.rule_score == Decimal("19.09")  # 7/11×30 = 19.0909…
    assert not [d for d in outcome.diagnostics if d.code.startswith("G60")]


def test_missing_reason_uses_the_table_box(tmp_path):
    text = SUBMISSION.replace(", reason: 部分返工}", "}")
    assert [d.code for d in run(tmp_path, text).diagnostics if d.code == "D701"] == ["D701"]
    boxed = text + "reason: 「质量」一项因部分返工未达到100%。\n"
    assert not [d for d in run(tmp_path, boxed).diagnostics if d.code == "D701"]


def test_goal_blocks_only_where_the_set_allows(tmp_path):
    text = dedent("""\
        set: mof-project
        unit: 测试单位
        budget: {annual: 100, executed: 100}
        goals:
          - name: 目标一
            indicators:
              - {level1: 产出指标, name: 甲, target: 1次, actual: 1次, weight: 50}
          - name: 目标二
            indicators:
              - {level1: 效益指标, name: 乙, target: 提高, actual: 提高, weight: 30}
              - {level1: 满意度指标, name: 丙, target: ≥90%, actual: 95%, weight: 10}
        """)
    codes = [d.code for d in run(tmp_path, text).diagnostics]
    assert "R310" in codes
    ok = run(tmp_path, text.replace("set: mof-project", "set: hubei-department").replace(
        "budget: {annual: 100, executed: 100}", "budget: {annual: 100, executed: 100}\ntotal: 100"))
    assert "R310" not in [d.code for d in ok.diagnostics]


def test_extends_merges_by_name_and_removes(tmp_path):
    write(tmp_path / "county-variant.yaml", """\
        id: county-variant
        extends: mof-project
        name: 某县项目自评表
        precision: 1
        budget: {weight: 20}
        levels:
          - name: 产出指标
            weight: 40
            children:
              - {name: 成本指标, remove: true}
              - {name: 创新指标}
          - {name: 效益指标, weight: 30}
          - {name: 满意度指标, weight: 10}
        deviation: {over_achievement_reduction: 0.1}
        """)
    iset, diags = SetLoader([tmp_path]).get("county-variant")
    assert diags == []
    assert iset.chain == ("county-variant", "mof-project")
    assert iset.precision == 1 and iset.budget.weight == Decimal(20)
    assert iset.budget.denominator == ("annual",)  # inherited
    output = iset.level1("产出指标")
    assert [c.name for c in output.children] == ["数量指标", "质量指标", "时效指标", "创新指标"]
    assert iset.deviation.over_achievement_ratio == Decimal("1.3")  # inherited key by key
    assert iset.deviation.over_achievement_reduction == Decimal("0.1")
    assert [g.label for g in iset.grades] == ["优", "良", "中", "差"]


def test_over_achievement_reduction_applies(tmp_path):
    write(tmp_path / "strict.yaml", """\
        id: strict
        extends: mof-project
        deviation: {over_achievement_reduction: 0.2}
        """)
    text = SUBMISSION.replace("set: mof-project", "set: strict").replace(
        "target: ≥10台, actual: 10台, weight: 30}", "target: ≥10台, actual: 20台, weight: 30, reason: 目标偏低}")
    outcome = run(tmp_path, text, sets=[tmp_path])
    row = next(r for r in outcome.result.rows if r.name == "数量")
    assert row.score == Decimal("24.00") and "over_target" in row.flags
    assert "按规定扣减20%" in row.explain


def test_precision_override_and_rounding_half_up(tmp_path):
    # 10 × 0.125 / ... : 20 × 1/8 = 2.5 exactly; use a value that rounds on the half: 10 × 0.00125 = 0.0125
    text = SUBMISSION.replace("budget: {annual: 100, executed: 95}", "budget: {annual: 800, executed: 1}") + "precision: 3\n"
    result = run(tmp_path, text).result
    assert result.budget.score == Decimal("0.013")  # 0.0125 → 0.013 (ROUND_HALF_UP, not banker's 0.012)


# -- stages never mutate their inputs ------------------------------------------------------------------

import copy  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from scoring.diagnostics import Diagnostics  # noqa: E402
from scoring.engine import score_submission  # noqa: E402
from scoring.model import Submission  # noqa: E402
from scoring.yamlload import load_text  # noqa: E402

_LOADER = SetLoader(())
_SETS = [_LOADER.get(set_id)[0] for set_id in ("mof-project", "hunan-department-scorecard", "shanxi-project")]
_ROW_NAMES = ["财政供养人员控制率", "“三公经费”变动率", "办公设备购置数量", "服务对象满意度", "数量"]
_LEVELS = [("", ""), ("产出指标", "数量指标"), ("投入", "预算配置"), ("产出指标", "")]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ROW_NAMES), st.sampled_from(_LEVELS),
                          st.sampled_from([None, "≥10台", "提高", "12月底前", "90%-95%"]),
                          st.sampled_from(["10台", "基本完成", "无", "0.9", "2023年11月30日"]),
                          st.sampled_from([None, "5", "20"])), min_size=1, max_size=6))
def test_property_scoring_never_mutates_its_input(rows):
    """Score one submission against two sets: the submission (rows and data) is the same before and after."""
    lines = ["set: mof-project", "unit: 测试单位", "year: 2023", "budget: {annual: 100, executed: 95}", "indicators:"]
    for name, (level1, level2), target, actual, weight in rows:
        fields = [f"name: '{name}'", f"actual: '{actual}'"]
        fields += [f"level1: {level1}"] if level1 else []
        fields += [f"level2: {level2}"] if level2 else []
        fields += [f"target: '{target}'"] if target else []
        fields += [f"weight: {weight}"] if weight else []
        lines.append("  - {" + ", ".join(fields) + "}")
    diags = Diagnostics()
    doc = load_text("\n".join(lines) + "\n", "sub.yaml", diags)
    sub = Submission.from_document(doc, diags)
    before_rows, before_data = copy.deepcopy([r.__dict__ for r in sub.rows]), copy.deepcopy(sub.data)
    first = score_submission(sub, _SETS[0], Diagnostics())
    for iset in _SETS[1:]:
        score_submission(sub, iset, Diagnostics())
    again = score_submission(sub, _SETS[0], Diagnostics())
    assert [r.__dict__ for r in sub.rows] == before_rows
    assert sub.data == before_data
    assert [(r.level1, r.level2, r.target, r.score) for r in again.rows] == \
        [(r.level1, r.level2, r.target, r.score) for r in first.rows]
