"""The Word writer: every example's grids come out as Word tables with the same cells, spans and pages."""
import io
from decimal import Decimal

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from conftest import EXAMPLES
from scoring.importers.export import dump_yaml
from scoring.diagnostics import Diagnostics
from scoring.render.docx import _clean, docx_bytes
from scoring.render.grid import HEAD, LONG, NUMBER
from scoring.render.grid import repeatable_parts
from scoring.render.layouts import build_grids
from scoring.render.view import MISSING, build_report
from scoring.yamlload import load_file

EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))


def render(pipeline, path):
    report = build_report(pipeline.run(path))
    grids = build_grids(report)
    return report, grids, docx.Document(io.BytesIO(docx_bytes(report, grids)))


def xml_layout(table):
    """From the raw XML: (row, col) -> tc element where a cell starts, and the merged ranges."""
    starts, ranges, open_ = {}, [], {}
    for r, tr in enumerate(table._tbl.tr_lst):
        c = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            vmerge = tc.tcPr.vMerge_val if tc.tcPr is not None else None
            if vmerge == "continue":
                key = open_[(c, span)]
                key[2] = r
            else:
                starts[(r, c)] = tc
                open_[(c, span)] = [r, c, r, c + span - 1]
                ranges.append(open_[(c, span)])
            c += span
        assert c == len(table.columns), f"row {r} covers {c} grid columns"
    merged = {tuple(x) for x in ranges if x[0] != x[2] or x[1] != x[3]}
    return starts, merged


def cell_text(tc):
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))


def all_text(document):
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell_text(tc) for tc in table._tbl.iter(qn("w:tc"))]
    return "\n".join(parts)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_tables_match_grids(pipeline, name):
    report, grids, document = render(pipeline, EXAMPLES / name)
    # Word repeats only a table's leading rows, so a grid whose header row sits below a top block
    # becomes two tables (see grid.repeatable_parts); each grid keeps its own section.
    parts = [(part, section) for grid, section in zip(grids, document.sections) for part in repeatable_parts(grid)]
    assert len(document.tables) == len(parts)
    assert len(document.sections) == len(grids)
    assert any(len(repeatable_parts(g)) == 2 for g in grids) == (name != "hunan-2021-xuncha-scorecard.yaml")
    for (grid, section), table in zip(parts, document.tables):
        assert (len(table.rows), len(table.columns)) == (len(grid.rows), grid.ncols)
        starts, merged = xml_layout(table)
        assert merged == set(grid.merged_ranges())
        expected = {(r, c) for r, row in enumerate(grid.rows) for c, cell in enumerate(row) if cell is not None}
        assert set(starts) == expected
        for (r, c), tc in starts.items():
            spec = grid.rows[r][c]
            assert cell_text(tc) == _clean(spec.text), (r, c)  # the text once, even where merged
            assert table.cell(r, c)._tc is tc
            last_r, last_c = r + spec.rowspan - 1, c + spec.colspan - 1
            assert table.cell(last_r, last_c)._tc is tc  # python-docx sees one cell over the whole span
            shading = tc.tcPr.find(qn("w:shd"))
            assert (shading is not None and shading.get(qn("w:fill")) == "D9D9D9") == (spec.style == HEAD)
            if spec.style == NUMBER and spec.text:
                assert table.cell(r, c).paragraphs[0].alignment == 2  # right
        header = [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in table._tbl.tr_lst]
        assert header == [r < grid.header_rows for r in range(len(grid.rows))]
        whole = [tr.trPr is not None and tr.trPr.find(qn("w:cantSplit")) is not None for tr in table._tbl.tr_lst]
        assert whole == [not any(x is not None and x.style == LONG for x in row) for row in grid.rows]
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        assert table.style.name == "Table Grid"
        # A4, turned when the grid is landscape; the columns fill the usable width in grid proportions
        short, tall = sorted((section.page_width, section.page_height))
        assert abs(short - Cm(21.0)) < Cm(0.01) and abs(tall - Cm(29.7)) < Cm(0.01)
        assert (section.page_width > section.page_height) == grid.landscape
        assert section.orientation == (WD_ORIENT.LANDSCAPE if grid.landscape else WD_ORIENT.PORTRAIT)
        usable = section.page_width - section.left_margin - section.right_margin
        widths = [col.width for col in table.columns]
        assert abs(sum(widths) - usable) < Cm(0.1)
        assert abs(widths[0] / sum(widths) - grid.widths[0] / sum(grid.widths)) < 0.001
    text = all_text(document)
    assert grids[0].title in [p.text for p in document.paragraphs]
    if report.scored:
        assert report.total_text and report.total_text in [cell_text(tc) for t in document.tables
                                                           for tc in t._tbl.iter(qn("w:tc"))]
    assert "偏差原因分析" in [p.text for p in document.paragraphs]
    for d in report.deviations:
        assert d.sentence in text


def test_normal_style_is_songti(pipeline):
    _, _, document = render(pipeline, EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    normal = document.styles["Normal"]
    assert normal.font.name == "宋体"
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert normal.font.size == Pt(10.5)


def test_shanxi_known_cell(pipeline):
    report, grids, document = render(pipeline, EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    table = document.tables[1]  # the indicator table, below the top block
    assert table.rows[0].cells[0].text == "一级指标"
    row = next(r for r in table.rows if r.cells[2].text == "办公设备购置数量")
    assert row.cells[7].text == "3.5"
    assert "实际购置设备数量小于计划数量" in row.cells[8].text
    total = next(r for r in table.rows if r.cells[0].text == "总分")
    assert [c.text for c in total.cells[6:10]] == ["100", "92.07", "优", "优"]  # the grade spans two columns




def test_untrusted_text_is_literal(pipeline, tmp_path):
    data = load_file(EXAMPLES / "shanxi-2023-xuncha-project.yaml", Diagnostics()).data
    hostile = "<script>alert(1)</script> &<>\"' ]]> \x07bell"
    row = next(r for r in data["indicators"] if r["name"] == "办公设备购置数量")
    row["reason"] = hostile
    data["project"] = "巡察经费<b>&amp;"
    path = tmp_path / "hostile.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    report, grids, document = render(pipeline, path)
    assert any(r.reason == hostile.replace("\x07", "") for r in report.rows)  # the view model drops controls
    texts = [cell_text(tc) for t in document.tables for tc in t._tbl.iter(qn("w:tc"))]
    cell = next(t for t in texts if "<script>" in t)
    assert "<script>alert(1)</script> &<>\"' ]]> bell" in cell
    assert "\x07" not in all_text(document)
    assert "巡察经费<b>&amp;" in texts
    assert grids[0].title in [p.text for p in document.paragraphs]
    assert document.tables[0]._tbl.find(".//" + qn("w:script")) is None


def test_clean_strips_xml_forbidden_characters():
    assert _clean("a\x00b\x08c\x0bd\x0ce\x1ff\tg\nh\r\ni\ud800j\uffff") == "abcdef\tg\nh\nij"
    assert _clean(None) == ""
    assert _clean(Decimal("3.50")) == "3.50"


@pytest.mark.parametrize("name", ["hubei-2020-office-project.yaml", "sichuan-2021-xuncha-epidemic.yaml"])
def test_missing_reason_is_red_bold(pipeline, name):
    report, _, document = render(pipeline, EXAMPLES / name)
    missing = [d for d in report.deviations if d.missing]
    assert missing
    paragraphs = [p for p in document.paragraphs if p.text.startswith(tuple(d.sentence for d in missing))]
    assert len(paragraphs) == len(missing)
    for p in paragraphs:
        assert p.text.endswith("原因及措施：" + MISSING)
        flagged = p.runs[-1]
        assert flagged.text == MISSING and flagged.bold and str(flagged.font.color.rgb) == "FF0000"
    explained = [d for d in report.deviations if not d.missing]
    for d in explained:
        shown = "；".join(x for x in (d.reason, d.measures) if x)
        assert f"{d.sentence}。原因及措施：{shown}" in [p.text for p in document.paragraphs]


def test_every_section_has_page_numbers(pipeline):
    """「第 N 页 共 M 页」 in each section's footer, as PAGE and NUMPAGES fields Word fills in."""
    import io

    import docx
    from docx.oxml.ns import qn

    from scoring.render.output import render_bytes

    document = docx.Document(io.BytesIO(render_bytes(pipeline.run(EXAMPLES / "hubei-2020-office-department.yaml"), "docx")))
    for section in document.sections:
        paragraph = section.footer.paragraphs[0]._p
        fields = [f.get(qn("w:instr")) for f in paragraph.iter(qn("w:fldSimple"))]
        assert fields == ["PAGE", "NUMPAGES"]
        assert "".join(t.text for t in paragraph.iter(qn("w:t"))) == "第 1 页 共 1 页"


def test_tables_have_cell_margins_and_are_kept_apart(pipeline):
    import io

    import docx
    from docx.oxml.ns import qn

    from scoring.render.output import render_bytes

    document = docx.Document(io.BytesIO(render_bytes(pipeline.run(EXAMPLES / "hubei-2020-office-department.yaml"), "docx")))
    body = document.element.body
    for tbl in body.iter(qn("w:tbl")):
        tblpr = tbl.find(qn("w:tblPr"))
        names = [child.tag.rsplit("}", 1)[1] for child in tblpr]
        assert "tblCellMar" in names and names.index("tblCellMar") < names.index("tblLook")
        following = tbl.getnext()
        assert following is None or following.tag != qn("w:tbl")  # two tables never touch


@pytest.mark.slow
@pytest.mark.parametrize("name", ["hubei-2020-office-department.yaml", "hunan-2021-xuncha-scorecard.yaml"])
def test_word_file_opens_in_libreoffice_with_numbered_pages(pipeline, tmp_path, name):
    """Look at the Word file as LibreOffice Writer prints it: every page numbered, the draft mark on every page of
    a table with errors (湖南's)."""
    import shutil
    import subprocess

    from scoring.render.output import render_bytes

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is not installed: run the README's test command (it installs Writer)"
    source = tmp_path / "t.docx"
    outcome = pipeline.run(EXAMPLES / name)
    source.write_bytes(render_bytes(outcome, "docx"))
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                           "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), str(source)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(tmp_path / "out" / "t.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    squashed = ["".join(p.split()) for p in pages]
    assert [f"第{i}页共{len(pages)}页" in p for i, p in enumerate(squashed, 1)] == [True] * len(pages)
    errors = sum(1 for d in outcome.diagnostics if d.severity == "error")
    assert all(("草稿" in p) == bool(errors) for p in squashed)
