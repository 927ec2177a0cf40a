"""Excel in: a filled form scores exactly like the same data written as YAML."""
import io
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from scoring.cli import cli
from scoring.diagnostics import Diagnostics
from scoring.importers.form import form_bytes
from scoring.sets import SetLoader
from scoring.yamlload import load_file

FIELDS = [("单位名称", "unit"), ("项目名称", "project"), ("主管部门", "department"), ("主管部门代码", "department_code"),
          ("实施单位", "implementer"), ("年度", "year"), ("填报日期", "date")]
BUDGET = [("年初预算数", "initial"), ("全年预算数", "annual"), ("调整后预算数", "adjusted"), ("全年执行数", "executed")]
COLUMNS = ["level1", "level2", "name", "weight", "target", "adjusted_target", "actual", "given_score",
           "evaluator_judgement", "grade", "reason", "measures"]


def _cell_value(value):
    return value if not isinstance(value, Decimal) else value  # openpyxl writes Decimals as numbers


def fill_form(example: str, tmp_path):
    """Generate the form for the example's set and type the example's data into it, as a user would."""
    data = load_file(EXAMPLES / example, Diagnostics()).data
    iset, _ = SetLoader().get(data["set"])
    book = openpyxl.load_workbook(io.BytesIO(form_bytes(iset)))
    sheet = book["自评表"]
    labels = {sheet.cell(row=r, column=1).value: r for r in range(1, 21)}
    for label, key in FIELDS:
        if data.get(key) is not None:
            value = data[key]
            sheet.cell(row=labels[label], column=2).value = value if isinstance(value, Decimal) else str(value)
    goal = (data.get("goals") or [{}])[0]
    sheet.cell(row=labels["年度总体目标"], column=2).value = goal.get("target")
    sheet.cell(row=labels["实际完成情况"], column=2).value = goal.get("actual")
    for label, key in BUDGET:
        if data.get("budget", {}).get(key) is not None:
            sheet.cell(row=labels[label], column=2).value = data["budget"][key]
    header = next(r for r in range(1, 40) if sheet.cell(row=r, column=3).value == "三级指标")
    rows = data["indicators"]
    last = header + 1
    while sheet.cell(row=last, column=1).value and not str(sheet.cell(row=last, column=1).value).startswith("填表说明"):
        last += 1
    for r in range(header + 1, last):  # clear the prefilled slots and fixed rows, then type ours
        for c in range(1, 13):
            sheet.cell(row=r, column=c).value = None
    assert last - header - 1 >= len(rows)
    for offset, row in enumerate(rows):
        for c, key in enumerate(COLUMNS, start=1):
            if row.get(key) is not None:
                sheet.cell(row=header + 1 + offset, column=c).value = row[key]
    path = tmp_path / f"{example[:-5]}.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("example", ["shanxi-2023-xuncha-project.yaml", "hubei-2020-xuncha-project.yaml",
                                     "sichuan-2021-xuncha-inspection.yaml"])
def test_filled_form_scores_like_yaml(pipeline, tmp_path, example):
    from_yaml = pipeline.run(EXAMPLES / example).result
    outcome = pipeline.run(fill_form(example, tmp_path))
    assert outcome.result is not None, [d.format() for d in outcome.diagnostics]
    result = outcome.result
    assert result.total == from_yaml.total
    assert [(r.name, r.score, r.rule_score, r.status) for r in result.rows] == \
        [(r.name, r.score, r.rule_score, r.status) for r in from_yaml.rows]
    if from_yaml.budget is not None:
        assert (result.budget.rate, result.budget.score) == (from_yaml.budget.rate, from_yaml.budget.score)


def test_problems_in_a_form_point_at_cells(pipeline, tmp_path):
    path = fill_form("shanxi-2023-xuncha-project.yaml", tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["自评表"]
    header = next(r for r in range(1, 40) if sheet.cell(row=r, column=3).value == "三级指标")
    sheet.cell(row=header + 1, column=7).value = "约7台"
    book.save(path)
    outcome = pipeline.run(path)
    lines = [d.format().splitlines()[0] for d in outcome.diagnostics if d.code == "V501"]
    assert lines == [f"{path}:表「自评表」G{header + 1}: 错误 V501 实际完成值「约7台」无法识别为数值"]


def test_import_writes_yaml_that_scores_the_same(tmp_path):
    path = fill_form("shanxi-2023-xuncha-project.yaml", tmp_path)
    out = tmp_path / "imported.yaml"
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# 由 jixiao import 从 shanxi-2023-xuncha-project.xlsx 导入")
    scored = CliRunner().invoke(cli, ["score", str(out), "--format", "json"])
    assert '"total": "92.07"' in scored.stdout


def test_form_command_writes_a_workbook(tmp_path):
    out = tmp_path / "f.xlsx"
    result = CliRunner().invoke(cli, ["form", "hunan-department-scorecard", "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book["自评表"]["B3"].value == "hunan-department-scorecard"
    assert CliRunner().invoke(cli, ["form", "no-such-set", "-o", str(out)]).exit_code == 2


def test_notes_beside_the_budget_are_not_read_as_figures(pipeline, tmp_path):
    path = fill_form("hunan-2021-xuncha-scorecard.yaml", tmp_path)
    outcome = pipeline.run(path)
    assert outcome.result is not None, [d.format() for d in outcome.diagnostics if d.severity == "error"]
    assert "budget" not in outcome.submission.data or "initial" not in outcome.submission.data["budget"]
    assert outcome.result.total == Decimal("98.00")


FLAT = EXAMPLES.parent / "tests" / "data" / "flat"
PUBLISHED = {"hubei-2020-xuncha-department": ("hubei-department", "93.9"),
             "hubei-2020-xuncha-project": ("hubei-project", "92.5"),
             "hubei-2020-office-department": ("hubei-department", "95.22"),
             "hubei-2020-office-project": ("hubei-project", "89.4"),
             "hunan-2021-xuncha-scorecard": ("hunan-department-scorecard", "98"),  # every score printed whole
             "shanxi-2023-xuncha-project": ("shanxi-project", "92.07")}


@pytest.mark.parametrize("stem", sorted(PUBLISHED))
def test_flat_csv_of_each_seed_scores_to_its_published_total(stem):
    import json

    set_id, total = PUBLISHED[stem]
    result = CliRunner().invoke(cli, ["score", str(FLAT / f"{stem}.csv"), "--set", set_id, "--format", "json"])
    data = json.loads(result.stdout)
    assert (data["set"], data["total"]) == (set_id, total)
    codes = {d["code"] for d in data["diagnostics"]}
    if stem.startswith("hubei"):
        assert "W409" in codes  # no weights printed: the scores stand unchecked
        assert all(r["basis"] == "given" for r in data["indicators"])
    else:
        assert "W409" not in codes


def test_flat_table_rows_inherit_merged_levels(pipeline):
    outcome = pipeline.run(FLAT / "shanxi-2023-xuncha-project.csv")
    rows = outcome.result.rows
    assert [(r.level1, r.level2) for r in rows[:3]] == [("产出指标", "数量指标")] * 3
    assert outcome.submission.data["budget"] == {"annual": Decimal(50), "executed": Decimal("22.873"),
                                                 "score": Decimal("4.57"), "weight": Decimal(10)}


def test_flat_table_given_scores_stand_and_differences_are_reported():
    from scoring.pipeline import Pipeline

    outcome = Pipeline(default_set="shanxi-project").run(FLAT / "shanxi-2023-xuncha-project.csv")
    row = next(r for r in outcome.result.rows if r.name == "办公设备购置数量")
    assert (row.score, row.rule_score, row.basis) == (Decimal("3.5"), Decimal("3.18"), "judgement")
    assert any(d.code == "G613" and "高于规则得分 3.18" in d.message for d in outcome.diagnostics)


def test_csv_with_bom_and_in_gbk(tmp_path):
    from scoring.pipeline import Pipeline

    text = (FLAT / "shanxi-2023-xuncha-project.csv").read_text(encoding="utf-8")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(text.replace("≥", ">=").replace("→", "=").encode("gbk"))
    pipeline = Pipeline(default_set="shanxi-project")
    assert pipeline.run(bom).result.total == Decimal("92.07")
    outcome = pipeline.run(gbk)
    assert outcome.result.total == Decimal("92.07")
    assert [d.code for d in outcome.diagnostics if d.code == "I807"] == ["I807"]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_published_layout_sheet_reads_back(tmp_path, example):
    """A 自评表 in its region's published layout (as `jixiao render --to xlsx` draws it, merged cells,
    budget block above the indicators, region column names) imports to the same scores."""
    from scoring.pipeline import Pipeline
    from scoring.render.output import render_bytes

    pipeline = Pipeline()
    original = pipeline.run(EXAMPLES / example)
    sheet = tmp_path / f"{example[:-5]}.xlsx"
    sheet.write_bytes(render_bytes(original, "xlsx"))
    imported = Pipeline(default_set=original.set.id).run(sheet)
    assert imported.result is not None, [d.format() for d in imported.diagnostics if d.severity == "error"]
    assert imported.result.total == original.result.total
    assert [(r.name, r.score, r.status) for r in imported.result.rows] == \
        [(r.name, r.score, r.status) for r in original.result.rows]
    if original.result.budget is not None:
        assert imported.result.budget.rate == original.result.budget.rate
    assert imported.submission.data["unit"] in (original.submission.unit, original.submission.data.get("implementer"),
                                                original.submission.unit.replace("（", "(").replace("）", ")"))


def _sheet(tmp_path, rows, extra_sheets=(), name="t.xlsx"):
    book = openpyxl.Workbook()
    first = book.active
    first.title = extra_sheets[0] if extra_sheets else "Sheet1"
    if extra_sheets:
        first.append(["说明", "这张表没有指标"])
        sheet = book.create_sheet("自评表数据")
    else:
        sheet = first
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


HEAD = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值"]
REST = [["效益指标", "社会效益指标", "乙", "30", "提高", "提高"], ["满意度指标", "服务对象满意度指标", "丙", "10", "≥90%", "95%"]]


def test_numbers_stored_as_text_empty_rows_and_several_sheets(tmp_path):
    from scoring.pipeline import Pipeline

    rows = [HEAD, ["预算执行率", "", "", "10", "100", "90"], ["产出指标", "数量指标", "甲", "５０", "≥10台", "8台"],
            [None] * 6, [None] * 6] + REST
    path = _sheet(tmp_path, rows, extra_sheets=("封面",))
    outcome = Pipeline().run(path)
    assert outcome.result is not None, [d.format() for d in outcome.diagnostics]
    assert [r.name for r in outcome.result.rows] == ["甲", "乙", "丙"]
    assert outcome.result.rows[0].weight == Decimal(50)  # typed as text, full-width: still a number
    assert outcome.result.total == Decimal("89.00")  # 9 + 40 + 30 + 10
    assert not outcome.has_errors


def test_password_protected_or_renamed_xls(tmp_path):
    from scoring.pipeline import Pipeline

    path = tmp_path / "locked.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    outcome = Pipeline().run(path)
    assert [d.message for d in outcome.diagnostics] == ["无法打开 Excel 文件：文件设有打开密码，或是改了扩展名的旧版 .xls 文件"]
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1 and f"{path}: 错误 I802" in result.stdout


def test_missing_header_names_what_was_looked_for(tmp_path):
    path = _sheet(tmp_path, [["名称", "数值"], ["甲", "1"]])
    result = CliRunner().invoke(cli, ["score", str(path)])
    assert result.exit_code == 1
    assert "找不到指标表的表头（查找了：一级指标、二级指标、三级指标" in result.stderr


def test_published_layout_as_csv_reads_back(tmp_path):
    """The same published layout saved as CSV (merged cells come out blank) scores the same."""
    import csv

    from scoring.pipeline import Pipeline
    from scoring.render.output import render_bytes

    original = Pipeline().run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    book = openpyxl.load_workbook(io.BytesIO(render_bytes(original, "xlsx")), data_only=True)
    path = tmp_path / "shanxi.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        for row in book.worksheets[0].iter_rows(values_only=True):
            writer.writerow(["" if v is None else (v[1:] if isinstance(v, str) and v.startswith("'") else v)
                             for v in row])
    imported = Pipeline(default_set="shanxi-project").run(path)
    assert imported.result is not None, [d.format() for d in imported.diagnostics if d.severity == "error"]
    assert imported.result.total == Decimal("92.07")
    assert imported.submission.data["budget"]["executed"] == Decimal("22.873")


def test_flat_table_sign_and_unit_columns(tmp_path):
    """A 指标性质 column (正向/反向/≥) and a 计量单位 column are read; a sign column contradicting the sign written in
    the target is a warning located at the sign cell (V519)."""
    from scoring.pipeline import Pipeline

    path = tmp_path / "表.csv"
    path.write_text(
        "一级指标,二级指标,三级指标,指标性质,计量单位,分值,年度指标值,实际完成值\n"
        "产出指标,成本指标,人均成本,反向,万元,40,50,60\n"
        "产出指标,数量指标,培训人数,正向,人,10,≤100,90\n"
        "效益指标,社会效益指标,服务保障,,,30,提升,达成预期指标\n"
        "满意度指标,服务对象满意度指标,满意度,≥,%,10,90,95\n", encoding="utf-8")
    outcome = Pipeline(default_set="mof-project").run(path)
    rows = {r.name: r for r in outcome.result.rows}
    assert rows["人均成本"].score == Decimal("33.33")  # 反向: 50÷60×40
    assert "超过目标（50）" in rows["人均成本"].explain
    conflict = [d for d in outcome.diagnostics if d.code == "V519"]
    assert len(conflict) == 1 and conflict[0].line == 3 and conflict[0].col == 4, [d.format() for d in conflict]
    assert rows["满意度"].score == 10
