"""`jixiao review`: every discrepancy between a table's own scores and the rules, with its numbers."""
import io
import json
from decimal import Decimal

import openpyxl
from click.testing import CliRunner

from conftest import EXAMPLES
from scoring.cli import cli
from scoring.importers.export import dump_yaml
from scoring.review import XLSX_HEADS, XLSX_SHEET, review_path

HUNAN = str(EXAMPLES / "hunan-2021-xuncha-scorecard.yaml")
SHANXI = str(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
INJECTION = "=cmd|' /C calc'!A0"


def run(*args):
    return CliRunner().invoke(cli, list(args))


def table(rows=None, budget=None, total="99.5", **extra) -> dict:
    """A consistent mof-project table: 10 (budget, 95%) + 50 + 30 + 10, every score given and right."""
    data = {
        "set": "mof-project",
        "unit": "测试单位",
        "budget": budget or {"annual": Decimal(100), "executed": Decimal(95), "score": Decimal("9.5")},
        "indicators": rows or [
            {"level1": "产出指标", "level2": "数量指标", "name": "办公设备购置数量", "target": "≥10台",
             "actual": "10台", "weight": Decimal(50), "given_score": Decimal(50)},
            {"level1": "效益指标", "level2": "社会效益指标", "name": "服务保障", "target": "提升",
             "actual": "达成预期指标", "weight": Decimal(30), "given_score": Decimal(30)},
            {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "服务对象满意度", "target": "≥90%",
             "actual": "95%", "weight": Decimal(10), "given_score": Decimal(10)},
        ],
    }
    if total is not None:
        data["total"] = Decimal(total)
    data.update(extra)
    return data


def write(tmp_path, data: dict, name="table.yaml"):
    path = tmp_path / name
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def one(review, code):
    found = [f for f in review.findings if f.code == code]
    assert len(found) == 1, [(f.code, f.message) for f in review.findings]
    return found[0]


# -- the seed examples ---------------------------------------------------------------------------------------

def test_hunan_given_above_weight_and_rows_not_adding_up():
    result = run("review", HUNAN)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"== {HUNAN}"
    assert f"  G601 错误 「预算调整率」 自评得分 5 超过分值 3（{HUNAN}:35:58）" in lines
    assert f"  G610 警告 「总分」 各行自评得分合计 100，与表中总分 98 不一致（{HUNAN}:58:8）" in lines
    assert "  共 2 处：错误 1 处，警告 1 处，提示 0 处" in lines
    assert lines[-1] == "合计：1 个文件，2 处（错误 1 处，警告 1 处，提示 0 处）"
    review = review_path(HUNAN)
    over = one(review, "G601")
    assert (over.indicator, over.given, over.expected) == ("预算调整率", Decimal(5), Decimal(3))
    sums = one(review, "G610")
    assert (sums.indicator, sums.given, sums.expected) == ("总分", Decimal(98), Decimal(100))
    assert "G605" not in review.codes()  # unverified-but-accepted rows are not discrepancies


def test_shanxi_evaluator_judgement_and_missing_budget_reason():
    result = run("review", SHANXI)
    assert result.exit_code == 1  # D703 is a warning
    assert "G613 警告 「办公设备购置数量」 自评得分 3.5 高于规则得分 3.18" in result.stdout
    assert f"D703 警告 「预算执行率」 预算执行率 45.75% 低于 90%，缺少原因说明（{SHANXI}:16:3）" in result.stdout
    review = review_path(SHANXI)
    assert review.codes() == ["D703", "G613"]
    judged = one(review, "G613")  # raised above the rule: a warning (自评不得刻意抬高分数)
    assert (judged.severity, judged.given, judged.expected) == ("warning", Decimal("3.5"), Decimal("3.18"))
    low = one(review, "D703")
    assert (low.indicator, low.given, low.expected) == ("预算执行率", Decimal("4.57"), Decimal("4.57"))


def test_examples_without_discrepancies_are_clean():
    result = run("review", str(EXAMPLES / "hubei-2020-xuncha-project.yaml"),
                 str(EXAMPLES / "sichuan-2021-xuncha-inspection.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("  未发现不一致") == 2
    assert "D702" not in result.stdout  # far over target is about the target, not the given score


def test_only_info_findings_exit_zero(tmp_path):
    data = table(total="97.5")
    data["indicators"][1].update(given_score=Decimal(28), evaluator_judgement="群众反映仍有不足")
    result = run("review", str(write(tmp_path, data)))
    assert result.exit_code == 0, result.output
    assert "G603 提示 「服务保障」 自评得分 28 为评价人判断" in result.stdout


# -- a clean table, and one change at a time ----------------------------------------------------------------------

def test_clean_table(tmp_path):
    path = write(tmp_path, table())
    result = run("review", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"== {path}\n  未发现不一致\n\n合计：1 个文件，0 处（错误 0 处，警告 0 处，提示 0 处）；1 个文件未发现不一致\n"


def test_given_differs_from_rule_and_printed_total(tmp_path):
    data = table()
    data["indicators"][0].update(actual="5台", given_score=Decimal(40), reason="资金晚到")
    review = review_path(write(tmp_path, data))
    differs = one(review, "G602")
    assert (differs.indicator, differs.given, differs.expected) == ("办公设备购置数量", Decimal(40), Decimal(25))
    assert differs.message == "自评得分 40 与规则得分 25 不一致，按规则得分计"
    total = one(review, "G609")
    assert (total.indicator, total.given, total.expected) == ("总分", Decimal("99.5"), Decimal("74.5"))
    assert one(review, "G610").expected == Decimal("89.5")
    assert "D701" not in review.codes()  # the row has a reason


def test_lost_points_without_reason(tmp_path):
    data = table(total=None)
    data["indicators"][0].update(actual="5台", given_score=Decimal(25))
    lost = one(review_path(write(tmp_path, data)), "D701")
    assert (lost.given, lost.expected, lost.message) == (Decimal(25), Decimal(25), "得分 25 低于分值 50，缺少偏差原因分析")


def test_met_target_scored_below_full_marks_without_reason(tmp_path):
    data = table(total=None)
    data["indicators"][1]["given_score"] = Decimal(28)
    review = review_path(write(tmp_path, data))
    deduction = one(review, "G612")
    assert deduction.message == "指标已完成，自评得分 28 低于分值 30，缺少扣分理由"
    assert (deduction.indicator, deduction.given, deduction.expected) == ("服务保障", Decimal(28), Decimal(30))
    assert deduction.severity == "warning"
    assert review.codes() == ["G612", "G602"]  # the row (reason) comes before its given_score line


def test_met_target_with_a_reason_is_not_g612(tmp_path):
    data = table(total=None)
    data["indicators"][1].update(given_score=Decimal(28), reason="部分群众反映服务不及时")
    assert review_path(write(tmp_path, data)).codes() == ["G602"]


def test_budget_score_consistent_at_its_own_decimals(tmp_path):
    # 10 × 45.75% = 4.575: 4.6 is that at one decimal, 4.5 is not.
    budget = {"annual": Decimal(100), "executed": Decimal("45.75"), "reason": "项目延期"}
    fine = write(tmp_path, table(budget={**budget, "score": Decimal("4.6")}, total=None), "fine.yaml")
    assert review_path(fine).findings == []
    wrong = review_path(write(tmp_path, table(budget={**budget, "score": Decimal("4.5")}, total=None), "wrong.yaml"))
    g611 = one(wrong, "G611")
    assert (g611.indicator, g611.given, g611.expected) == ("预算执行率", Decimal("4.5"), Decimal("4.58"))


def test_weights_not_adding_up(tmp_path):
    data = table(total=None)
    data["indicators"][0].update(weight=Decimal(45), given_score=Decimal(45))
    review = review_path(write(tmp_path, data))
    level = one(review, "W401")
    assert level.message == "一级指标「产出指标」的下级分值合计 45，应等于 50"
    assert (level.indicator, level.given, level.expected) == ("产出指标", Decimal(45), Decimal(50))
    whole = one(review, "W402")
    assert (whole.indicator, whole.given, whole.expected) == ("总分", Decimal(95), Decimal(100))


def test_the_tables_own_weights_are_added_up(tmp_path):
    """jx-fixed fixes five weights of 20; a table printing 30 for one is reported (W407) and does not add up."""
    rows = [{"name": name, "actual": actual} for name, actual in
            [("重点支出安排率", "95%"), ("违规次数", "0"), ("资金结余", "无结余"), ("管理制度", "全部"), ("人员控制率", "100%")]]
    rows[0]["weight"] = Decimal(30)
    data = {"set": "jx-fixed", "unit": "测试单位", "indicators": rows}
    path = write(tmp_path, data)
    result = run("review", str(path), "--sets", str(EXAMPLES.parent / "tests" / "data" / "sets"), "--format", "json")
    findings = {f["code"]: f for f in json.loads(result.stdout)[0]["findings"]}
    assert findings["W407"]["given"] == "30" and findings["W407"]["expected"] == "20"
    assert findings["W401"]["message"] == "一级指标「投入」的下级分值合计 110，应等于 100"
    assert findings["W402"]["message"] == "分值合计 110，应为 100"
    assert result.exit_code == 1


def test_unreadable_files_give_their_load_errors(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("set: mof-project\nunit： 测试单位\n", encoding="utf-8")
    result = run("review", str(broken), str(tmp_path / "不存在.yaml"), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [f["code"] for f in data[0]["findings"]] == ["Y105"]
    assert [f["code"] for f in data[1]["findings"]] == ["Y100"]
    assert data[1]["findings"][0]["given"] is None


def test_an_indicator_set_is_not_a_table():
    result = run("review", str(EXAMPLES.parent / "indicator_sets" / "mof-project.yaml"))
    assert result.exit_code == 1
    assert "B903 警告 这是指标体系文件，不是自评表，未计分" in result.stdout


def test_csv_table(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("一级指标,二级指标,三级指标,分值,年度指标值,实际完成值,得分\n"
                    "预算执行率,,,10,100,95,9.5\n"
                    "产出指标,数量指标,甲,50,≥10台,10台,45\n"
                    "效益指标,社会效益指标,乙,30,提升,达成预期指标,30\n"
                    "满意度指标,服务对象满意度指标,丙,10,≥90%,95%,12\n", encoding="utf-8")
    review = review_path(path)
    # The importer's placeholder judgement is not a written reason.
    assert one(review, "G612").diagnostic.location() == f"{path}:3:3"
    over = one(review, "G601")
    assert (over.indicator, over.given, over.expected) == ("丙", Decimal(12), Decimal(10))


# -- output formats ------------------------------------------------------------------------------------------------

def test_json_is_a_list_with_string_numbers():
    result = run("review", HUNAN, "--format", "json")
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1
    assert data[0]["file"] == HUNAN
    first = data[0]["findings"][0]
    assert set(first) >= {"code", "severity", "message", "indicator", "given", "expected"}
    assert first == {"code": "G601", "severity": "error", "message": "自评得分 5 超过分值 3", "indicator": "预算调整率",
                     "given": "5", "expected": "3", "location": f"{HUNAN}:35:58"}
    assert all(isinstance(f[k], str) for f in data[0]["findings"] for k in ("given", "expected"))


def test_xlsx_read_back(tmp_path):
    data = table(total=None)
    data["indicators"][0].update(name=INJECTION, given_score=Decimal(45))
    source = write(tmp_path, data)
    out = tmp_path / "核对.xlsx"
    result = run("review", str(source), HUNAN, "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 1, result.output
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert wb.sheetnames == [XLSX_SHEET]
    ws = wb[XLSX_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == XLSX_HEADS == ["文件", "代码", "级别", "指标", "自评得分", "应得分", "说明", "位置"]
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    by_code = {row[1]: row for row in rows[1:]}
    assert set(by_code) == {"G612", "G602", "G601", "G610"}
    injected = by_code["G612"]
    assert injected[3] == "'" + INJECTION and ws.cell(row=rows.index(injected) + 1, column=4).data_type == "s"
    assert not any(isinstance(v, str) and v.startswith("=") for row in rows for v in row)
    hunan = by_code["G601"]
    assert hunan[:4] == (HUNAN, "G601", "错误", "预算调整率")
    assert (Decimal(str(hunan[4])), Decimal(str(hunan[5]))) == (Decimal(5), Decimal(3))
    assert hunan[6:] == ("自评得分 5 超过分值 3", f"{HUNAN}:35:58")


def test_xlsx_lists_clean_files_too(tmp_path):
    out = tmp_path / "clean.xlsx"
    assert run("review", str(write(tmp_path, table())), "--format", "xlsx", "-o", str(out)).exit_code == 0
    rows = list(openpyxl.load_workbook(out)[XLSX_SHEET].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][6] == "未发现不一致"


def test_usage_errors(tmp_path):
    assert run("review", HUNAN, "--format", "xlsx").exit_code == 2
    source = write(tmp_path, table())
    before = source.read_bytes()
    result = run("review", str(source), "--format", "xlsx", "-o", str(source))
    assert result.exit_code == 2 and "输出文件不能是输入文件本身" in result.output
    assert source.read_bytes() == before
    assert run("review").exit_code == 2


def test_text_and_json_to_a_file(tmp_path):
    out = tmp_path / "review.json"
    result = run("review", HUNAN, "--format", "json", "-o", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))[0]["findings"][1]["code"] == "G610"
