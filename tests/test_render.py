"""Rendering: golden Markdown/HTML, PDF text and pixels, escaping, templates, atomic output."""
import hashlib
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from scoring.importers.export import dump_yaml
from scoring.cli import cli
from scoring.diagnostics import Diagnostics
from scoring.render.output import render_bytes
from scoring.render.view import RenderError, build_report
from scoring.yamlload import load_file

sys.path.insert(0, str(ROOT / "tests" / "golden"))
import regenerate  # noqa: E402

NAMES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))




def hostile_copy(tmp_path, unit=None, reason=None, name="hostile.yaml"):
    data = load_file(EXAMPLES / "shanxi-2023-xuncha-project.yaml", Diagnostics()).data
    if unit is not None:
        data["unit"] = data["implementer"] = unit  # the 山西 table prints the 预算单位 (implementer)
    if reason is not None:
        data["indicators"][0]["reason"] = reason
    path = tmp_path / name
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_golden(name, fmt):
    golden = (ROOT / "tests" / "golden" / f"{name[:-5]}.{fmt}").read_text(encoding="utf-8")
    digest, body = regenerate.split_header(golden)
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == digest, "golden file edited by hand"
    assert regenerate.render_example(EXAMPLES / name, fmt) == body, \
        "rendering changed: review, then run python tests/golden/regenerate.py"


def test_every_golden_file_belongs_to_an_example():
    files = {p.name for p in (ROOT / "tests" / "golden").glob("*.*") if p.suffix in (".md", ".html")}
    assert files == {f"{n[:-5]}.{ext}" for n in NAMES for ext in ("md", "html")}


def test_html_escapes_department_text(pipeline, tmp_path):
    path = hostile_copy(tmp_path, unit="<b>巡察办</b>", reason="<script>alert('x')</script><!-- c -->")
    html = render_bytes(pipeline.run(path), "html").decode("utf-8")
    assert "<script>" not in html and "<!-- c -->" not in html and "<b>巡察办</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    md = render_bytes(pipeline.run(path), "md").decode("utf-8")
    assert "<script>" not in md and r"\<script\>" in md
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(render_bytes(pipeline.run(path), "pdf"))
    assert "<script>alert('x')</script><!--c-->" in squash(pdf_text(pdf))  # printed as text, not run


def test_missing_reason_is_visible(pipeline):
    outcome = pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    html = render_bytes(outcome, "html").decode("utf-8")
    assert '<span class="missing">待补充</span>' in html
    report = build_report(outcome)
    # The cost rows far below their caps (≤50万元 with 22.87万元) need a reason too (D705).
    assert [d.subject for d in report.deviations if d.missing] == ["预算执行率", "巡察工作成本控制数",
                                                                  "每轮巡察工作完成经费支出金额"]
    sentences = [d.sentence for d in report.deviations]
    # Publishable wording only: the rule's score and the evaluator's judgement are review content.
    assert "办公设备购置数量：调整后指标值≥11台，实际完成7台，完成率63.6%" in sentences
    assert not any("评价人判断" in s or "规则得分" in s for s in sentences)


def test_strict_undefined_names_the_field(pipeline, tmp_path):
    (tmp_path / "report.md.j2").write_text("# {{ report.no_such_field }}\n", encoding="utf-8")
    with pytest.raises(RenderError, match="no_such_field"):
        render_bytes(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "md", tmp_path)


def test_template_override_is_used(tmp_path):
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "report.md.j2").write_text("# 本局格式 {{ report.unit | md }} {{ report.total_text }}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["render", str(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "--to", "md",
                                      "-o", str(out), "--templates", str(templates)])
    assert result.exit_code == 0, result.output
    assert (out / "shanxi-2023-xuncha-project.md").read_text(encoding="utf-8") == "# 本局格式 中共长治市上党区委巡察工作办公室 92.07\n"


def test_render_never_writes_over_the_input(tmp_path):
    source = tmp_path / "table.md"
    source.write_text((EXAMPLES / "shanxi-2023-xuncha-project.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = source.read_bytes()
    result = CliRunner().invoke(cli, ["render", str(source), "--to", "md", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "就是本次的输入文件" in result.output
    assert source.read_bytes() == before


def test_render_writes_atomically_and_only_what_was_asked(tmp_path):
    result = CliRunner().invoke(cli, ["render", str(EXAMPLES / "hubei-2020-xuncha-project.yaml"), "--to", "md,html",
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".jixiao-manifest",  # what jixiao wrote here
                                                                    "hubei-2020-xuncha-project.html",
                                                                    "hubei-2020-xuncha-project.md"]


def test_render_unknown_format_is_a_usage_error():
    result = CliRunner().invoke(cli, ["render", str(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "--to", "png"])
    assert result.exit_code == 2


def test_render_broken_file_says_why(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("set: mof-project\nunit：测试\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["render", str(bad), "--to", "html", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "未生成" in result.output and "jixiao check" in result.output
    assert not (tmp_path / "bad.html").exists()


# -- PDF ---------------------------------------------------------------------------------------------

def _tool(name):
    found = shutil.which(name)
    assert found, f"{name} is missing: run the README's test command (it installs poppler-utils)"
    return found


def pdf_text(path: Path) -> str:
    return subprocess.run([_tool("pdftotext"), "-raw", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_pdf_shows_unit_indicators_and_total(pipeline, tmp_path, name):
    outcome = pipeline.run(EXAMPLES / name)
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(render_bytes(outcome, "pdf"))
    text = squash(pdf_text(pdf))
    report = build_report(outcome)
    assert squash(report.unit) in text
    for row in report.rows:
        assert squash(row.name) in text, row.name
    if report.scored:
        assert report.total_text in text
    # The first page is not blank: some pixels are dark.
    subprocess.run([_tool("pdftoppm"), "-r", "20", "-gray", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                   check=True)
    page = next(tmp_path.glob("p*.pgm")).read_bytes()
    pixels = page.split(b"\n", 3)[3]
    assert sum(1 for b in pixels if b < 128) > 500


def test_pdf_has_no_missing_glyphs_for_rare_characters(pipeline, tmp_path):
    path = hostile_copy(tmp_path, unit="中共长治市上党区委巡察工作办公室𠀀")
    pdf = tmp_path / "rare.pdf"
    pdf.write_bytes(render_bytes(pipeline.run(path), "pdf"))
    assert "办公室𠀀" in squash(pdf_text(pdf))
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and "HanaMin" in fonts  # Noto CJK for the text, HanaMin for Extension B


def test_pdf_repeats_the_header_on_every_page(pipeline, tmp_path):
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(render_bytes(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "pdf"))
    names = [r.name for r in build_report(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")).rows]
    pages = pdf_text(pdf).split("\f")
    table_pages = [p for p in pages if not p.lstrip().startswith("偏差原因分析")]  # the list after the table
    with_rows = [p for p in table_pages if any(name in p.replace("\n", "") for name in names)]
    assert len(with_rows) >= 2
    assert all("三级指标" in p for p in with_rows)


def test_html_stylesheet_is_not_escaped_and_cannot_close_its_element(pipeline, tmp_path):
    html = render_bytes(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "html").decode("utf-8")
    style = html[html.index("<style>"):html.index("</style>")]
    assert "&#34;" not in style and '"Noto Serif CJK SC"' in style
    assert 'content: "第 " counter(page) " 页 共 " counter(pages) " 页"' in style
    (tmp_path / "report.html.j2").write_text("<style>{{ css }}</style>", encoding="utf-8")
    (tmp_path / "report.css").write_text("p { color: red } </style><script>alert(1)</script>", encoding="utf-8")
    hostile = render_bytes(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "html", tmp_path).decode()
    assert hostile.count("</style>") == 1 and "<\\/style><script>" in hostile


def test_pdf_pages_are_numbered_in_the_declared_font(pipeline, tmp_path):
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(render_bytes(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "pdf"))
    pages = pdf_text(pdf).split("\f")
    pages = [p for p in pages if p.strip()]
    assert [squash(p).count(f"第{i}页共{len(pages)}页") for i, p in enumerate(pages, 1)] == [1] * len(pages)
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts and "DejaVu" not in fonts and "JP" not in fonts


DRAFT = "草稿：存在1处错误，不能作为正式附件"


def test_a_table_with_errors_is_marked_as_a_draft_in_every_format(pipeline, tmp_path):
    """湖南's published table scores 5 on a 3-point row (G601, an error): every format says it is a draft, on every
    printed page; a table without errors carries no mark."""
    import io

    import docx
    import openpyxl

    outcome = pipeline.run(EXAMPLES / "hunan-2021-xuncha-scorecard.yaml")
    assert [d.code for d in outcome.diagnostics if d.severity == "error"] == ["G601"]
    assert render_bytes(outcome, "md").decode("utf-8").startswith(f"> **{DRAFT}**\n")
    html = render_bytes(outcome, "html").decode("utf-8")
    assert f'<p class="draft">{DRAFT}</p>' in html and f'@top-center {{ content: "{DRAFT}"' in html
    pdf = tmp_path / "h.pdf"
    pdf.write_bytes(render_bytes(outcome, "pdf"))
    pages = [p for p in pdf_text(pdf).split("\f") if p.strip()]
    assert pages and all(DRAFT in squash(p) for p in pages)
    book = openpyxl.load_workbook(io.BytesIO(render_bytes(outcome, "xlsx")))
    assert [ws.oddHeader.center.text for ws in book.worksheets] == [DRAFT] * len(book.worksheets)
    document = docx.Document(io.BytesIO(render_bytes(outcome, "docx")))
    assert [s.header.paragraphs[0].text for s in document.sections] == [DRAFT] * len(document.sections)

    clean = pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    assert "草稿" not in render_bytes(clean, "md").decode("utf-8")
    assert "草稿" not in render_bytes(clean, "html").decode("utf-8").replace("有错误的表：屏幕上在顶部显示「草稿」", "")
    book = openpyxl.load_workbook(io.BytesIO(render_bytes(clean, "xlsx")))
    assert not any(ws.oddHeader.center.text for ws in book.worksheets)


def test_long_reasons_wrap_inside_the_page(pipeline, tmp_path):
    path = hostile_copy(tmp_path, reason="原因" * 600)
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(render_bytes(pipeline.run(path), "pdf"))
    text = pdf_text(pdf)
    assert squash(text).count("原因原因") > 100  # all of it is there, wrapped over lines
    assert max(len(line) for line in text.splitlines()) < 400


@pytest.mark.slow
def test_html_opens_in_headless_chromium(pipeline, tmp_path):
    """Look at the HTML as a browser shows it: a screenshot that is not blank."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is missing: run the README's test command (it installs chromium)"
    page = tmp_path / "table.html"
    page.write_bytes(render_bytes(pipeline.run(EXAMPLES / "hubei-2020-office-department.yaml"), "html"))
    shot = tmp_path / "table.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600", "--hide-scrollbars",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 30_000  # a page of table text compresses to far more than a blank page


FORMAT_SOURCES = [EXAMPLES / n for n in NAMES] + [ROOT / "tests" / "data" / "mof-project-sample.yaml"]


@pytest.mark.parametrize("path", FORMAT_SOURCES, ids=lambda p: p.name)
def test_every_format_shows_the_numbers_of_jixiao_score(pipeline, tmp_path, path):
    """PDF, Excel and Word carry the same row scores and total as `jixiao score --format json` (Excel: official sheets only)."""
    import io

    import docx
    import openpyxl

    from scoring.report import to_json

    outcome = pipeline.run(path)
    scored = to_json(outcome)
    wanted = [Decimal(r["score"]) for r in scored["indicators"] if r["score"] is not None]
    book = openpyxl.load_workbook(io.BytesIO(render_bytes(outcome, "xlsx")), data_only=True)
    numbers = [Decimal(str(c.value)) for ws in book.worksheets for row in ws.iter_rows() for c in row
               if isinstance(c.value, (int, float, Decimal)) and not isinstance(c.value, bool)]
    for score in wanted:
        assert any(abs(n - score) < Decimal("1e-9") for n in numbers), score
    word = docx.Document(io.BytesIO(render_bytes(outcome, "docx")))
    cells = {c.text for t in word.tables for r in t.rows for c in r.cells}
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(render_bytes(outcome, "pdf"))
    pdf_words = set(pdf_text(pdf).split())
    report = build_report(outcome)
    for row in report.rows:
        if row.score_text:
            assert row.score_text in cells, row.name
    if scored["total"] is not None:
        total = Decimal(scored["total"])
        assert any(abs(n - total) < Decimal("1e-9") for n in numbers)
        assert report.total_text in cells and report.total_text in pdf_words
        assert Decimal(report.total_text) == total


def test_mof_layout_has_the_central_table_blocks(pipeline):
    html = render_bytes(pipeline.run(ROOT / "tests" / "data" / "mof-project-sample.yaml"), "html").decode("utf-8")
    for text in ("项目资金（万元）", "年度资金总额", "当年财政拨款", "年度总体目标", "偏差原因分析及改进措施", "等级：优"):
        assert text in html
    assert "超出目标50.0%" in html


def test_excel_budget_amounts_are_numbers(pipeline):
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(render_bytes(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml"),
                                                          "xlsx")), data_only=True)
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert "22.873" not in values and "27.127" not in values  # not text
    numbers = {Decimal(str(v)) for v in values if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)}
    assert {Decimal("22.873"), Decimal("27.127"), Decimal(50), Decimal(100)} <= numbers


def test_no_software_footer_on_the_official_pages(pipeline):
    html = render_bytes(pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "html").decode("utf-8")
    body = html[html.index("<body>"):]
    assert "jixiao" not in body and "<footer" not in body
    assert '<meta name="generator" content="jixiao">' in html  # named in the metadata instead


def test_the_deviation_box_does_not_point_at_itself(pipeline):
    from scoring.render.layouts import deviation_box

    box = deviation_box(build_report(pipeline.run(EXAMPLES / "hubei-2020-xuncha-project.yaml")))
    assert "见表中偏差原因分析" not in box
    assert "原因及措施：见下方单位说明" in box and "\n单位说明：" in box


def test_hunan_scorecard_shows_the_unit_s_own_score(pipeline):
    """The 自评得分 column is the unit's: 5 on the 3-point 预算调整率 row, as published (G601 reports it)."""
    html = render_bytes(pipeline.run(EXAMPLES / "hunan-2021-xuncha-scorecard.yaml"), "html").decode("utf-8")
    row = html[html.index(">预算调整率<"):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'<td class="number">([^<]*)</td>', row) == ["3", "5"]


def test_review_page_only_with_review(pipeline, tmp_path):
    """Rule scores, the evaluator's judgements and the checks' findings are review content: a page of their own after
    the official one, only with `render --with-review`."""
    outcome = pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    plain = render_bytes(outcome, "md").decode("utf-8")
    assert "计分说明" not in plain and "规则得分" not in plain
    md = render_bytes(outcome, "md", with_review=True).decode("utf-8")
    official, review = md.split("## 计分说明（审核用，不属于正式附件）")
    assert official.rstrip() == plain.rstrip()
    assert "| 办公设备购置数量 | 5 | 3.18 | 3.5 | 3.5 | 实际7台，未达到调整后目标（≥11台），按完成比例 7÷11×5 ≈ 3.18分 |" in review
    assert "警告 G613 自评得分 3.5 高于规则得分 3.18" in review
    html = render_bytes(outcome, "html", with_review=True).decode("utf-8")
    assert '<section class="review">' in html and "计分说明（审核用" not in render_bytes(outcome, "html").decode()
    result = CliRunner().invoke(cli, ["render", str(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "--to", "md",
                                      "-o", str(tmp_path / "r.md"), "--with-review"])
    assert result.exit_code == 0, result.output
    assert "## 计分说明（审核用，不属于正式附件）" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_excel_review_sheet_only_with_review(pipeline):
    import io

    import openpyxl

    from scoring.render.xlsx import EXPLAIN_SHEET

    outcome = pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    plain = openpyxl.load_workbook(io.BytesIO(render_bytes(outcome, "xlsx"))).sheetnames
    reviewed = openpyxl.load_workbook(io.BytesIO(render_bytes(outcome, "xlsx", with_review=True))).sheetnames
    assert EXPLAIN_SHEET not in plain and reviewed == plain + [EXPLAIN_SHEET]
