"""Word (.docx) writer: one section per grid, spans as merged cells, the deviations after the tables.

Only walks the grids from layouts.py, so the Word table agrees cell by cell with
the HTML and Excel ones.  All user text goes in through python-docx's text API
(which escapes it); XML elements built here carry only fixed attribute values.
"""
from __future__ import annotations

import re

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .grid import HEAD, LABEL, LONG, NUMBER, TEXT, TITLE, Grid, repeatable_parts
from .view import MISSING, Report
from .zipfix import document_bytes

FONT = "宋体"
TABLE_SIZE = Pt(10.5)  # 五号
TITLE_SIZE = Pt(16)
A4 = (Cm(21.0), Cm(29.7))
MARGIN, MARGIN_LANDSCAPE = Cm(2.0), Cm(1.5)
SHADE = "D9D9D9"

ALIGN = {
    TITLE: WD_ALIGN_PARAGRAPH.CENTER, HEAD: WD_ALIGN_PARAGRAPH.CENTER, LABEL: WD_ALIGN_PARAGRAPH.CENTER,
    TEXT: WD_ALIGN_PARAGRAPH.CENTER, NUMBER: WD_ALIGN_PARAGRAPH.RIGHT, LONG: WD_ALIGN_PARAGRAPH.LEFT,
}

# Characters XML 1.0 forbids (lxml refuses them): C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text) -> str:
    """`text` as a string python-docx can store: forbidden control characters removed, newlines as \\n."""
    return _BAD.sub("", str(text or "").replace("\r\n", "\n").replace("\r", "\n"))


def docx_bytes(report: Report, grids: list[Grid]) -> bytes:
    """The .docx file of `report`: each grid in its own A4 section, then the 偏差原因分析 list."""
    doc = Document()
    for name in ("Normal", "Heading 1"):
        _set_font(doc.styles[name].element.get_or_add_rPr())
    doc.styles["Normal"].font.size = TABLE_SIZE
    for i, grid in enumerate(grids):
        section = doc.sections[0] if i == 0 else doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section, grid.landscape)
        _centered(doc, grid.title, bold=True, size=TITLE_SIZE)
        if grid.caption:
            _centered(doc, grid.caption)
        width = section.page_width - section.left_margin - section.right_margin
        for i, part in enumerate(repeatable_parts(grid)):  # Word repeats only a table's leading rows
            if i:
                _separator(doc)  # two tables that touch are one table to Word: its header row would land mid-table
            _table(doc, part, width)
    _deviations(doc, report)
    for section in doc.sections:
        _page_numbers(section)
    if report.draft:  # every page of every section
        for section in doc.sections:
            section.header.is_linked_to_previous = False
            paragraph = section.header.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(report.draft)
            run.bold = True
            run.font.color.rgb = RGBColor(0xBB, 0, 0)
    return document_bytes(doc)


def _set_font(rpr) -> None:
    """宋体 for Latin and East Asian text; theme fonts would override the explicit names, so drop them."""
    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia"):
        fonts.set(qn(f"w:{attr}"), FONT)


def _page(section, landscape: bool) -> None:
    short, tall = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (tall, short) if landscape else (short, tall)
    margin = MARGIN_LANDSCAPE if landscape else MARGIN
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = margin


def _page_numbers(section) -> None:
    """「第 1 页 共 3 页」 centred in the footer: Word fills in the PAGE and NUMPAGES fields."""
    section.footer.is_linked_to_previous = False
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("第 ", "PAGE", " 页 共 ", "NUMPAGES", " 页"):
        if piece in ("PAGE", "NUMPAGES"):
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), piece)
            run = OxmlElement("w:r")
            text = OxmlElement("w:t")
            text.text = "1"  # shown until Word (or LibreOffice) updates the field
            run.append(text)
            field.append(run)
            paragraph._p.append(field)
        else:
            paragraph.add_run(piece).font.size = Pt(9)


def _centered(doc, text: str, bold: bool = False, size=None) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(_clean(text))
    run.bold = bold
    if size is not None:
        run.font.size = size


def _table(doc, grid: Grid, width: int) -> None:
    nrows, ncols = len(grid.rows), grid.ncols
    table = doc.add_table(rows=nrows, cols=ncols)
    table.style = doc.styles["Table Grid"]
    table.autofit = False  # <w:tblLayout w:type="fixed"/>
    _cell_margins(table)
    total = sum(grid.widths) or 1
    widths = [int(width * w / total) for w in grid.widths]
    tbl_w = table._tbl.tblPr.first_child_found_in("w:tblW")
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(widths) // 635))  # EMU -> twentieths of a point
    for c, column in enumerate(table.columns):
        column.width = widths[c]
    cells = [row.cells for row in table.rows]  # before merging: one cell per grid position
    for row in cells:
        for c, cell in enumerate(row):
            cell.width = widths[c]  # Word reads the cell widths, not the grid's
    for r, line in enumerate(grid.rows):
        for c, spec in enumerate(line):
            if spec is None:
                continue
            _fill(cells[r][c], spec.text, spec.style)
            for dr in range(spec.rowspan):  # covered cells: style only, so vertical merges shade alike
                for dc in range(spec.colspan):
                    if dr or dc:
                        _look(cells[r + dr][c + dc], spec.style)
    for r, c, last_r, last_c in grid.merged_ranges():
        cells[r][c].merge(cells[last_r][last_c])
    for r, (row, line) in enumerate(zip(table.rows, grid.rows)):
        trpr = row._tr.get_or_add_trPr()
        if r < grid.header_rows:
            trpr.append(OxmlElement("w:tblHeader"))
        if not any(spec is not None and spec.style == LONG for spec in line):
            trpr.append(OxmlElement("w:cantSplit"))


def _cell_margins(table) -> None:
    """Room between the text and the cell borders: 1.5 mm at the sides, 0.5 mm above and below (Word gives none)."""
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", 28), ("left", 85), ("bottom", 28), ("right", 85)):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(twips))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    tblpr = table._tbl.tblPr
    look = tblpr.find(qn("w:tblLook"))  # the schema's order: tblCellMar comes before tblLook
    if look is not None:
        look.addprevious(margins)
    else:
        tblpr.append(margins)


def _separator(doc) -> None:
    """A one-point empty paragraph between two tables, so Word keeps them apart."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    paragraph.add_run("").font.size = Pt(1)


def _fill(cell, text: str, style: str) -> None:
    lines = _clean(text).split("\n")
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.alignment = ALIGN.get(style, WD_ALIGN_PARAGRAPH.LEFT)
        if line:
            run = paragraph.add_run(line)
            run.font.size = TABLE_SIZE
            run.bold = style in (HEAD, TITLE) or None
    _look(cell, style)


def _look(cell, style: str) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    if style == HEAD:
        tcpr = cell._tc.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), SHADE)
        tcpr.insert_element_before(shd, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                                   "w:hideMark", "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge",
                                   "w:tcPrChange")


def _deviations(doc, report: Report) -> None:
    heading = doc.add_heading("偏差原因分析", level=1)
    for run in heading.runs:
        run.font.color.rgb = RGBColor(0, 0, 0)
    if not report.deviations:
        doc.add_paragraph("无。")
    for d in report.deviations:
        paragraph = doc.add_paragraph()
        paragraph.add_run(_clean(f"{d.sentence}。原因及措施："))
        if d.missing:
            run = paragraph.add_run(MISSING)
            run.bold = True
            run.font.color.rgb = RGBColor(0xFF, 0, 0)
        else:
            paragraph.add_run(_clean("；".join(x for x in (d.reason, d.measures) if x)))
