"""Invisible characters in untrusted text: escaped on the terminal, reported (V511), removed from every attachment."""
import copy
import csv
import io
import json
import re
import subprocess
import shutil
import zipfile
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES
from scoring.cli import cli
from scoring.diagnostics import Diagnostics
from scoring.display import INVISIBLE, SafeStream, find_invisible, has_invisible, strip_invisible, terminal_safe
from scoring.importers.export import dump_yaml
from scoring.render.output import render_bytes
from scoring.render.view import RenderError, build_report
from scoring.review import render_text, render_xlsx, review_outcome
from scoring.yamlload import load_file

SHANXI = EXAMPLES / "shanxi-2023-xuncha-project.yaml"
ESC_UNIT = "某单位\x1b]0;hacked\x07\x1b[2J"
RLO = "\u202e"
SURROGATES = {c for c in INVISIBLE if 0xD800 <= ord(c) <= 0xDFFF}


def invisible_in(text: str) -> set[str]:
    return {c for c in text if c in INVISIBLE}


# -- the set ----------------------------------------------------------------------------------------

def test_invisible_set_holds_what_it_should():
    required = [chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0), 0x061C, 0x200E,
                                 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0xFEFF,
                                 0x200B, 0x200C, 0x200D, 0x00AD, 0x2060, 0x3164, 0xE0001, 0xE0041, 0xD800, 0xDFFF]]
    assert not [hex(ord(c)) for c in required if c not in INVISIBLE]
    kept = ["\n", "\t", " ", "\u3000", "\u00a0", "\ufe0f", "\U000e0100", "\u180e", "中", "𠀀", "😀", "\ufffd"]
    assert not [hex(ord(c)) for c in kept if c in INVISIBLE]


# -- terminal_safe ----------------------------------------------------------------------------------

def test_terminal_safe_escapes_ansi_and_osc_sequences():
    assert terminal_safe(ESC_UNIT) == "某单位\\u001b]0;hacked\\u0007\\u001b[2J"
    assert terminal_safe("a\u202eb\u0085c\u009bd\u2028e") == "a\\u202eb\\u0085c\\u009bd\\u2028e"


def test_terminal_safe_keeps_newlines_tabs_and_crlf_but_not_a_lone_cr():
    assert terminal_safe("第一行\n\t第二行\r\n第三行") == "第一行\n\t第二行\r\n第三行"
    assert terminal_safe("进度 10%\r进度 100%") == "进度 10%\\u000d进度 100%"
    assert terminal_safe("结尾\r") == "结尾\\u000d"


def test_terminal_safe_shows_lone_surrogates_and_characters_beyond_the_bmp():
    assert terminal_safe("表\udcb1\udced.yaml") == "表\\udcb1\\udced.yaml"
    # a tag character: the UTF-16 pair, which JSON reads back as the same character
    assert terminal_safe("a\U000e0041b") == "a\\udb40\\udc41b"
    assert json.loads('"' + terminal_safe("a\U000e0041b") + '"') == "a\U000e0041b"


def test_terminal_safe_returns_clean_text_itself():
    text = "中共长治市上党区委巡察工作办公室：92.07 分\n"
    assert terminal_safe(text) is text
    assert strip_invisible(text) is text


@settings(max_examples=300, deadline=None)
@given(st.text())  # surrogates included
def test_terminal_safe_leaves_no_invisible_character_and_json_keeps_its_meaning(text):
    shown = terminal_safe(text)
    assert invisible_in(shown.replace("\r\n", "\n")) == set()
    data = {"unit": text, "rows": [text, {"reason": text}]}
    printed = terminal_safe(json.dumps(data, ensure_ascii=False))
    assert invisible_in(printed) == set()
    assert json.loads(printed) == data


# -- strip_invisible / find_invisible ------------------------------------------------------------------

def test_strip_invisible_deletes_and_keeps_line_breaks():
    assert strip_invisible(ESC_UNIT) == "某单位]0;hacked[2J"
    assert strip_invisible("原因\u202e反\u200b转\ufeff\n\t措施\r\n完") == "原因反转\n\t措施\n完"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_strip_invisible_removes_exactly_the_invisible_characters(text):
    stripped = strip_invisible(text)
    assert stripped == "".join(c for c in text if c not in INVISIBLE)
    assert strip_invisible(stripped) == stripped
    assert bool(find_invisible(text)) == has_invisible(text)
    if not find_invisible(text):
        assert invisible_in(text.replace("\r\n", "")) == set()


def test_find_invisible_names_each_character_once_in_order():
    assert find_invisible(ESC_UNIT + RLO + "\x1b") == ["U+001B（ESC，终端控制序列）", "U+0007（响铃）", "U+202E（从右向左覆盖）"]
    assert find_invisible("a\u200db\u2066c\U000e0041\x01\udc80") == [
        "U+200D（零宽连字）", "U+2066（从左向右隔离）", "U+E0041", "U+0001（控制字符）", "U+DC80（无效的代理字符）"]
    assert find_invisible("第一行\r\n第二行\t") == []
    assert find_invisible("第一行\r第二行") == ["U+000D（回车符）"]
    assert find_invisible("") == []


# -- SafeStream ----------------------------------------------------------------------------------------

class Terminal(io.StringIO):
    """A StringIO that says it is a terminal, so click leaves escape sequences in for the stream to see."""

    def isatty(self):
        return True


def test_click_echo_through_safe_stream_shows_escapes():
    screen = Terminal()
    click.echo(f"单位：{ESC_UNIT}", file=SafeStream(screen))
    assert screen.getvalue() == "单位：某单位\\u001b]0;hacked\\u0007\\u001b[2J\n"
    assert "\x1b" not in screen.getvalue()


def test_click_echo_to_a_pipe_through_safe_stream():
    pipe = io.StringIO()  # not a terminal: click removes CSI sequences itself, but not OSC ones
    click.echo(f"单位：{ESC_UNIT}{RLO}", file=SafeStream(pipe))
    assert invisible_in(pipe.getvalue()) == set()
    assert "\\u001b]0;hacked\\u0007" in pipe.getvalue() and "\\u202e" in pipe.getvalue()


def test_json_through_safe_stream_is_the_same_data():
    data = {"unit": ESC_UNIT, "reason": f"原因{RLO}反转\u2028\u0085", "file": "表\udcb1.yaml", "tag": "\U000e0041",
            "lines": "a\r\nb\tc"}
    screen = Terminal()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2), file=SafeStream(screen))
    assert invisible_in(screen.getvalue()) == set()
    assert json.loads(screen.getvalue()) == data


def test_safe_stream_delegates_everything_but_write(tmp_path):
    raw = io.BytesIO()
    wrapped = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    stream = SafeStream(wrapped)
    assert stream.write(f"x{RLO}y\n") == 4
    print("甲\x1b[2J", file=stream)
    stream.writelines(["\x07", "乙\n"])
    stream.flush()
    assert raw.getvalue().decode("utf-8") == "x\\u202ey\n甲\\u001b[2J\n\\u0007乙\n"
    assert stream.buffer is raw and stream.encoding == "utf-8" and stream.isatty() is False
    assert stream.wrapped is wrapped
    with pytest.raises(io.UnsupportedOperation):
        stream.fileno()
    with open(tmp_path / "out.txt", "w", encoding="utf-8") as fh:
        safe = SafeStream(fh)
        assert safe.fileno() == fh.fileno() and safe.writable()
        safe.write("\x1b[2J完")
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "\\u001b[2J完"



def test_an_ascii_stream_is_not_written_around():
    """click writes UTF-8 to `.buffer` itself when a stream says ASCII; the wrapper must not be bypassed."""
    raw = io.BytesIO()
    stream = SafeStream(io.TextIOWrapper(raw, encoding="ascii", errors="strict"))
    assert stream.encoding == "utf-8"
    stream.write("甲")
    click.echo(f"单位：{ESC_UNIT}", file=stream, color=True)
    click.echo(b"\x1b bytes pass", file=stream)
    stream.flush()
    assert raw.getvalue().decode("utf-8") == "甲单位：某单位\\u001b]0;hacked\\u0007\\u001b[2J\n\x1b bytes pass\n"

# -- V511 and the attachments ----------------------------------------------------------------------------

def hostile_yaml(tmp_path, name="hostile.yaml", implementer=False) -> Path:
    """The 山西 example with an escape sequence in the unit (written with YAML's \\u escapes, as a tester would)
    and U+202E in one reason; `implementer`: the escape sequence in the 预算单位 too, which the 山西 layout prints."""
    text = SHANXI.read_text(encoding="utf-8")
    hostile = 'unit: "某单位\\u001b]0;hacked\\u0007\\u001b[2J"'
    text = text.replace("unit: 中共长治市上党区委巡察工作办公室", hostile)
    if implementer:
        text = text.replace("implementer: 001003-中共长治市上党区委巡察工作办公室", "implementer" + hostile[4:])
    text = text.replace("reason: 实际购置设备数量小于计划数量", f"reason: 实际购置设备{RLO}数量小于计划数量")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_v511_names_the_field_and_its_line(pipeline, tmp_path):
    path = hostile_yaml(tmp_path)
    outcome = pipeline.run(path)
    found = [d for d in outcome.diagnostics if d.code == "V511"]
    assert [(d.line, d.severity) for d in found] == [(line_of(path, "unit:"), "warning"),
                                                     (line_of(path, "reason: 实际购置设备"), "warning")]
    unit, reason = found
    assert unit.message == "单位名称含有看不见的控制字符（U+001B（ESC，终端控制序列）、U+0007（响铃）），生成的附件中已删除"
    assert unit.path == "单位名称" and unit.file == str(path)
    assert reason.message == ("指标「办公设备购置数量」的偏差原因分析含有看不见的控制字符（U+202E（从右向左覆盖）），"
                              "生成的附件中已删除")
    assert reason.path.endswith("指标「办公设备购置数量」 > 偏差原因分析")
    assert outcome.result.total is not None  # a warning: the table is still scored


def test_v511_for_keys_goals_sources_and_unnamed_rows(pipeline, tmp_path):
    data = load_file(SHANXI, Diagnostics()).data
    data["narrative"] = {f"项目{RLO}完成情况": "按计划完成", "绩效目标": "第一行\r\n第二行"}  # CRLF is a line break
    data["goals"][0]["actual"] = "完成\u200b全覆盖"
    data["budget"]["sources"][0]["name"] = "市惠区\u2028财政资金"
    data["indicators"][2]["name"] = "\u3164"
    path = tmp_path / "keys.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    outcome = pipeline.run(path)
    found = {d.message.split("含有")[0]: d for d in outcome.diagnostics if d.code == "V511"}
    assert set(found) == {"绩效分析的标题「项目完成情况」", "年度目标1的实际完成值",
                          "预算执行情况的资金来源「市惠区财政资金」的名称", "第3个指标的名称"}
    assert found["绩效分析的标题「项目完成情况」"].line == line_of(path, "完成情况")
    assert all(d.line is not None for d in found.values())


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_examples_have_no_v511(pipeline, name):
    assert not [d for d in pipeline.run(EXAMPLES / name).diagnostics if d.code == "V511"]


def xml_text(data: bytes) -> str:
    """Every XML part of an .xlsx/.docx, with character references and OOXML _xHHHH_ escapes decoded."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.filename.endswith((".xml", ".rels")):
                parts.append(z.read(info).decode("utf-8"))
    text = "\n".join(parts)
    text = re.sub(r"&#x([0-9a-fA-F]+);", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"&#([0-9]+);", lambda m: chr(int(m.group(1))), text)
    return re.sub(r"_x([0-9a-fA-F]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def rendered_text(outcome, fmt: str) -> str:
    data = render_bytes(outcome, fmt)
    return data.decode("utf-8") if fmt in ("html", "md") else xml_text(data)


@pytest.mark.parametrize("fmt", ["html", "md", "xlsx", "docx"])
def test_every_format_drops_the_invisible_characters(pipeline, tmp_path, fmt):
    outcome = pipeline.run(hostile_yaml(tmp_path, implementer=True))
    assert len([d for d in outcome.diagnostics if d.code == "V511"]) == 3
    text = rendered_text(outcome, fmt)
    assert invisible_in(text) == set()
    assert "实际购置设备数量小于计划数量" in text and "0;hacked" in text
    report = build_report(outcome)
    assert report.unit == report.implementer == "某单位]0;hacked[2J"


@pytest.mark.slow
def test_pdf_drops_the_invisible_characters(pipeline, tmp_path):
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: run the README's test command (it installs poppler-utils)"
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(render_bytes(pipeline.run(hostile_yaml(tmp_path, implementer=True)), "pdf"))
    text = subprocess.run([tool, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert invisible_in(text) - {"\x0c"} == set()  # form feeds: pdftotext's page breaks
    squashed = re.sub(r"\s+", "", text)
    assert "某单位]0;hacked[2J" in squashed and "实际购置设备数量小于计划数量" in squashed


def test_review_text_and_workbook_drop_them(pipeline, tmp_path):
    data = load_file(hostile_yaml(tmp_path), Diagnostics()).data
    data["indicators"][0]["name"] = f"办公设备{RLO}购置\x1b[2J数量"  # G603 names this row
    path = tmp_path / "review.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    review = review_outcome(pipeline.run(path))
    assert any(RLO in f.indicator for f in review.findings)
    text = render_text([review])
    assert invisible_in(text) == set() and "「办公设备购置[2J数量」" in text
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx([review])))
    values = [c for row in wb.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "办公设备购置[2J数量" in values
    assert invisible_in("".join(values)) == set()


def test_batch_outputs_drop_or_escape_them(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    hostile_yaml(folder)
    shutil.copy(folder / "hostile.yaml", folder / f"重复{RLO}.yaml")  # B901: its unit goes into errors.csv
    (folder / f"坏{RLO}表.yaml").write_text("set: [\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(folder), "-o", str(out), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    for name in ("results.csv", "errors.csv"):
        text = (out / name).read_text(encoding="utf-8-sig")
        assert invisible_in(text.replace("\r\n", "\n")) == set(), name
    with open(out / "errors.csv", encoding="utf-8-sig", newline="") as fh:
        errors = list(csv.DictReader(fh))
    # file names keep the character, escaped, so two names never look alike
    assert {Path(row["文件"]).name for row in errors} >= {"坏\\u202e表.yaml", "重复\\u202e.yaml"}
    assert any("某单位]0;hacked[2J" in row["说明"] for row in errors)
    assert invisible_in((out / "summary.html").read_text(encoding="utf-8")) == set()
    assert invisible_in(xml_text((out / "summary.xlsx").read_bytes())) == set()
    assert "某单位]0;hacked[2J" in (out / "results.csv").read_text(encoding="utf-8-sig")


# -- any text at all ---------------------------------------------------------------------------------------

DANGEROUS = sorted(INVISIBLE - SURROGATES) + ["\n", "\t", "\r\n", "\x1b[2J", "\x1b]0;x\x07", "=", "<b>", "&", "|"]
texts = st.lists(st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(DANGEROUS)),
                 max_size=12).map("".join)
BASE = load_file(SHANXI, Diagnostics()).data


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=texts, project=texts, name=texts, target=texts, actual=texts, reason=texts)
def test_any_text_renders_without_invisible_characters(pipeline, tmp_path_factory, unit, project, name, target,
                                                       actual, reason):
    data = copy.deepcopy(BASE)
    data["unit"] = "甲" + unit
    data["project"] = project
    row = data["indicators"][1]
    row.update(name="指标" + name, target=target, actual=actual, reason=reason)
    path = tmp_path_factory.mktemp("any") / "sub.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    outcome = pipeline.run(path)
    if outcome.submission is not None:
        loaded = outcome.submission.data["unit"]
        v511 = [d for d in outcome.diagnostics if d.code == "V511" and d.message.startswith("单位名称含有")]
        assert bool(v511) == (outcome.result is not None and has_invisible(loaded))
    for fmt in ("html", "md", "xlsx", "docx"):
        try:
            text = rendered_text(outcome, fmt)
        except RenderError:
            assert outcome.result is None
            continue
        assert invisible_in(text.replace("\r\n", "\n")) == set(), fmt
