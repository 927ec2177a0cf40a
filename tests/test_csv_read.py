"""CSV tables are read by Excel's rules: quoting, doubled quotes, line breaks in cells, the delimiter."""
import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.diagnostics import Diagnostics
from scoring.importers.csv_table import MAX_FIELD_CHARS, choose_delimiter, decode_csv, parse_csv
from scoring.importers.xlsx_form import MAX_COLS, MAX_ROWS
from scoring.pipeline import Pipeline

HEADER = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "实际完成值", "得分", "偏差原因分析"]
REASON = '他说"好"，但"进度"滞后,\n第二行：原因见附件 "3"\r\n第三行'
ROWS = [HEADER,
        ["预算执行率", "", "", "10", "100", "95", "9.5", ""],
        ["产出指标", "数量指标", "甲", "50", "≥10台", "8台", "45", REASON],
        ["效益指标", "社会效益指标", "乙", "30", "提升", "达成预期指标", "30", ""],
        ["满意度指标", "服务对象满意度指标", "丙", "10", "≥90%", "95%", "10", "无"]]


def excel_csv(rows, delimiter=",") -> str:
    """What Excel writes: QUOTE_MINIMAL, doubled quotes, CRLF line ends."""
    out = io.StringIO()
    csv.writer(out, dialect="excel", delimiter=delimiter).writerows(rows)
    return out.getvalue()


def parse(text, **kw):
    diags = Diagnostics()
    return parse_csv(text, "t.csv", diags, **kw), list(diags)


def run(tmp_path, data: bytes | str, name="t.csv"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return Pipeline().run(path)


def codes(outcome):
    return [d.code for d in outcome.diagnostics]


def only_i811(diags):
    assert [d.code for d in diags] == ["I811"]
    return diags[0]


# -- Excel's quoting -------------------------------------------------------------------------------------


def test_excel_written_file_with_bom_round_trips(tmp_path):
    text = excel_csv(ROWS)
    assert '"他说""好""' in text  # the shape testers reported: doubled quotes and a line break in a cell
    assert parse(text) == (ROWS, [])
    outcome = run(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert not outcome.has_errors, [d.format() for d in outcome.diagnostics]
    assert outcome.submission.data["indicators"][0]["reason"] == REASON.strip()
    assert [r.name for r in outcome.result.rows] == ["甲", "乙", "丙"]


def test_hand_written_quotes_and_line_breaks():
    text = ('一级指标,二级指标,三级指标,偏差原因分析\n'
            '产出指标,数量指标,甲,"他说""好""，然后\n'
            '换了一行, 还有逗号"\n'
            '产出指标,数量指标,乙,"""引号开头"\n'
            '产出指标,数量指标,丙,""\n')
    rows, diags = parse(text)
    assert diags == []
    assert rows == [["一级指标", "二级指标", "三级指标", "偏差原因分析"],
                    ["产出指标", "数量指标", "甲", '他说"好"，然后\n换了一行, 还有逗号'],
                    ["产出指标", "数量指标", "乙", '"引号开头'],
                    ["产出指标", "数量指标", "丙", ""]]


def test_a_quote_inside_an_unquoted_cell_is_a_character():
    """Excel writes 5" as it is and reads it back so: a quote opens a quoted cell only at its start."""
    rows, diags = parse('尺寸,说明\n5",他说"好" 就行\n a "b",x\n')
    assert diags == []
    assert rows == [["尺寸", "说明"], ['5"', '他说"好" 就行'], [' a "b"', "x"]]


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_line_endings(ending):
    text = ending.join(["a,b", '"x' + ending + 'y",z', "", "c,d"]) + ending
    rows, diags = parse(text)
    assert diags == []
    assert rows == [["a", "b"], ["x" + ending + "y", "z"], [], ["c", "d"]]


def test_last_line_without_line_end_and_empty_cells():
    assert parse("a,b,c\r\n,,\r\n1,,") == ([["a", "b", "c"], ["", "", ""], ["1", "", ""]], [])
    assert parse("") == ([], [])
    assert parse("\ufeff") == ([["\ufeff"]], [])  # decode_csv removes the BOM; a stray one is text


# -- malformed quoting: an error at the right line, never a silent cut ------------------------------------


def test_unterminated_quote_names_the_line_the_cell_starts_on(tmp_path):
    text = 'a,b\n1,"两行\n的原因"\n2,"没有闭合\n一直\n到末尾\n'
    rows, diags = parse(text)
    assert rows is None
    d = only_i811(diags)
    assert (d.line, d.col) == (4, 2)
    assert d.message.startswith("CSV 第 4 行：引号没有闭合（从第 4 行开始的单元格一直到文件末尾）")
    assert "（在 Excel/WPS 中是第 3 行）" in d.message  # the line break in row 2 shifts Excel's row number
    assert d.hint == "请在 Excel/WPS 中打开该文件检查这一行，然后重新另存为 CSV。"


def test_unterminated_quote_in_a_whole_table_is_reported_not_read(tmp_path):
    text = excel_csv(ROWS) + '产出指标,数量指标,丁,5,1,1,5,"原因没写完\n'
    outcome = run(tmp_path, text)
    assert codes(outcome) == ["I811"] and outcome.result is None
    assert outcome.diagnostics[0].line == 8  # 5 records, one of them on 3 lines, then this one


def test_text_after_a_closing_quote_is_an_error():
    rows, diags = parse('a,b\n1,"他说"好"了,3\n')
    assert rows is None
    d = only_i811(diags)
    assert (d.line, d.col) == (2, 2)
    assert "第 2 列的单元格在引号结束后还有「好\"了,3」" in d.message


# -- caps ---------------------------------------------------------------------------------------------


def test_a_200000_character_cell_is_an_error_not_a_crash(tmp_path):
    rows = [HEADER, ["产出指标", "数量指标", "甲", "50", "≥10台", "8台", "45", "长" * 200_000]]
    for text in (excel_csv(rows), excel_csv(rows).replace("长" * 200_000, '"长""' + "长" * 199_998 + '"')):
        result, diags = parse(text)
        assert result is None
        d = only_i811(diags)
        assert (d.line, d.col) == (2, 8)
        assert d.message == (f"CSV 第 2 行：第 8 列的单元格有 200000 个字，超过上限 {MAX_FIELD_CHARS} 个字；"
                             "请删减这个单元格的内容，或检查是否选错了文件")
    outcome = run(tmp_path, excel_csv(rows))
    assert codes(outcome) == ["I811"] and outcome.result is None


def test_a_long_quoted_cell_is_located_where_it_starts():
    text = 'a,b\n1,"' + "长\n" * (MAX_FIELD_CHARS // 2 + 1) + '"\n'
    result, diags = parse(text)
    d = only_i811(diags)
    assert (result, d.line, d.col) == (None, 2, 2)


def test_a_cell_of_exactly_the_cap_is_read(tmp_path):
    reason = "字" * MAX_FIELD_CHARS
    rows = [r[:] for r in ROWS]
    rows[2][7] = reason
    assert parse(excel_csv(rows)) == (rows, [])
    rows[2][7] = '"' + reason[1:]  # quoted, with a doubled quote: the cap counts the cell's text
    assert parse(excel_csv(rows)) == (rows, [])
    rows[2][7] = reason + "多"
    assert only_i811(parse(excel_csv(rows))[1]).col == 8
    rows[2][7] = reason
    outcome = run(tmp_path, excel_csv(rows))  # read whole; then the schema caps a reason at 5000 characters
    assert [d.code for d in outcome.diagnostics if d.severity == "error"] == ["S205"]
    assert next(d for d in outcome.diagnostics if d.code == "S205").message == \
        f"「偏差原因分析」应不超过 5000 个字，实际为 {MAX_FIELD_CHARS}"


def test_more_rows_than_the_reader_reads_is_an_error():
    text = "a,b\n" + "1,2\n" * MAX_ROWS
    rows, diags = parse(text)
    d = only_i811(diags)
    assert rows is None and d.line == MAX_ROWS + 1
    assert f"表格超过 {MAX_ROWS} 行" in d.message


def test_empty_rows_past_the_cap_are_dropped():
    text = "a,b\n" + "1,2\n" * (MAX_ROWS - 1) + ",\n" * 100 + "\n" * 100
    rows, diags = parse(text)
    assert diags == [] and len(rows) == MAX_ROWS


def test_empty_trailing_columns_are_not_an_error(tmp_path):
    rows = [r + [""] * 300 for r in ROWS]
    assert parse(excel_csv(rows)) == (rows, [])
    outcome = run(tmp_path, excel_csv(rows))
    assert not outcome.has_errors, [d.format() for d in outcome.diagnostics]


def test_content_beyond_the_columns_read_is_an_error():
    rows = [[""] * (MAX_COLS + 2) + HEADER, [""] * (MAX_COLS + 2) + ROWS[2]]
    result, diags = parse(excel_csv(rows))
    d = only_i811(diags)
    assert (result, d.line, d.col) == (None, 1, MAX_COLS + 3)
    assert f"第 {MAX_COLS + 3} 列还有内容「一级指标」，超出读取范围（最多 {MAX_COLS} 列）" in d.message


# -- the delimiter -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_files(tmp_path, delimiter):
    rows = [r[:] for r in ROWS]
    rows[4][7] = "1,000 份问卷，满意 950 份"  # commas in the text do not make it comma-separated
    text = excel_csv(rows, delimiter)
    assert choose_delimiter(text) == delimiter
    assert parse(text) == (rows, [])
    outcome = run(tmp_path, text)
    assert not outcome.has_errors, [d.format() for d in outcome.diagnostics]
    assert [r.name for r in outcome.result.rows] == ["甲", "乙", "丙"]


def test_european_excel_decimal_commas_stay_in_their_cells():
    text = "一级指标;二级指标;三级指标;分值;得分\n预算执行率;;;10;9,5\n产出指标;数量指标;甲;50;45,5\n"
    assert choose_delimiter(text) == ";"
    assert parse(text)[0][1] == ["预算执行率", "", "", "10", "9,5"]


def test_title_lines_above_the_header(tmp_path):
    text = "项目支出绩效自评表\r\n（2023年度）\r\n\r\n" + excel_csv(ROWS)
    rows, diags = parse(text)
    assert diags == [] and rows[:4] == [["项目支出绩效自评表"], ["（2023年度）"], [], HEADER]
    outcome = run(tmp_path, text)
    assert not outcome.has_errors, [d.format() for d in outcome.diagnostics]
    assert outcome.submission.data["indicators"][0]["reason"] == REASON.strip()


def test_delimiters_inside_quoted_cells_do_not_count():
    header = "一级指标,二级指标,三级指标,说明"
    text = header + '\n"a;b;c;d;e","1;2;3;4;5","x;y;z;w;v",";;;;"\n'
    assert choose_delimiter(text) == ","
    assert choose_delimiter('标题\n"a,b,c"\t"d,e"\tf\n"g,h"\ti\tj\n') == "\t"


def test_comma_wins_ties_and_full_width_comma_only_when_nothing_else_fits():
    assert choose_delimiter("a,b;c\n1,2;3\n") == ","
    assert choose_delimiter("a\tb,c\n1\t2,3\n") == ","
    assert choose_delimiter("标题\n") == ","
    assert choose_delimiter("一级指标，二级指标，三级指标\n产出指标，数量指标，甲\n") == "，"
    assert choose_delimiter("一级指标，二级指标，三级指标\n1,000，数量指标，甲\n效益，社会，乙\n") == "，"
    # a comma table whose cells hold Chinese text with full-width commas stays a comma table
    assert choose_delimiter("a,b,c\n完成，好，是,2,3\n未完成，原因，见，附件,2,3\n") == ","


# -- encodings -------------------------------------------------------------------------------------------


def test_gbk_file_is_still_read(tmp_path):
    text = excel_csv(ROWS).replace("≥", ">=")
    outcome = run(tmp_path, text.encode("gbk"))
    assert codes(outcome).count("I807") == 1 and not outcome.has_errors
    assert outcome.submission.data["indicators"][0]["reason"] == REASON.strip()


def test_decode_csv():
    diags = Diagnostics()
    assert decode_csv("\ufeffa,b".encode("utf-8"), "t.csv", diags) == "a,b"
    assert decode_csv("表".encode("gbk"), "t.csv", diags) == "表"
    assert decode_csv(b"\xff\xfe\xff\x00\x81", "t.csv", diags) is None
    assert [d.code for d in diags] == ["I807", "I808"]


# -- properties -------------------------------------------------------------------------------------------

CELLS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.text('",;\t\r\n， a"长', max_size=12)
ROW_LISTS = st.lists(st.lists(CELLS, max_size=6), max_size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROW_LISTS)
def test_whatever_excel_writes_reads_back(rows):
    text = excel_csv(rows)
    assert parse(text, delimiter=",") == (rows, [])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([",", "\t", ";"]), st.integers(2, 6), st.data())
def test_the_delimiter_is_found_in_tables_of_equal_width(delimiter, width, data):
    plain = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=",\t;，"), max_size=10)
    header = [f"列{i}" for i in range(width)]
    rows = [header] + data.draw(st.lists(st.lists(plain, min_size=width, max_size=width), max_size=6))
    text = excel_csv(rows, delimiter)
    assert choose_delimiter(text) == delimiter
    assert parse(text) == (rows, [])


@settings(max_examples=400, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",))) | st.text('",;\t\r\n，a长', max_size=60))
def test_never_raises(text):
    rows, diags = parse(text)
    assert (rows is None) == (["I811"] == [d.code for d in diags])
    assert not any("无法按 CSV 格式读取这一行" in d.message for d in diags)  # every problem is named
    assert rows is None or all(isinstance(cell, str) for row in rows for cell in row)
