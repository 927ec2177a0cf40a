"""The Excel writer: sheets mirror the grids cell by cell, values not formulas, nothing a unit typed is evaluated."""
import io
import posixpath
import zipfile
from decimal import Decimal
from xml.etree import ElementTree as ET

import openpyxl
import pytest
import yaml
from conftest import EXAMPLES

from scoring.diagnostics import Diagnostics
from scoring.render.grid import (
    HEAD,
    LONG,
    NUMBER,
    GridBuilder,
    head,
    long,
    number,
    text,
)
from scoring.render.layouts import build_grids
from scoring.render.view import build_report
from scoring.render.xlsx import (
    EXPLAIN_HEADS,
    EXPLAIN_SHEET,
    safe_text,
    score_format,
    xlsx_bytes,
)
from scoring.yamlload import load_file

FILES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
SHANXI = "shanxi-2023-xuncha-project.yaml"
_BUILT = {}


def built(pipeline, name):
    """(report, grids, bytes, values workbook, raw workbook) for one example, built once."""
    if name not in _BUILT:
        report = build_report(pipeline.run(EXAMPLES / name))
        grids = build_grids(report)
        data = xlsx_bytes(report, grids)
        _BUILT[name] = (report, grids, data, openpyxl.load_workbook(io.BytesIO(data), data_only=True),
                        openpyxl.load_workbook(io.BytesIO(data)))
    return _BUILT[name]


def score_places(pipeline, name):
    """(result.precision, result.budget.places) of one example, from the engine itself."""
    result = pipeline.run(EXAMPLES / name).result
    return result.precision, (result.budget.places if result.budget is not None else result.precision)


def expected_format(cell, report, places):
    """A grid cell's format in the workbook: a score (the layouts' 0.00) shows the set's decimals, or the value's
    own when it has more; anything else keeps the grid's format."""
    if cell.number_format != "0.00":
        return cell.number_format
    precision, budget = places
    shown = budget if report.budget is not None and cell.value is report.budget.score else precision
    return score_format(max(shown, max(0, -cell.value.normalize().as_tuple().exponent)))


def top(grid):
    """Sheet rows above the table: the title, and the caption when there is one."""
    return 2 if grid.caption else 1


def as_decimal(value):
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return Decimal(str(value))


def cells(grid):
    for r, line in enumerate(grid.rows):
        for c, cell in enumerate(line):
            yield r, c, cell


# -- safe_text ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["=1+1", "+cmd", "-5", "@SUM(1)", "\tx", "\rx", "=", "-"])
def test_safe_text_quotes_formula_starts(raw):
    assert safe_text(raw) == "'" + raw


@pytest.mark.parametrize("raw", ["", "abc", "办公设备", "3.5", "a=b", " =1", "'quoted", "＝1", "≥11台"])
def test_safe_text_leaves_plain_text(raw):
    assert safe_text(raw) == raw


# -- every example ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_one_sheet_per_grid_then_explain(pipeline, name):
    _, grids, _, wb, _ = built(pipeline, name)
    assert len(wb.worksheets) == len(grids) + 1
    assert wb.sheetnames[-1] == EXPLAIN_SHEET
    assert len({t.casefold() for t in wb.sheetnames}) == len(wb.sheetnames)
    for grid, ws in zip(grids, wb.worksheets):
        assert len(ws.title) <= 31 and not set(ws.title) & set("[]:*?/\\")
        assert ws.title == grid.title[:31]  # the example titles have no invalid characters
        assert ws.cell(1, 1).value == grid.title and ws.cell(1, 1).font.b
        assert ws.cell(1, 1).alignment.horizontal == "center"
        if grid.caption:
            assert ws.cell(2, 1).value == grid.caption


@pytest.mark.parametrize("name", FILES)
def test_merged_ranges_match_grid(pipeline, name):
    _, grids, _, wb, _ = built(pipeline, name)
    for grid, ws in zip(grids, wb.worksheets):
        t = top(grid)
        expected = {(r + t + 1, c + 1, r2 + t + 1, c2 + 1) for r, c, r2, c2 in grid.merged_ranges()}
        expected |= {(row, 1, row, grid.ncols) for row in range(1, t + 1)}
        got = {(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges}
        assert got == expected
        assert len(grid.merged_ranges()) > 0


@pytest.mark.parametrize("name", FILES)
def test_merged_cells_have_outer_borders_after_reload(pipeline, name):
    _, grids, _, wb, _ = built(pipeline, name)
    for grid, ws in zip(grids, wb.worksheets):
        t = top(grid)
        for r, c, r2, c2 in grid.merged_ranges():
            for row in range(r + t + 1, r2 + t + 2):
                for col in range(c + 1, c2 + 2):
                    b = ws.cell(row, col).border
                    if row == r + t + 1:
                        assert b.top.style == "thin", (ws.title, row, col)
                    if row == r2 + t + 1:
                        assert b.bottom.style == "thin", (ws.title, row, col)
                    if col == c + 1:
                        assert b.left.style == "thin", (ws.title, row, col)
                    if col == c2 + 1:
                        assert b.right.style == "thin", (ws.title, row, col)


def _raw_sheets(data):
    """{sheet name: {coordinate: border sides with a style}}, read from the file's XML, not through openpyxl."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
        borders = [{side for side in ("left", "right", "top", "bottom")
                    if (el := b.find(f"m:{side}", ns)) is not None and el.get("style")}
                   for b in styles.find("m:borders", ns)]
        xf_border = [int(xf.get("borderId", 0)) for xf in styles.find("m:cellXfs", ns)]
        rels = {rel.get("Id"): rel.get("Target") for rel in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        out = {}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns):
            target = rels[sheet.get(f"{{{ns['r']}}}id")]
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            root = ET.fromstring(z.read(path))
            out[sheet.get("name")] = {c.get("r"): borders[xf_border[int(c.get("s", 0))]]
                                      for c in root.iter(f"{{{ns['m']}}}c")}
    return out


@pytest.mark.parametrize("name", FILES)
def test_every_table_cell_is_written_with_a_full_border(pipeline, name):
    """Covered cells must be in the file with their own border, or Excel prints merged outlines broken."""
    _, grids, data, wb, _ = built(pipeline, name)
    raw = _raw_sheets(data)
    for grid, ws in zip(grids, wb.worksheets):
        t = top(grid)
        written = raw[ws.title]
        for r, c, _ in cells(grid):
            coord = ws.cell(r + t + 1, c + 1).coordinate
            assert written.get(coord) == {"left", "right", "top", "bottom"}, (ws.title, coord)


@pytest.mark.parametrize("name", FILES)
def test_cells_hold_grid_values_and_styles(pipeline, name):
    report, grids, _, wb, _ = built(pipeline, name)
    places = score_places(pipeline, name)
    numbers = 0
    for grid, ws in zip(grids, wb.worksheets):
        t = top(grid)
        for r, c, cell in cells(grid):
            xl = ws.cell(r + t + 1, c + 1)
            if cell is None:
                assert xl.value is None
            elif cell.style == NUMBER and cell.value is not None:
                numbers += 1
                got = as_decimal(xl.value)
                assert abs(got - cell.value) <= Decimal("1e-12"), (xl.coordinate, xl.value, cell.value)
                assert xl.number_format == expected_format(cell, report, places), (xl.coordinate, cell.text)
                assert xl.alignment.horizontal == "right"
            else:
                assert xl.value == (safe_text(cell.text) if cell.text else None), xl.coordinate
                assert xl.data_type in ("s", "n")  # "n" only for an empty cell
                if cell.style == HEAD:
                    assert xl.font.b and xl.fill.fgColor.rgb.endswith("D9D9D9")
                if cell.style == LONG:
                    assert xl.alignment.wrap_text and xl.alignment.horizontal == "left"
            if cell is not None:
                assert xl.font.name == "宋体"
    grid_numbers = sum(1 for g in grids for _, _, x in cells(g) if x and x.style == NUMBER and x.value is not None)
    assert numbers == grid_numbers


@pytest.mark.parametrize("name", FILES)
def test_total_is_a_number(pipeline, name):
    report, grids, _, wb, _ = built(pipeline, name)
    found = [as_decimal(ws.cell(r + top(g) + 1, c + 1).value)
             for g, ws in zip(grids, wb.worksheets) for r, c, x in cells(g)
             if x is not None and x.style == NUMBER and x.value is not None and x.text == report.total_text
             and any(y is not None and y.text.replace(" ", "") == "总分" for y in g.rows[r])]
    if report.scored:
        assert report.total is not None
        assert found == [report.total]
    else:
        assert report.total is None and found == []


@pytest.mark.parametrize("name", FILES)
def test_no_formulas_anywhere(pipeline, name):
    _, _, _, _, raw = built(pipeline, name)
    types = {cell.data_type for ws in raw.worksheets for row in ws.iter_rows() for cell in row}
    assert "f" not in types and "s" in types


@pytest.mark.parametrize("name", FILES)
def test_print_setup(pipeline, name):
    _, grids, _, wb, _ = built(pipeline, name)
    for grid, ws in zip(grids, wb.worksheets):
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.orientation == ("landscape" if grid.landscape else "portrait")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        last = top(grid) + len(grid.rows)
        col = openpyxl.utils.get_column_letter(grid.ncols)
        assert ws.print_area.endswith(f"!$A$1:${col}${last}")
        if grid.header_rows:
            # the column header repeats on every page; the block above it prints once
            assert ws.print_title_rows == f"${top(grid) + grid.repeat_from + 1}:${top(grid) + grid.header_rows}"
            assert grid.repeat_from < grid.header_rows
        else:
            assert ws.print_title_rows is None


@pytest.mark.parametrize("name", FILES)
def test_widths_and_heights(pipeline, name):
    _, grids, _, wb, _ = built(pipeline, name)
    tall = 0
    for grid, ws in zip(grids, wb.worksheets):
        xl_widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width for c in range(grid.ncols)]
        assert all(x > w for x, w in zip(xl_widths, grid.widths))
        assert sorted(range(grid.ncols), key=lambda i: (grid.widths[i], i)) == \
            sorted(range(grid.ncols), key=lambda i: (xl_widths[i], i))
        t = top(grid)
        for r, c, cell in cells(grid):
            height = ws.row_dimensions[r + t + 1].height
            assert height is not None and 15 <= height <= 409
            if cell is not None and cell.style == LONG and cell.rowspan == 1:
                room = sum(xl_widths[c:c + cell.colspan])
                shown = sum(2 if ord(ch) > 0x2e80 else 1 for ch in max(cell.text.split("\n"), key=len))
                if shown > 2 * room or cell.text.count("\n") >= 2:
                    tall += 1
                    assert height >= 30, (ws.title, r, cell.text[:20])
    deviation_boxes = sum(1 for g in grids for _, _, x in cells(g) if x is not None and x.style == LONG
                          and x.rowspan == 1 and x.text.count("\n") >= 2)
    assert tall >= deviation_boxes


# -- the 计分说明 sheet ------------------------------------------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_explain_sheet(pipeline, name):
    report, _, _, wb, _ = built(pipeline, name)
    ws = wb[EXPLAIN_SHEET]
    assert [ws.cell(1, c).value for c in range(1, len(EXPLAIN_HEADS) + 1)] == EXPLAIN_HEADS
    assert all(ws.cell(1, c).font.b for c in range(1, len(EXPLAIN_HEADS) + 1))
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 1 + len(report.rows) + (report.budget is not None)
    for i, row in enumerate(report.rows, 2):
        assert ws.cell(i, 3).value == safe_text(row.name)
        if row.weight is not None:
            assert as_decimal(ws.cell(i, 4).value) == row.weight
        if row.score is not None:
            assert as_decimal(ws.cell(i, 5).value) == row.score
        assert (ws.cell(i, 10).value or "") == (safe_text(row.explain) if row.explain else "")
        assert ws.cell(i, 10).alignment.wrap_text
    if report.budget is not None:
        last = ws.max_row
        assert ws.cell(last, 1).value == "预算执行率"
        assert (ws.cell(last, 10).value or "") == report.budget.explain
        if report.budget.score is not None:
            assert as_decimal(ws.cell(last, 5).value) == report.budget.score


def test_shanxi_known_scores_are_numbers(pipeline):
    report, grids, _, wb, _ = built(pipeline, SHANXI)
    grid, ws = grids[0], wb.worksheets[0]
    r = next(r for r, line in enumerate(grid.rows) if any(x is not None and x.text == "办公设备购置数量" for x in line))
    c = next(c for c, x in enumerate(grid.rows[r]) if x is not None and x.style == NUMBER and x.text == "3.5")
    assert as_decimal(ws.cell(r + top(grid) + 1, c + 1).value) == Decimal("3.5")
    assert ws.cell(r + top(grid) + 1, c + 1).number_format == "0.00"
    rate = next((r, c) for r, c, x in cells(grid) if x is not None and x.number_format == "0.00%")
    assert as_decimal(ws.cell(rate[0] + top(grid) + 1, rate[1] + 1).value) == Decimal("0.45746")
    explain = wb[EXPLAIN_SHEET]
    i = next(i for i in range(2, explain.max_row + 1) if explain.cell(i, 3).value == "办公设备购置数量")
    assert as_decimal(explain.cell(i, 5).value) == Decimal("3.5")     # 得分: the evaluator's judgement
    assert as_decimal(explain.cell(i, 6).value) == Decimal("3.18")    # 规则得分
    assert as_decimal(explain.cell(i, 7).value) == Decimal("3.5")     # 自评得分
    assert explain.cell(i, 8).value == "评价人判断"
    assert wb.worksheets[0].page_setup.orientation == "landscape"
    assert report.total == Decimal("92.07")


# -- formula injection ---------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar(
    "tag:yaml.org,2002:float" if "." in str(v) else "tag:yaml.org,2002:int", str(v)))

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "+cmd|' /C calc'!A0"
AT = "@SUM(1)"


def test_formula_injection_is_neutralised(pipeline, tmp_path):
    diags = Diagnostics()
    data = load_file(EXAMPLES / SHANXI, diags).data
    data["indicators"][0]["reason"] = HYPERLINK
    data["indicators"][1]["name"] = AT
    data["unit"] = DDE
    del data["implementer"]  # so the 预算单位 cell shows the unit
    path = tmp_path / "evil.yaml"
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    outcome = pipeline.run(path)
    report = build_report(outcome)
    assert report.total == Decimal("92.07")  # the edits changed words, not numbers
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report, build_grids(report))))  # formulas stay formulas here
    seen = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                for needle in (HYPERLINK, DDE, AT):
                    if isinstance(cell.value, str) and cell.value.startswith("'" + needle):
                        assert cell.data_type == "s"
                        seen.setdefault(needle, []).append((ws.title, cell.coordinate))
    grid_sheet, explain = wb.sheetnames[0], EXPLAIN_SHEET
    assert {s for s, _ in seen[HYPERLINK]} == {grid_sheet}   # the 偏差原因 cell of 办公设备购置数量
    assert {s for s, _ in seen[DDE]} == {grid_sheet}         # the 预算单位 cell
    assert {s for s, _ in seen[AT]} == {grid_sheet, explain}  # 三级指标 in both sheets
    # Nothing starts with a formula character unless it is quoted.
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value


# -- sheet names ---------------------------------------------------------------------------------

def test_sheet_titles_are_valid_and_unique(pipeline):
    report, *_ = built(pipeline, SHANXI)
    grids = []
    for title in ["a/b[c]:d*e?f\\g", "计分说明", "x" * 40, "X" * 40, "x" * 40, ""]:
        g = GridBuilder(title, [5, 5])
        g.row(head("h"), number(Decimal("1.5"), "1.5"))
        g.row(long("=1+2", 2))
        grids.append(g.done())
    g = GridBuilder("spans", [4, 4, 4], caption="cap", landscape=True)
    g.row(head("a", rowspan=2), text("b", 2))
    g.row(text("-5"), number(None, "不适用"))
    g.row(head("x"), head("y"), head("z"))
    g.mark_header()
    g.row(text("1"), text("2"), text("@3"))
    grids.append(g.done())
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report, grids)))
    names = wb.sheetnames
    assert len(names) == len(grids) + 1 and names[-1] == EXPLAIN_SHEET
    assert names[0] == "abcdefg"
    assert len({n.casefold() for n in names}) == len(names)
    assert all(0 < len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    first = wb.worksheets[0]
    assert first["A3"].value == "'=1+2" and first["A3"].data_type == "s"
    assert first["B2"].value == 1.5 and first["B2"].data_type == "n"
    spans = wb.worksheets[-2]
    assert spans.print_title_rows == "$5:$5" and spans.page_setup.orientation == "landscape"
    assert {str(m) for m in spans.merged_cells.ranges} == {"A1:C1", "A2:C2", "A3:A4", "B3:C3"}
    assert spans["B4"].value == "'-5" and spans["C4"].value == "不适用" and spans["C6"].value == "'@3"
    assert spans.print_area.endswith("!$A$1:$C$6")


# -- score formats follow the set's precision ----------------------------------------------------------

HUBEI = "hubei-2020-office-project.yaml"  # precision 1: 9.4, 89.4, 5.0 ...


@pytest.mark.parametrize("places,code", [(0, "0"), (1, "0.0"), (2, "0.00"), (3, "0.000"), (4, "0.0000")])
def test_score_format_follows_the_places(places, code):
    assert score_format(places) == code


def _score_cells(grid, ws):
    """(grid cell, workbook cell) of every score the layout drew (its 0.00 cells)."""
    t = top(grid)
    return [(x, ws.cell(r + t + 1, c + 1)) for r, c, x in cells(grid)
            if x is not None and x.style == NUMBER and x.value is not None and x.number_format == "0.00"]


def test_precision_one_scores_show_one_decimal(pipeline):
    report, grids, _, wb, _ = built(pipeline, HUBEI)
    assert score_places(pipeline, HUBEI) == (1, 1)
    grid, ws = grids[0], wb.worksheets[0]
    scores = _score_cells(grid, ws)
    assert len(scores) == len(report.rows) + 2  # every row, the budget score and the total
    assert {xl.number_format for _, xl in scores} == {"0.0"}
    shown = {as_decimal(xl.value) for _, xl in scores}
    assert {Decimal("9.4"), Decimal("89.4"), Decimal(5)} <= shown
    others = {ws.cell(r + top(grid) + 1, c + 1).number_format for r, c, x in cells(grid)
              if x is not None and x.style == NUMBER and x.value is not None and x.number_format != "0.00"}
    assert others == {"General", "0.0%"}  # amounts and the rate keep theirs
    explain = wb[EXPLAIN_SHEET]
    for i in range(2, explain.max_row + 1):
        assert explain.cell(i, 4).number_format == "General"  # 分值: a weight, not a score
        for col in (5, 6, 7):  # 得分, 规则得分, 自评得分
            if isinstance(explain.cell(i, col).value, (int, float)):
                assert explain.cell(i, col).number_format == "0.0", (i, col)


def test_precision_two_scores_keep_two_decimals(pipeline):
    _, grids, _, wb, _ = built(pipeline, SHANXI)
    assert score_places(pipeline, SHANXI) == (2, 2)
    assert {xl.number_format for _, xl in _score_cells(grids[0], wb.worksheets[0])} == {"0.00"}


def test_explicit_places_and_values_with_more_decimals(pipeline):
    """The caller's precision wins over the report's; a score with more decimals than the precision shows them all."""
    report, *_ = built(pipeline, SHANXI)
    g = GridBuilder("scores", [6, 6, 6, 6])
    g.row(number(Decimal(3), "3"), number(Decimal("3.25"), "3.25"), number(Decimal("0.5"), "50%", "0.00%"),
          number(Decimal("12.5"), "12.5", "General"))
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report, [g.done()], precision=1, budget_places=1)))
    first = wb.worksheets[0]
    assert [first.cell(2, c).number_format for c in range(1, 5)] == ["0.0", "0.00", "0.00%", "General"]
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(report, [g.done()], precision=0)))
    assert wb.worksheets[0]["A2"].number_format == "0"


@pytest.mark.parametrize("name", [HUBEI, SHANXI])
def test_rendered_workbook_reads_back_at_the_sets_precision(pipeline, tmp_path, name):
    from scoring.pipeline import Pipeline

    original = pipeline.run(EXAMPLES / name)
    path = tmp_path / "t.xlsx"
    path.write_bytes(built(pipeline, name)[2])
    imported = Pipeline(default_set=original.set.id).run(path)
    assert imported.submission.data["precision"] == original.result.precision
    assert imported.result.precision == original.result.precision
    assert str(imported.result.total) == str(original.result.total)  # 89.4, not 89.40
    assert str(imported.result.budget.score) == str(original.result.budget.score)
