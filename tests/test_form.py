"""The fill-in workbook (填报表): its layout is a contract with the reader, so every label is pinned here."""
import csv
import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from scoring.importers.form import form_bytes
from scoring.model import FixedIndicator, IndicatorSet, Level1, Level2
from scoring.rules.qualitative import DEFAULT_BANDS
from scoring.sets import SetLoader, available_ids

SET_IDS = available_ids()
HUNAN = "hunan-department-scorecard"
INFO = {3: "指标体系编号", 4: "单位名称", 5: "项目名称", 6: "主管部门", 7: "主管部门代码", 8: "实施单位", 9: "年度",
        10: "填报日期", 11: "年度总体目标", 12: "实际完成情况"}
BUDGET = {15: "年初预算数", 16: "全年预算数", 17: "调整后预算数", 18: "全年执行数", 19: "执行率偏差原因"}
HEADS = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "调整后指标值", "实际完成值", "自评得分",
         "评价人判断理由", "定性评价档次", "偏差原因分析", "改进措施"]
FOOTER = "填表说明：灰色单元格不可修改；未使用的空行可保留为空。"
RUN_TESTS = "bash .ci/system-packages --test && pip install '.[test]' && python -m pytest"
_LOADER = SetLoader()
_BUILT = {}


def load_set(set_id):
    iset, diags = _LOADER.get(set_id)
    assert iset is not None, (set_id, diags)
    return iset


def built(set_id):
    """(set, bytes, workbook) for a shipped set, built once."""
    if set_id not in _BUILT:
        iset = load_set(set_id)
        data = form_bytes(iset)
        _BUILT[set_id] = iset, data, openpyxl.load_workbook(io.BytesIO(data))
    return _BUILT[set_id]


def table_rows(ws):
    """Row numbers of the indicator table: from 22 down to the empty row before the footer."""
    rows, r = [], 22
    while ws.cell(row=r, column=1).value not in (None, ""):
        rows.append(r)
        r += 1
    return rows


def expected_slots(child):
    if not child.allow_custom:
        return 0
    if child.max_indicators:
        return max(0, child.max_indicators - len(child.indicators))
    return 3


def validations(ws, kind):
    return [dv for dv in ws.data_validations.dataValidation if dv.type == kind]


def covered(ws, kind, coordinate):
    """The validations of `kind` that apply to the cell at `coordinate`."""
    return [dv for dv in validations(ws, kind) if coordinate in dv.sqref]


def locked(ws, coordinate):
    return ws[coordinate].protection.locked


def fill(ws, coordinate):
    return ws[coordinate].fill.fgColor.rgb[-6:]


@pytest.mark.parametrize("set_id", SET_IDS)
def test_sheets_labels_and_header(set_id):
    iset, _, wb = built(set_id)
    assert wb.sheetnames == ["填写说明", "自评表"]
    ws = wb["自评表"]
    assert ws["A1"].value == f"{iset.name}（填报表）"
    assert ws["A1"].font.b and ws["A1"].font.sz == 14
    assert "A1:L1" in {str(m) for m in ws.merged_cells.ranges}
    for row, label in {**INFO, **BUDGET}.items():
        assert ws.cell(row=row, column=1).value == label, row
        assert locked(ws, f"A{row}") and fill(ws, f"A{row}") == "D9D9D9", row
    assert ws["A14"].value == "预算执行情况（万元）" and locked(ws, "A14")
    assert [ws.cell(row=21, column=c).value for c in range(1, 13)] == HEADS
    assert all(locked(ws, f"{c}21") and ws[f"{c}21"].font.b for c in "ABCDEFGHIJKL")
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {f"B{r}:L{r}" for r in [*INFO, 19]} <= merged
    assert "A14:L14" in merged
    assert not {f"B{r}:L{r}" for r in range(15, 19)} & merged


@pytest.mark.parametrize("set_id", SET_IDS)
def test_set_id_locked_and_value_cells_open(set_id):
    iset, _, wb = built(set_id)
    ws = wb["自评表"]
    assert ws["B3"].value == iset.id and locked(ws, "B3") and fill(ws, "B3") == "D9D9D9"
    for row in [r for r in INFO if r != 3] + list(BUDGET):
        assert not locked(ws, f"B{row}"), row
        assert fill(ws, f"B{row}") == "FFFFFF", row
    assert ws["B9"].value == (iset.year or None)
    for row in table_rows(ws):
        for col in "EFGHIJKL":
            assert not locked(ws, f"{col}{row}"), f"{col}{row}"
    assert not locked(ws, "G22") and not locked(ws, "B4")


@pytest.mark.parametrize("set_id", SET_IDS)
def test_fixed_indicators_and_slots(set_id):
    iset, _, wb = built(set_id)
    ws = wb["自评表"]
    rows = table_rows(ws)
    fixed = {}
    slots = {}
    for r in rows:
        a, b, c, d = (ws.cell(row=r, column=col).value for col in range(1, 5))
        if c:
            assert locked(ws, f"A{r}") and locked(ws, f"C{r}") and locked(ws, f"D{r}"), r
            assert fill(ws, f"C{r}") == "D9D9D9"
            fixed[(a, b, c)] = fixed.get((a, b, c), 0) + 1
            fixed.setdefault(("weight", a, b, c), d)
        else:
            assert d is None
            assert not any(locked(ws, f"{col}{r}") for col in "ABCDEFGHIJKL"), r
            slots[(a, b)] = slots.get((a, b), 0) + 1
    expected_fixed = list(iset.fixed_indicators())
    for level, child, indicator in expected_fixed:
        key = (level.name, child.name, indicator.name)
        assert fixed.get(key) == 1, key
        assert Decimal(str(fixed[("weight",) + key])) == indicator.weight, key
    assert sum(v for k, v in fixed.items() if k[0] != "weight") == len(expected_fixed)
    expected_slots_by_name = {(level.name, child.name): expected_slots(child)
                              for level in iset.levels for child in level.children if expected_slots(child)}
    assert slots == expected_slots_by_name
    assert len(rows) == len(expected_fixed) + sum(expected_slots_by_name.values())
    # order: level by level, child by child, fixed indicators before the free slots
    order = [(ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value) for r in rows]
    expected_order = [(level.name, child.name) for level in iset.levels for child in level.children
                      for _ in range(len(child.indicators) + expected_slots(child))]
    assert order == expected_order
    last = rows[-1]
    assert all(ws.cell(row=last + 1, column=c).value is None for c in range(1, 13))
    assert ws.cell(row=last + 2, column=1).value == FOOTER
    assert f"A{last + 2}:L{last + 2}" in {str(m) for m in ws.merged_cells.ranges}


@pytest.mark.parametrize("set_id", SET_IDS)
def test_validations(set_id):
    iset, _, wb = built(set_id)
    ws = wb["自评表"]
    for row in range(15, 19):
        found = covered(ws, "decimal", f"B{row}")
        assert len(found) == 1 and found[0].operator == "greaterThanOrEqual" and found[0].formula1 == "0"
        assert found[0].error == "请输入不小于 0 的数字（万元）" and found[0].errorStyle == "stop"
        assert found[0].showErrorMessage
        assert ws[f"B{row}"].number_format == "0.00####"
    assert not covered(ws, "decimal", "B19")
    bands = '"' + ",".join(b["label"] for b in DEFAULT_BANDS) + '"'
    rows = table_rows(ws)
    for r in rows:
        score = covered(ws, "decimal", f"H{r}")
        assert len(score) == 1 and score[0].operator == "greaterThanOrEqual" and score[0].formula1 == "0", r
        band = covered(ws, "list", f"J{r}")
        assert [dv.formula1 for dv in band] == [bands], r
        weight = covered(ws, "decimal", f"D{r}")
        if ws.cell(row=r, column=3).value:  # fixed: the weight is the set's
            assert not weight, r
        else:
            assert len(weight) == 1 and (weight[0].formula1, weight[0].formula2) == ("0", "100"), r
            level1 = covered(ws, "list", f"A{r}")
            assert [dv.formula1 for dv in level1] == ['"' + ",".join(lv.name for lv in iset.levels) + '"'], r
            level = iset.level1(ws.cell(row=r, column=1).value)
            level2 = covered(ws, "list", f"B{r}")
            assert [dv.formula1 for dv in level2] == ['"' + ",".join(c.name for c in level.children) + '"'], r
        for col in "EFG":
            assert ws[f"{col}{r}"].number_format == "@", f"{col}{r}"
    assert all(dv.errorStyle == "stop" and dv.showErrorMessage and dv.error
               for dv in ws.data_validations.dataValidation)


@pytest.mark.parametrize("set_id", SET_IDS)
def test_protection_print_and_no_formulas(set_id):
    iset, data, wb = built(set_id)
    ws = wb["自评表"]
    p = ws.protection
    assert p.sheet and not p.password
    assert p.formatColumns is False and p.formatRows is False
    assert p.selectLockedCells is False and p.selectUnlockedCells is False
    assert ws.freeze_panes == "A22"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows.replace("$", "") == "21:21"
    widths = {"A": 12, "B": 16, "C": 30, "D": 8, "E": 16, "F": 16, "G": 16, "H": 10, "I": 24, "J": 18, "K": 30,
              "L": 24}
    assert {c: ws.column_dimensions[c].width for c in widths} == widths
    for sheet in wb.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    raw = openpyxl.load_workbook(io.BytesIO(data), data_only=True)  # nothing changes when values only are asked for
    assert raw["自评表"]["B3"].value == iset.id


@pytest.mark.parametrize("set_id", SET_IDS)
def test_guide_sheet(set_id):
    iset, _, wb = built(set_id)
    text = "\n".join(str(c.value) for line in wb["填写说明"].iter_rows() for c in line if c.value)
    for phrase in ("白色", "灰色", "「≥11台」", "「100%」", "「≤50万元」", "「2021年12月31日前」", "评价人判断理由",
                   "空", "jixiao score 本文件.xlsx", "jixiao import 本文件.xlsx -o 自评表.yaml", iset.id,
                   "不要修改工作表名称"):
        assert phrase in text, phrase


def test_hunan_fixed_rows_without_slots():
    iset, _, wb = built(HUNAN)
    ws = wb["自评表"]
    rows = table_rows(ws)
    # 预算配置 3 + 预算执行 4 + 预算管理 5 + 资产管理 3 + 职责履行 6 + 履职效益 4
    assert len(rows) == 25 == len(list(iset.fixed_indicators()))
    assert all(ws.cell(row=r, column=3).value for r in rows)  # no free slot
    twice = [(ws.cell(row=r, column=2).value) for r in rows if ws.cell(row=r, column=3).value == "管理制度健全性"]
    assert twice == ["预算管理", "资产管理"]
    assert not covered(ws, "list", "A22") and not covered(ws, "decimal", "D22")
    assert ws["C15"].value == "本指标体系不单独计算预算执行率得分" and locked(ws, "C15")
    assert ws.cell(row=rows[-1] + 2, column=1).value == FOOTER


def test_mof_project_slots():
    iset, _, wb = built("mof-project")
    ws = wb["自评表"]
    level2s = [child for level in iset.levels for child in level.children]
    assert len(level2s) == 9 and not list(iset.fixed_indicators())
    rows = table_rows(ws)
    assert rows == list(range(22, 22 + 9 * 3))
    assert [ws.cell(row=r, column=2).value for r in rows[:4]] == ["数量指标"] * 3 + ["质量指标"]
    assert ws.cell(row=rows[-1], column=2).value == "服务对象满意度指标"
    assert ws["C15"].value is None  # the set scores the budget execution rate


def _custom_set():
    return IndicatorSet(
        id="custom-form", name="=HYPERLINK(\"x\")测试体系", file="custom.yaml", year="2023",
        levels=[
            Level1("=危险一级", children=[
                Level2("+危险二级", allow_custom=True, max_indicators=3, indicators=[
                    FixedIndicator("@固定指标", None, target="≥11台"),
                    FixedIndicator("-有分值", Decimal("2.5"), target="0102"),
                ]),
            ]),
            Level1("其他", children=[
                Level2("带,逗号", allow_custom=True),
                Level2("满额", allow_custom=True, max_indicators=1, indicators=[FixedIndicator("唯一", Decimal(5))]),
            ]),
        ],
    )


def test_set_text_is_escaped_and_open_weights_editable():
    iset = _custom_set()
    wb = openpyxl.load_workbook(io.BytesIO(form_bytes(iset)))
    ws = wb["自评表"]
    assert ws["A1"].value == "'=HYPERLINK(\"x\")测试体系（填报表）"
    assert ws["B9"].value == "2023"
    assert [ws.cell(row=22, column=c).value for c in range(1, 6)] == ["'=危险一级", "'+危险二级", "'@固定指标", None, "≥11台"]
    assert not locked(ws, "D22") and covered(ws, "decimal", "D22")  # the set leaves this weight to the unit
    assert ws["C23"].value == "'-有分值" and ws["D23"].value == 2.5 and locked(ws, "D23")
    assert ws["E23"].value == "0102" and ws["E23"].data_type == "s"
    # max_indicators 3 with 2 fixed: one free slot; no max: 3 slots; 满额 (1 of 1 fixed): none
    column_c = [ws.cell(row=r, column=3).value for r in table_rows(ws)]
    column_b = [ws.cell(row=r, column=2).value for r in table_rows(ws)]
    assert column_c == ["'@固定指标", "'-有分值", None, None, None, None, "唯一"]
    assert column_b == ["'+危险二级"] * 3 + ["带,逗号"] * 3 + ["满额"]
    # a name with a comma cannot sit in an inline list: that 一级's 二级 list is left out, the others stay
    assert not covered(ws, "list", "B25") and [dv.formula1 for dv in covered(ws, "list", "B24")] == ['"\'+危险二级"']
    assert [dv.formula1 for dv in covered(ws, "list", "A25")] == ['"\'=危险一级,其他"']
    for sheet in wb.worksheets:
        assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def _soffice_csv(set_id, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, f"LibreOffice (soffice) is not installed; run the README test command: {RUN_TESTS}"
    _, data, _ = built(set_id)
    source = tmp_path / f"{set_id}.xlsx"
    source.write_bytes(data)
    out = tmp_path / "out"
    # filter options: comma, double quote, UTF-8, from row 1 …, token 12 = the sheet to export (2 = 自评表)
    target = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    produced = sorted(out.glob("*.csv"))
    assert len(produced) == 1, (done.stdout, done.stderr)
    return list(csv.reader(io.StringIO(produced[0].read_text(encoding="utf-8"))))


@pytest.mark.slow
@pytest.mark.parametrize("set_id", SET_IDS)  # the issue asks that every shipped set's form opens
def test_libreoffice_opens_the_form(set_id, tmp_path):
    iset = load_set(set_id)
    lines = _soffice_csv(set_id, tmp_path)
    text = "\n".join(",".join(line) for line in lines)
    assert "指标体系编号" in text and iset.id in text
    assert lines[2][:2] == ["指标体系编号", iset.id]
    assert lines[20] == HEADS
    names = {line[2] for line in lines[21:] if len(line) > 2 and line[2]}
    assert names == {indicator.name for _, _, indicator in iset.fixed_indicators()}
