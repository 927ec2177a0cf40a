"""`jixiao sets diff` (compare two versions of a set, re-score tables) and `jixiao sets new` (scaffold a variant)."""
import json
import re
import textwrap
from decimal import Decimal

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from scoring.cli import cli
from scoring.sets import SetLoader, available_ids
from scoring.setdiff import diff_sets, rescore

SHIPPED = available_ids()


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def changes_of(*args):
    result = run("sets", "diff", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# A variant of the 湖南 scorecard: two weights traded (sums stay right), one tier bound moved,
# one fixed indicator removed and another of the same weight added.
HUNAN_VARIANT = """\
schema_version: 1
id: hunan-variant
extends: hunan-department-scorecard
levels:
  - name: 投入
    children:
      - name: 预算配置
        indicators:
          - name: 财政供养人员控制率
            weight: 4
          - name: “三公经费”变动率
            weight: 6
          - name: 重点支出安排率
            rule:
              kind: tiers
              tiers:
                - {range: "[85%, +∞)", points: 5}
                - {range: "[80%, 85%)", points: 4}
                - {range: "[70%, 80%)", points: 3}
                - {range: "[60%, 70%)", points: 2}
                - {range: "(-∞, 60%)", points: 0}
  - name: 过程
    children:
      - name: 预算执行
        indicators:
          - name: 支付进度
            remove: true
          - name: 专项资金下达及时率
            weight: 3
            rule: {kind: deduct_per_point, standard: 100%, direction: below, step: 0.5}
"""

GRADES_VARIANT = """\
schema_version: 1
id: {id}
extends: {base}
grades:
  - {{label: 优, min: {top}}}
  - {{label: 良, min: 80}}
  - {{label: 中, min: 60}}
  - {{label: 差, min: 0}}
"""


# -- comparing sets -------------------------------------------------------------------------------

@pytest.mark.parametrize("set_id", SHIPPED)
def test_a_set_against_itself_has_no_changes(set_id):
    iset, _ = SetLoader().get(set_id)
    assert diff_sets(iset, iset) == []
    result = run("sets", "diff", set_id, set_id)
    assert result.exit_code == 0, result.output
    assert "两个版本没有差别" in result.stdout
    data = changes_of(set_id, set_id)
    assert data["identical"] is True and data["changes"] == []


def test_a_variant_reports_each_change_with_old_and_new_values(tmp_path):
    variant = write(tmp_path / "hunan-variant.yaml", HUNAN_VARIANT)
    result = run("sets", "diff", "hunan-department-scorecard", variant)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "修改 投入 > 预算配置 > 指标「财政供养人员控制率」 > 分值：5 → 4" in text
    assert "修改 投入 > 预算配置 > 指标「“三公经费”变动率」 > 分值：5 → 6" in text
    assert ("修改 投入 > 预算配置 > 指标「重点支出安排率」 > 评分规则 > 分档 > 第1档 > 区间：[90%, +∞) → [85%, +∞)"
            in text)
    assert "第2档 > 区间：[80%, 90%) → [80%, 85%)" in text
    assert "删除指标：过程 > 预算执行 > 指标「支付进度」（分值 3；评分规则 每出现一次扣分" in text
    assert "新增指标：过程 > 预算执行 > 指标「专项资金下达及时率」（分值 3；评分规则 每偏离一个单位扣分" in text
    assert "共 6 处变化。" in text
    # grouped in hierarchy order: fixed indicators before rules
    assert text.index("固定指标（4 处）") < text.index("评分规则（2 处）")

    data = changes_of("hunan-department-scorecard", variant)
    assert data["identical"] is False
    assert all(set(c) == {"kind", "section", "path", "field", "label", "old", "new"} for c in data["changes"])
    by_field = {(c["path"], c["field"]): c for c in data["changes"]}
    weight = by_field[("投入 > 预算配置 > 指标「财政供养人员控制率」", "weight")]
    assert (weight["kind"], weight["old"], weight["new"]) == ("changed", "5", "4")
    tier = by_field[("投入 > 预算配置 > 指标「重点支出安排率」", "rule.tiers.0.range")]
    assert (tier["old"], tier["new"]) == ("[90%, +∞)", "[85%, +∞)")
    removed = by_field[("过程 > 预算执行 > 指标「支付进度」", "")]
    assert removed["kind"] == "removed" and removed["old"]["weight"] == "3" and removed["new"] is None
    added = by_field[("过程 > 预算执行 > 指标「专项资金下达及时率」", "")]
    assert added["kind"] == "added" and added["new"]["rule"] == {
        "kind": "deduct_per_point", "standard": "100%", "direction": "below", "step": "0.5"}
    # the untouched tiers and indicators are not listed
    assert not any("第3档" in c["label"] for c in data["changes"])
    assert len(data["changes"]) == 6


def test_rule_kind_checklist_bands_and_budget_changes(tmp_path):
    variant = write(tmp_path / "v.yaml", """\
schema_version: 1
id: hunan-v2
extends: hunan-department-scorecard
budget:
  weight: null
  denominator: [adjusted, annual]
levels:
  - name: 过程
    children:
      - name: 预算执行
        indicators:
          - name: 支付进度
            remove: true
          - name: 支付进度
            weight: 3
            rule: {kind: manual}
      - name: 预算管理
        indicators:
          - name: 管理制度健全性
            rule:
              kind: checklist
              items:
                - {name: 已制定或具有预算资金管理办法、内部财务管理制度、会计核算制度等管理制度, points: 1.5}
                - {name: 相关管理制度得到有效执行, points: 1.5}
          - name: 政府采购执行率
            rule: {kind: deduct_per_point, standard: 100%, direction: below, step: 0.3}
  - name: 效果
    children:
      - name: 履职效益
        indicators:
          - name: 经济效益
            rule:
              kind: qualitative
              bands:
                - {label: 达成年度指标, low: 0.85, high: 1}
                - {label: 部分达成并具有一定效果, low: 0.6, high: 0.85}
                - {label: 未达成且效果较差, low: 0, high: 0.6}
""")
    text = run("sets", "diff", "hunan-department-scorecard", variant).stdout
    assert ("修改 过程 > 预算执行 > 指标「支付进度」 > 评分规则：每出现一次扣分（deduct_per_occurrence：每次扣分 0.5）"
            " → 评价人打分（manual）") in text
    assert "> 评分规则 > 要素 > 「相关管理制度得到有效执行」 > 得分：1 → 1.5" in text
    assert "删除 过程 > 预算管理 > 指标「管理制度健全性」 > 评分规则 > 要素 > 「相关管理制度合法、合规、完整」（得分 1）" in text
    assert "修改 过程 > 预算管理 > 指标「政府采购执行率」 > 评分规则 > 每次扣分：0.2 → 0.3" in text
    # qualitative bands: the set wrote none, so the defaults are compared
    assert "指标「经济效益」 > 评分规则 > 档次 > 「达成年度指标」 > 下限：0.8 → 0.85" in text
    assert "新增 预算执行率（分值 自定；执行率分母 调整后预算数 或 全年预算数" in text
    assert "固定指标顺序：[预算调整率；支付进度；资金结余；“三公经费”控制率] → [预算调整率；资金结余；“三公经费”控制率；支付进度]" in text


def test_set_level_and_level_changes_between_shipped_sets():
    text = run("sets", "diff", "mof-project", "hubei-project").stdout
    assert "修改 预算执行率 > 分值：10 → 20" in text
    assert "修改 预算执行率 > 执行率小数位数：2 → 1" in text
    assert "修改 产出指标 > 分值：50 → 自定（由单位分配）" in text
    assert "修改 地区：全国 → 湖北省" in text
    text = run("sets", "diff", "mof-project", "shanxi-project").stdout
    assert "新增二级指标：效益指标 > 可持续发展指标（分值 自定）" in text
    text = run("sets", "diff", "mof-project", "hunan-department-scorecard").stdout
    assert "删除一级指标：产出指标（分值 50；二级指标 数量指标、质量指标、时效指标、成本指标）" in text
    assert "新增 等级「优秀」（下限 90）" in text
    assert "修改 偏差规则 > 执行率偏低阈值：0.9 → 不检查" in text
    assert "修改 默认评分规则：按指标性质（by_sign：计分方式 比值（目标/实际）） → 评价人打分（manual）" in text


def test_writing_a_default_explicitly_is_not_a_change(tmp_path):
    variant = write(tmp_path / "v.yaml", "schema_version: 1\nid: mof-v\nextends: mof-project\n"
                                        "budget: {cap: 1.0}\ndefault_rule: {kind: by_sign, form: ratio}\n")
    data = changes_of("mof-project", variant)
    assert data["changes"] == []


# -- re-scoring submissions --------------------------------------------------------------------------

def _published(example: str):
    result = run("score", EXAMPLES / example, "--format", "json")
    data = json.loads(result.stdout)
    return data["total"], data["grade"]


def test_against_examples_shows_grade_changes_under_stricter_grades(tmp_path):
    variant = write(tmp_path / "hubei-strict.yaml", GRADES_VARIANT.format(id="hubei-strict", base="hubei-project",
                                                                          top=94))
    result = run("sets", "diff", "hubei-project", variant, "--against", EXAMPLES, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(c["field"], c["old"], c["new"]) for c in data["changes"]] == [("grades.优.min", "90", "94")]
    files = {f["file"].rsplit("/", 1)[-1]: f for f in data["against"]["files"]}
    # only the tables filled for hubei-project are compared; the others are listed, not scored
    assert sorted(files) == ["hubei-2020-office-project.yaml", "hubei-2020-xuncha-project.yaml"]
    others = {o["file"].rsplit("/", 1)[-1]: o["set"] for o in data["against"]["other_sets"]}
    assert others["hunan-2021-xuncha-scorecard.yaml"] == "hunan-department-scorecard"
    assert len(others) == len(list(EXAMPLES.glob("*.yaml"))) - 2
    # by hand: 优 needs 94 now; 92.5 drops to 良, 89.4 stays 良
    expected = {
        "hubei-2020-xuncha-project.yaml": ("92.5", "优", "良"),
        "hubei-2020-office-project.yaml": ("89.4", "良", "良"),
    }
    for name, (total, old_grade, new_grade) in expected.items():
        item = files[name]
        assert (item["old"]["total"], item["old"]["grade"]) == (total, old_grade), name
        assert (item["new"]["total"], item["new"]["grade"]) == (total, new_grade), name
        assert item["delta"] == "0"
        assert item["grade_changed"] is (old_grade != new_grade)
    # the tables written for hubei-project score exactly as `jixiao score` scores them
    for name in expected:
        assert (files[name]["old"]["total"], files[name]["old"]["grade"]) == _published(name)
    assert data["against"]["grade_changed"] == 1

    text = run("sets", "diff", "hubei-project", variant, "--against", EXAMPLES).stdout
    assert re.search(r"文件\s+单位\s+旧总分\s+旧等级\s+新总分\s+新等级\s+变化", text)
    assert "2 个自评表中，1 个等级发生变化：" in text
    assert re.search(r"hubei-2020-xuncha-project\.yaml（.*）：优 → 良（92\.5 → 92\.5）", text)
    assert "另有 6 个自评表按其他指标体系填写，未比较：" in text
    assert "hunan-2021-xuncha-scorecard.yaml（hunan-department-scorecard）" in text


def test_against_shanxi_with_the_unchanged_version_matches_jixiao_score(tmp_path):
    shanxi = EXAMPLES / "shanxi-2023-xuncha-project.yaml"
    variant = write(tmp_path / "sx.yaml", GRADES_VARIANT.format(id="shanxi-strict", base="shanxi-project", top="92.5"))
    data = json.loads(run("sets", "diff", "shanxi-project", variant, "--against", shanxi, "--format", "json").stdout)
    (item,) = data["against"]["files"]
    assert (item["old"]["total"], item["old"]["grade"]) == _published(shanxi.name) == ("92.07", "优")
    assert (item["new"]["total"], item["new"]["grade"]) == ("92.07", "良")
    assert item["old"]["errors"] == [] and item["set"] == "shanxi-project"


def test_a_weight_change_changes_totals(tmp_path):
    variant = write(tmp_path / "v.yaml", "schema_version: 1\nid: shanxi-v\nextends: shanxi-project\n"
                                        "budget: {weight: 20}\nlevels:\n  - {name: 产出指标, weight: 40}\n")
    old, _ = SetLoader().get("shanxi-project")
    new, _ = SetLoader().load_path(variant)
    (item,) = rescore([EXAMPLES / "shanxi-2023-xuncha-project.yaml"], old, new)
    # the budget line is 10 × 45.75% = 4.57 before and 20 × 45.75% = 9.15 after
    assert (item.old.total, item.new.total, item.delta) == (Decimal("92.07"), Decimal("96.65"), Decimal("4.58"))
    assert item.delta_text() == "+4.58"


def test_an_unreadable_submission_is_listed_and_counted_without_a_traceback(tmp_path):
    folder = tmp_path / "tables"
    (folder / "sub").mkdir(parents=True)
    write(folder / "sub" / "broken.yaml", "set: shanxi-project\nunit: [\n")
    write(folder / "bad.csv", "a,b\n1,2\n")
    (folder / "shanxi.yaml").write_bytes((EXAMPLES / "shanxi-2023-xuncha-project.yaml").read_bytes())
    write(folder / "my-set.yaml", GRADES_VARIANT.format(id="x-set", base="shanxi-project", top=90))
    write(folder / "notes.txt", "not a table")
    result = run("sets", "diff", "shanxi-project", "mof-project", "--against", folder)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    text = result.stdout
    assert "3 个自评表中，0 个等级发生变化，2 个无法读取。" in text
    assert re.search(r"broken\.yaml:3:1: Y103 ", text)
    assert "bad.csv: I803" in text
    assert "跳过 1 个指标体系文件" in text and "my-set.yaml" in text
    data = json.loads(run("sets", "diff", "shanxi-project", "mof-project", "--against", folder,
                          "--format", "json").stdout)
    names = [f["file"].rsplit("/", 1)[-1] for f in data["against"]["files"]]
    assert names == ["bad.csv", "shanxi.yaml", "broken.yaml"]  # sorted by path: bad.csv, shanxi.yaml, sub/…
    broken = data["against"]["files"][2]
    assert broken["loaded"] is False and broken["error"]["code"] == "Y103" and broken["old"] is None
    assert data["against"]["unreadable"] == 2


# -- errors ---------------------------------------------------------------------------------------

def test_a_broken_variant_exits_1_with_located_messages(tmp_path):
    bad = write(tmp_path / "bad.yaml", "schema_version: 1\nid: bad-one\nextends: mof-project\nlevels:\n"
                                      "  - name: 产出指标\n    weight: 五十\n")
    result = run("sets", "diff", "mof-project", bad)
    assert result.exit_code == 1
    assert f"{bad}:6:13: 错误 S201" in result.stderr
    assert "位置：产出指标 > 分值" in result.stderr
    data = json.loads(run("sets", "diff", "mof-project", bad, "--format", "json").stdout)
    assert data["ok"] is False and data["diagnostics"][0]["line"] == 6

    # valid YAML, but the weights no longer add up: the same check as `sets lint`
    sums = write(tmp_path / "sums.yaml", "schema_version: 1\nid: sums\nextends: mof-project\nbudget: {weight: 20}\n")
    result = run("sets", "diff", "mof-project", sums)
    assert result.exit_code == 1
    assert f"{sums}:1:1: 错误 W402 分值合计 110，应为 100" in result.stderr


def test_unknown_ids_and_missing_files_are_usage_errors(tmp_path):
    result = run("sets", "diff", "mof-projekt", "mof-project")
    assert result.exit_code == 2
    assert "找不到指标体系「mof-projekt」" in result.output and "hubei-project" in result.output
    result = run("sets", "diff", "mof-project", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "找不到指标体系文件" in result.output
    result = run("sets", "diff", "mof-project", "mof-project", "--against", tmp_path / "missing")
    assert result.exit_code == 2


# -- sets new -----------------------------------------------------------------------------------

def _uncomment_examples(text: str) -> str:
    head, marker, examples = text.partition("#【示例】")
    assert marker, "the scaffold marks where its examples start"
    return head + marker + re.sub(r"(?m)^# ", "", examples)


@pytest.mark.parametrize("set_id", SHIPPED)
def test_sets_new_passes_lint_and_diffs_clean(tmp_path, set_id):
    target = tmp_path / f"{set_id}-custom.yaml"
    result = run("sets", "new", "--extends", set_id, "-o", target)
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert f"extends: {set_id}\n" in text and f"id: {set_id}-custom\n" in text and "schema_version: 1\n" in text
    lint = run("sets", "lint", target)
    assert lint.exit_code == 0 and "通过（错误 0 个" in lint.stdout, lint.output
    data = changes_of(set_id, target)
    assert [c["field"] for c in data["changes"]] == ["name"]
    assert data["new"]["id"] == f"{set_id}-custom" and data["new"]["chain"][1] == set_id

    # every example, uncommented at once, is valid too, and each one changes something
    examples = write(tmp_path / "all-examples.yaml", _uncomment_examples(text))
    lint = run("sets", "lint", examples)
    assert lint.exit_code == 0, lint.output
    changed = changes_of(set_id, examples)["changes"]
    assert {"grades.优.min", "grades.优秀.min"} & {c["field"] for c in changed}
    assert len(changed) >= 4


def test_sets_new_examples_use_the_base_sets_names():
    iset, _ = SetLoader().get("hunan-department-scorecard")
    from scoring.scaffold import scaffold_text

    text = scaffold_text(iset, "yueyang-scorecard", region="岳阳市")
    assert "name: 部门整体支出绩效评价评分表（湖南）（岳阳市）\nregion: 岳阳市\n" in text
    assert "#           - name: 财政供养人员控制率\n#             weight: 4" in text
    # a rule of another kind replaces the inherited one whole (no tiers left over to confuse manual)
    assert "#           - name: 支付进度\n#             rule:                           # 三：改为评价人打分\n" \
        "#               kind: manual\n" in text
    assert "#               kind: tiers\n#               tiers:\n#                 - {range: '[90%, +∞)', points: 5}" in text
    iset, _ = SetLoader().get("mof-project")
    text = scaffold_text(iset, "mof-x")
    assert "#     weight: 45" in text and "#         allow_custom: true" in text


def test_sets_new_defaults_and_refusals(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("sets", "new", "--extends", "hubei-project", "--region", "武汉市")
    assert result.exit_code == 0, result.output
    target = tmp_path / "hubei-project-custom.yaml"
    assert target.is_file()
    assert "name: 项目支出绩效自评表（湖北，20分×执行率）（武汉市）" in target.read_text(encoding="utf-8")
    before = target.read_bytes()

    again = run("sets", "new", "--extends", "hubei-project")
    assert again.exit_code == 2 and "文件已存在" in again.output
    assert target.read_bytes() == before

    unknown = run("sets", "new", "--extends", "hubei-projet")
    assert unknown.exit_code == 2
    assert "找不到指标体系「hubei-projet」" in unknown.output and "mof-project" in unknown.output
    assert run("sets", "new", "--extends", "mof-project", "--id", "Bad_Id").exit_code == 2
    assert run("sets", "new", "--extends", "mof-project", "--id", "mof-project").exit_code == 2
    assert run("sets", "new", "--extends", "mof-project", "--id", "hubei-project").exit_code == 2

    named = run("sets", "new", "--extends", "mof-project", "--id", "wuhan-project", "--name", "武汉市项目支出绩效自评表",
                "-o", tmp_path / "wuhan.yaml")
    assert named.exit_code == 0 and "文件名须为 wuhan-project.yaml" in named.stdout
    data = changes_of("mof-project", tmp_path / "wuhan.yaml")
    assert [(c["field"], c["new"]) for c in data["changes"]] == [("name", "武汉市项目支出绩效自评表")]


def test_a_scaffold_in_a_sets_dir_scores_like_its_base(tmp_path):
    """The new file works as a set right away: a table scored with it scores as with the base."""
    folder = tmp_path / "sets"
    folder.mkdir()
    assert run("sets", "new", "--extends", "shanxi-project", "--id", "changzhi-project",
               "-o", folder / "changzhi-project.yaml").exit_code == 0
    table = (EXAMPLES / "shanxi-2023-xuncha-project.yaml").read_text(encoding="utf-8")
    assert "set: shanxi-project\n" in table
    write(tmp_path / "t.yaml", table.replace("set: shanxi-project\n", "set: changzhi-project\n"))
    result = run("score", tmp_path / "t.yaml", "--sets", folder, "--format", "json")
    assert result.exit_code == 0, result.output
    assert (json.loads(result.stdout)["total"], json.loads(result.stdout)["grade"]) == ("92.07", "优")


def test_a_variant_may_switch_a_rule_to_another_kind(tmp_path):
    variant = write(tmp_path / "switch.yaml", textwrap.dedent("""\
        schema_version: 1
        id: hunan-switch
        extends: hunan-department-scorecard
        name: 换规则
        levels:
          - name: 过程
            children:
              - name: 预算执行
                indicators:
                  - name: 支付进度
                    rule: {kind: manual}
        """))
    lint = run("sets", "lint", variant)
    assert lint.exit_code == 0, lint.output
    changed = changes_of("hunan-department-scorecard", variant)["changes"]
    assert any("支付进度" in c["path"] and c["old"] != c["new"] for c in changed), changed
