"""Batch summary: aggregates, the 决算公开 sentence, summary.html (SVG chart, escaping) and summary.xlsx."""
import io
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from conftest import EXAMPLES
from scoring.batch import summary as summary_module
from scoring.batch.record import FAILED, SCORED, UNSCORED, Discrepancy, FileRecord, RowLoss, record_from_outcome
from scoring.batch.summary import PROJECT_COLUMNS, UNFILLED_DEPARTMENT, Summary, project_row
from scoring.batch.summary_render import SHEETS, build_chart, summary_html, summary_xlsx

D = Decimal


def scored(file, total, grade, funds=None, **fields):
    return FileRecord(file=file, status=SCORED, total=D(total), grade=grade,
                      funds=None if funds is None else D(funds), **fields)


def summary_of(*records, top_n=20):
    s = Summary(top_n=top_n)
    for r in records:
        s.add(r)
    return s


def hand_built():
    return summary_of(
        scored("a.yaml", "95.5", "优", "100.125", unit="甲单位", year="2023", department="财政局"),
        scored("b.yaml", "91", "优秀", "0.5", unit="乙单位", year="2023"),
        scored("c.yaml", "85", "良好", "1000", unit="丙单位", year="2023", department="教育局"),
        scored("d.yaml", "70", "中", None, unit="丁单位", year="2023", department="教育局"),
        scored("e.yaml", "40", "差", "3", unit="戊单位", year="2023", department="财政局"),
        FileRecord(file="f.yaml", status=UNSCORED, funds=D("77"), unit="己单位", year="2023"),
        FileRecord(file="g.yaml", status=FAILED, errors=2, warnings=1),
    )


def test_sentence_counts_scored_tables_and_maps_long_grade_names():
    s = hand_built()
    # 100.125 + 0.5 + 1000 + 3 = 1103.625 → 1103.63 (ROUND_HALF_UP); the unscored table's 77 is not counted
    assert s.sentence() == "共5个项目开展绩效自评，涉及资金1103.63万元，其中优2个、良1个、中1个、差1个"
    assert (s.inputs, s.scored, s.unscored, s.failed, s.with_errors, s.with_warnings) == (7, 5, 1, 1, 1, 1)
    assert s.scored_without_funds == 1


def test_sentence_of_an_empty_batch():
    assert Summary().sentence() == "共0个项目开展绩效自评，涉及资金0.00万元，其中优0个、良0个、中0个、差0个"


def test_grade_table_keeps_printed_labels_in_grade_order():
    s = hand_built()
    rows = [(g.label, g.count, g.funds) for g in s.grades()]
    assert rows == [("优", 1, D("100.125")), ("优秀", 1, D("0.5")), ("良好", 1, D("1000")),
                    ("中", 1, D("0")), ("差", 1, D("3"))]
    assert s.grade_counts() == {"优": 2, "良": 1, "中": 1, "差": 1}


def test_grade_table_lists_missing_canonical_grades_with_zero():
    s = summary_of(scored("a", "95", "优", "1"), scored("b", "82", "良", "2"))
    assert [(g.label, g.count) for g in s.grades()] == [("优", 1), ("良", 1), ("中", 0), ("差", 0)]


def test_departments_sorted_with_unfilled_last_and_mean_rounded_half_up():
    s = summary_of(
        scored("a", "80", "良", "1", department="教育局"),
        scored("b", "81.01", "良", "2.5", department=" 教育局 "),
        scored("c", "90", "优", "3", department="财政局"),
        FileRecord(file="d", status=FAILED, department="财政局"),
        scored("e", "60", "中", "4"),
    )
    rows = s.departments()
    assert [r.name for r in rows] == sorted(["教育局", "财政局"]) + [UNFILLED_DEPARTMENT]
    edu = next(r for r in rows if r.name == "教育局")
    assert (edu.tables, edu.scored, edu.funds, edu.mean_total, edu.grades) == (2, 2, D("3.5"), D("80.51"), {"良": 2})
    fin = next(r for r in rows if r.name == "财政局")
    assert (fin.tables, fin.scored, fin.failed, fin.mean_total) == (2, 1, 1, D("90.00"))


def test_distribution_bins_edges_and_full_marks():
    s = summary_of(*(scored(f"f{i}", t, "优") for i, t in enumerate(
        ["0", "59.99", "60", "69.5", "79.99", "80", "89.99", "90", "99.5", "100", "100"])))
    assert [(b.label, b.count) for b in s.distribution()] == [
        ("0–60", 2), ("60–70", 2), ("70–80", 1), ("80–90", 2), ("90–100", 4)]
    assert s.full_marks == 2 and s.out_of_range == 0


def test_duplicate_by_normalised_unit_project_year():
    s = Summary()
    first = FileRecord(file="一/a.yaml", unit="中共某区委（巡察办）", project="巡察 经费", year="2023")
    again = FileRecord(file="二/a.yaml", unit=" 中共某区委(巡察办) ", project="巡察经费", year="２０２３")
    other_year = FileRecord(file="三/a.yaml", unit="中共某区委（巡察办）", project="巡察经费", year="2022")
    no_key = FileRecord(file="坏.yaml")
    assert s.add(first) is None
    assert s.add(again) == "一/a.yaml"
    assert s.add(other_year) is None
    assert s.add(no_key) is None and s.add(FileRecord(file="坏2.yaml")) is None
    assert [(d.file, d.earlier, d.key) for d in s.duplicates] == [
        ("二/a.yaml", "一/a.yaml", ("中共某区委(巡察办)", "巡察经费", "2023"))]


def test_top_losses_by_total_then_name():
    def losses(*items):
        return [RowLoss(l1, l2, name, D(10), D(lost)) for l1, l2, name, lost in items]

    s = summary_of(
        scored("a", "90", "优", losses=losses(("产出", "数量", "乙", "2"), ("产出", "数量", "甲", "1"),
                                             ("预算执行", "", "预算执行率", "1.5"))),
        scored("b", "90", "优", losses=losses(("产出", "数量", "甲", "1"), ("预算执行", "", "预算执行率", "2.25"))),
        scored("c", "90", "优", losses=losses(("产出", "数量", "丙", "0.5"))),
        FileRecord(file="d", status=UNSCORED, losses=losses(("产出", "数量", "丁", "50"))),  # not scored: not counted
        top_n=3,
    )
    top = [(x.name, x.lost, x.tables, x.mean) for x in s.top_losses()]
    assert top == [("预算执行率", D("3.75"), 2, D("1.88")), ("乙", D("2"), 1, D("2.00")), ("甲", D("2"), 2, D("1.00"))]


def test_indicator_cap_keeps_the_largest(monkeypatch):
    monkeypatch.setattr(summary_module, "MAX_INDICATORS", 10)
    s = Summary()
    s.add(scored("big", "50", "差", losses=[RowLoss("产出", "数量", "大失分", D(40), D(40))]))
    for i in range(30):
        s.add(scored(f"f{i}", "99", "优", losses=[RowLoss("产出", "数量", f"小{i:02}", D(1), D("0.5"))]))
    assert s.indicators_approximate
    assert len(s._indicators) <= 10
    assert s.top_losses()[0].name == "大失分"


def test_top_gaps_bounded_and_ordered_by_absolute_gap():
    records = [scored(f"t{i}.yaml", "80", "良", printed_total=D("80") + D(gap))
               for i, gap in enumerate(["1", "-5", "0", "2.5", "-0.5", "3"])]
    records.append(scored("rows.yaml", "90", "优", printed_total=D("90"),
                          discrepancies=[Discrepancy("办公设备购置数量", D("3.5"), D("3.18"))]))
    s = summary_of(*records, top_n=4)
    top = s.top_gaps()
    assert [(e.file, e.gap) for e in top] == [("t1.yaml", D("-5")), ("t5.yaml", D("3")), ("t3.yaml", D("2.5")),
                                              ("t0.yaml", D("1"))]
    s = summary_of(*records, top_n=10)
    assert [e.file for e in s.top_gaps()][-2:] == ["t4.yaml", "rows.yaml"]  # gap 0 with row differences comes last
    assert s.top_gaps()[-1].discrepancies == (Discrepancy("办公设备购置数量", D("3.5"), D("3.18")),)
    assert "t2.yaml" not in [e.file for e in s.top_gaps()]


def test_project_row_neutralises_text_but_not_negative_numbers():
    r = scored("=cmd.yaml", "80.5", "良", "-12.5", unit="@单位", department="+部门", project="项目", year="2023",
               printed_total=D("79"), set_id="mof-project", errors=1, warnings=2)
    row = project_row(r)
    assert len(row) == len(PROJECT_COLUMNS)
    values = dict(zip(PROJECT_COLUMNS, row))
    assert values["文件"] == "'=cmd.yaml" and values["单位"] == "'@单位" and values["主管部门"] == "'+部门"
    assert values["资金（万元）"] == "-12.5" and values["差额"] == "-1.5" and values["计算总分"] == "80.5"
    assert (values["错误"], values["警告"], values["状态"], values["等级"]) == ("1", "2", "已计分", "良")
    assert project_row(FileRecord(file="x"))[-1] == "未能计分"


# -- from the real examples -------------------------------------------------------------------

@pytest.fixture(scope="module")
def examples_summary():
    from scoring.pipeline import Pipeline

    pipeline = Pipeline()
    s, rows = Summary(), []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        record = record_from_outcome(pipeline.run(path), path.name)
        assert s.add(record) is None
        rows.append(project_row(record))
    return s, rows


def test_examples_summary(examples_summary):
    s, _rows = examples_summary
    # 6577.19 + 474.00 + 396 + 256 + 232.13 + 50; the two 四川 tables are not scored
    assert s.sentence() == "共6个项目开展绩效自评，涉及资金7985.32万元，其中优5个、良1个、中0个、差0个"
    assert (s.inputs, s.scored, s.unscored, s.failed) == (8, 6, 2, 0)
    assert [(b.label, b.count) for b in s.distribution()] == [
        ("0–60", 0), ("60–70", 0), ("70–80", 0), ("80–90", 1), ("90–100", 5)]
    assert s.top_losses()[0].name == "预算执行率" and s.top_losses()[0].tables == 5
    assert {e.file for e in s.top_gaps()} == {"hubei-2020-office-department.yaml", "shanxi-2023-xuncha-project.yaml"}


class _Elements(HTMLParser):
    """Every start tag with its attributes, and all text, of an HTML page."""

    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(html):
    parser = _Elements()
    parser.feed(html)
    return parser


def chart_of(html):
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ET.fromstring(html[start:end])  # the inline SVG must be well-formed XML on its own


SVG = "{http://www.w3.org/2000/svg}"


def test_svg_chart_has_one_bar_per_bin_with_its_count(examples_summary):
    s, _rows = examples_summary
    svg = chart_of(summary_html(s))
    groups = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "bin"]
    assert [(g.get("data-bin"), g.get("data-count")) for g in groups] == [
        ("0–60", "0"), ("60–70", "0"), ("70–80", "0"), ("80–90", "1"), ("90–100", "5")]
    for g in groups:
        bars = [r for r in g.iter(f"{SVG}rect") if r.get("class") == "bar"]
        texts = {t.get("class"): t.text for t in g.iter(f"{SVG}text")}
        assert len(bars) == 1
        assert texts == {"count": g.get("data-count"), "bin-label": g.get("data-bin")}
    heights = [int(r.get("height")) for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert heights[:3] == [0, 0, 0] and heights[3] > 0
    assert abs(heights[4] - 5 * heights[3]) < 5  # 1 : 5, up to whole-pixel rounding
    assert svg.find(f"{SVG}title").text == "计算总分分布（已计分的表）"


def test_chart_scale_reaches_the_top_tick():
    s = summary_of(*(scored(f"f{i}", "95", "优") for i in range(7)), scored("x", "65", "中"))
    chart = build_chart(s)
    assert [t.value for t in chart.ticks] == [0, 2, 4, 6, 8]
    top_bar = chart.bars[-1]
    assert top_bar.count == 7 and chart.bottom - top_bar.height > chart.top  # 7 of 8: below the top line
    assert chart.bars[1].height * 7 == pytest.approx(top_bar.height, abs=7)


def test_empty_summary_renders():
    html = summary_html(Summary())
    svg = chart_of(html)
    assert any(t.get("class") == "empty" for t in svg.iter(f"{SVG}text"))
    assert "共0个项目开展绩效自评" in html
    wb = load_workbook(io.BytesIO(summary_xlsx(Summary(), [])))
    assert wb["项目清单"].max_row == 1


def test_html_sections_and_problem_note(examples_summary):
    s, _rows = examples_summary
    parsed = parse_html(summary_html(s, title="2023年度绩效自评汇总"))
    text = "".join(parsed.text)
    assert "共6个项目开展绩效自评，涉及资金7985.32万元，其中优5个、良1个、中0个、差0个" in text
    assert "errors.csv" in text  # the 湖南 table has an error
    tables = [a.get("class") for t, a in parsed.tags if t == "table"]
    assert tables == ["counts", "grades", "departments", "losses", "gaps"]  # no duplicates table: none found
    assert "没有同一单位、项目、年度重复报送的文件。" in text
    assert ("meta", {"charset": "utf-8"}) in parsed.tags
    assert not any(t == "link" or (t == "script") for t, _a in parsed.tags)  # self-contained, no scripts


def hostile_summary():
    evil = "<script>alert('x')</script>"
    return summary_of(
        scored("a.yaml", "95", "优", "1", unit=f"{evil}单位", project="项目", year="2023", department=f"<b>{evil}</b>",
               printed_total=D("96"), discrepancies=[Discrepancy(f"{evil}指标", D(5), D(4))],
               losses=[RowLoss(evil, "", evil, D(5), D(1))]),
        scored(f"{evil}.yaml", "95", "<i>优</i>", "1", unit=f"{evil}单位", project="项目", year="2024",
               printed_total=D("97")),
    ), evil


def test_untrusted_text_is_escaped_in_html():
    s, evil = hostile_summary()
    html = summary_html(s, title=f"<title>{evil}")
    parsed = parse_html(html)
    assert not any(t in ("script", "b", "i") for t, _a in parsed.tags)
    text = "".join(parsed.text)
    for shown in (f"{evil}单位", f"<b>{evil}</b>", f"{evil}指标", f"{evil}.yaml", "<i>优</i>"):
        assert shown in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_summary_xlsx_reads_back(examples_summary):
    s, rows = examples_summary
    wb = load_workbook(io.BytesIO(summary_xlsx(s, iter(rows))))
    assert wb.sheetnames == list(SHEETS) == ["汇总", "部门", "失分指标", "自评差异", "重复报送", "项目清单"]
    assert wb["汇总"]["A2"].value == s.sentence()
    projects = list(wb["项目清单"].iter_rows(values_only=True))
    assert list(projects[0]) == PROJECT_COLUMNS
    assert len(projects) == 9
    shanxi = dict(zip(PROJECT_COLUMNS, next(p for p in projects if p[0] == "shanxi-2023-xuncha-project.yaml")))
    assert shanxi["计算总分"] == pytest.approx(92.07) and isinstance(shanxi["资金（万元）"], (int, float))
    assert (shanxi["等级"], shanxi["警告"], shanxi["状态"]) == ("优", 4, "已计分")  # D703, G613, D705 ×2
    grades = {row[0]: row[1:] for row in wb["汇总"].iter_rows(values_only=True) if row[0] in ("优", "优秀", "良", "中")}
    assert grades["优秀"][0] == 1 and grades["优"][0] == 4 and grades["中"][0] == 0
    losses = list(wb["失分指标"].iter_rows(values_only=True))
    assert losses[1][:4] == (1, "预算执行", None, "预算执行率")


def test_summary_xlsx_neutralises_formulas():
    s, evil = hostile_summary()
    s.add(scored("=HYPERLINK(\"http://x\").yaml", "70", "中", unit="-2+3", department="=1+1", year="2023"))
    rows = [project_row(scored("=HYPERLINK(\"http://x\").yaml", "70", "中", unit="@SUM(A1)", year="2023",
                               printed_total=D("69")))]
    wb = load_workbook(io.BytesIO(summary_xlsx(s, rows)))
    projects = list(wb["项目清单"].iter_rows(values_only=True))
    assert projects[1][:2] == ("'=HYPERLINK(\"http://x\").yaml", "'@SUM(A1)")
    assert projects[1][PROJECT_COLUMNS.index("差额")] == -1
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), f"{ws.title}!{cell.coordinate}"
    departments = [row[0] for row in wb["部门"].iter_rows(values_only=True)]
    assert "'=1+1" in departments and f"<b>{evil}</b>" in departments
