"""Hostile and unlucky inputs (issue 9): each failure found by testers, as a test.

Every test checks the exit code and the message code, and that nothing outside the
run's own outputs changed (the folder is hashed before and after).  Hostile files are
generated here, never stored; the expensive ones run in a subprocess under a memory
limit and a time limit.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from scoring.cli import cli, main

SHANXI = EXAMPLES / "shanxi-2023-xuncha-project.yaml"
HUBEI = EXAMPLES / "hubei-2020-office-project.yaml"
MEMORY_LIMIT = 1024 * 1024 * 1024   # 1 GiB of address space for a hostile file's run
TIME_LIMIT = 60                      # seconds, far above what a refused file takes (well under one)


# -- helpers ----------------------------------------------------------------------------------------

def run(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def run_main(capsys, *args) -> tuple[int, str, str]:
    """Through `main()`, which maps exceptions to exit codes and guards the terminal."""
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


def snapshot(folder: Path, skip: Path | None = None) -> dict[str, str]:
    """Every file under `folder` (not under `skip`) with its SHA-256, and every special file by kind."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            found[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif not stat.S_ISDIR(info.st_mode):
            found[path.relative_to(folder).as_posix()] = stat.filemode(info.st_mode)
    return found


def bounded(args: list[str], cwd: Path, timeout: float = TIME_LIMIT) -> subprocess.CompletedProcess:
    """`jixiao ARGS` in a subprocess under MEMORY_LIMIT; fails the test if it runs past `timeout`."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "scoring.cli", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit, env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.elapsed = time.monotonic() - started
    return proc


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def yaml_with(**replacements) -> str:
    text = SHANXI.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def xlsx_bytes(sheets: dict[str, list[tuple[str, object]]], states: dict[str, str] | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells in sheets.items():
        sheet = book.create_sheet(name)
        for ref, value in cells:
            sheet[ref] = value
        sheet.sheet_state = (states or {}).get(name, "visible")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filled_form(tmp_path: Path, name: str = "表.xlsx") -> Path:
    """A jixiao form for shanxi-project, filled in by a unit (so it is no longer what jixiao wrote)."""
    import openpyxl

    path = tmp_path / name
    assert run("form", "shanxi-project", "-o", path).exit_code == 0
    book = openpyxl.load_workbook(path)
    book["自评表"]["B4"] = "某县财政局"
    book.save(path)
    return path


# -- 1. never overwrite or delete what is not ours ----------------------------------------------------

def test_render_does_not_replace_a_filled_form_of_the_same_name(tmp_path, monkeypatch):
    form = filled_form(tmp_path)
    shutil.copy(SHANXI, tmp_path / "表.yaml")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run("render", "表.yaml", "--to", "xlsx")
    assert result.exit_code == 2, result.output
    assert "表.xlsx 已存在，不是 jixiao 生成的" in result.output
    assert snapshot(tmp_path) == before
    assert form.exists()


def test_render_never_writes_over_an_input_of_the_same_run(tmp_path, monkeypatch):
    form = filled_form(tmp_path)
    shutil.copy(SHANXI, tmp_path / "表.yaml")
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run("render", "表.yaml", "表.xlsx", "--to", "xlsx", "-o", ".")
    assert result.exit_code == 2
    assert "没有写出任何文件" in result.output and "就是本次的输入文件" in result.output
    assert snapshot(tmp_path) == before and form.exists()


def test_render_rerun_replaces_its_own_output_but_not_an_edited_one(tmp_path):
    out = tmp_path / "out"
    assert run("render", SHANXI, "--to", "md", "-o", out).exit_code == 0
    first = (out / f"{SHANXI.stem}.md").read_bytes()
    assert run("render", SHANXI, "--to", "md", "-o", out).exit_code == 0  # ours, unchanged: replaced
    assert (out / f"{SHANXI.stem}.md").read_bytes() == first
    (out / f"{SHANXI.stem}.md").write_text("单位改过的附件", encoding="utf-8")
    result = run("render", SHANXI, "--to", "md", "-o", out)
    assert result.exit_code == 2 and "生成后被修改过" in result.output
    assert (out / f"{SHANXI.stem}.md").read_text(encoding="utf-8") == "单位改过的附件"


def test_render_inputs_with_the_same_stem_are_refused_before_writing(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(SHANXI, tmp_path / folder / "t.yaml")
    result = run("render", tmp_path / "a" / "t.yaml", tmp_path / "b" / "t.yaml", "--to", "md", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "的输出都是" in result.output
    assert not (tmp_path / "out" / "t.md").exists()


def test_form_does_not_overwrite_a_filled_form(tmp_path):
    form = filled_form(tmp_path, "filled.xlsx")
    before = form.read_bytes()
    result = run("form", "shanxi-project", "-o", form)
    assert result.exit_code == 2 and "生成后被修改过" in result.output
    assert form.read_bytes() == before


def test_form_refuses_a_fifo_or_device_as_output(tmp_path, capsys):
    fifo = tmp_path / "null"
    os.mkfifo(fifo)
    code, out, err = run_main(capsys, "form", "shanxi-project", "-o", fifo)
    assert code == 2 and "命名管道" in err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    code, out, err = run_main(capsys, "form", "shanxi-project", "-o", "/dev/null")
    assert code == 2 and "字符设备" in err and "内部错误" not in err
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_import_does_not_replace_an_edited_yaml(tmp_path):
    form = filled_form(tmp_path)
    target = tmp_path / "自评表.yaml"
    assert run("import", form, "-o", target).exit_code in (0, 1)
    assert run("import", form, "-o", target).exit_code in (0, 1)  # ours: replaced
    target.write_text(target.read_text(encoding="utf-8") + "# 单位补充的说明\n", encoding="utf-8")
    edited = target.read_bytes()
    result = run("import", form, "-o", target)
    assert result.exit_code == 2 and target.read_bytes() == edited


def test_batch_force_keeps_a_reviewers_file_among_the_results(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    note = out / "results" / "复核意见.docx"
    note.write_bytes(b"reviewer's notes")
    mine = out / "results" / f"{SHANXI.stem}.json"
    assert mine.exists()
    result = run("batch", SHANXI, "-o", out, "--force")
    assert result.exit_code == 0, result.output
    assert note.read_bytes() == b"reviewer's notes"
    assert mine.exists()


def test_batch_force_refuses_to_replace_a_foreign_file_at_an_output_path(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    mine = out / "results" / f"{SHANXI.stem}.json"
    mine.write_text("审核人改过的结果", encoding="utf-8")  # no longer what jixiao wrote
    result = run("batch", SHANXI, "-o", out, "--force")
    assert result.exit_code == 2 and "没有写出任何文件" in result.output
    assert mine.read_text(encoding="utf-8") == "审核人改过的结果"


def test_batch_with_inputs_inside_the_output_folder_deletes_nothing(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    inside = out / "results" / "新表.yaml"
    shutil.copy(HUBEI, inside)
    before = snapshot(out)
    result = run("batch", inside, "-o", out, "--force")
    assert result.exit_code == 2 and "相互包含" in result.output
    assert snapshot(out) == before


def test_leftovers_of_a_killed_run_are_removed_by_the_next_force(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    leftover = out / "results" / ".jx4242-7.tmp"  # what a killed worker was writing, as its manifest line says
    leftover.write_bytes(b"half a result")
    with open(out / ".jixiao-manifest", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"name": f"results/{SHANXI.stem}.json", "sha256": "", "tmp": "results/.jx4242-7.tmp"}) + "\n")
    stray = out / "results" / ".审核人的.tmp"
    stray.write_bytes(b"not ours")
    assert run("batch", SHANXI, "-o", out, "--force").exit_code == 0
    assert not leftover.exists()
    assert stray.exists()


def test_a_crafted_manifest_cannot_make_force_delete_outside_the_folder(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("别人的文件", encoding="utf-8")
    sha = hashlib.sha256(victim.read_bytes()).hexdigest()
    with open(out / ".jixiao-manifest", "a", encoding="utf-8") as fh:
        for name in ("../victim.txt", str(victim), "results/../../victim.txt"):
            fh.write(json.dumps({"name": name, "sha256": sha}) + "\n")
    assert run("batch", SHANXI, "-o", out, "--force").exit_code == 0
    assert victim.read_text(encoding="utf-8") == "别人的文件"


def test_a_results_folder_replaced_by_a_link_is_never_written_or_cleared_through(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    shutil.move(out / "results", elsewhere)  # our results, with the names the manifest lists
    (out / "results").symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(elsewhere)
    result = run("batch", SHANXI, "-o", out, "--force")
    assert result.exit_code == 2 and "符号链接" in result.output
    assert snapshot(elsewhere) == before


def test_a_folder_swapped_for_a_link_during_a_run_leads_nowhere(tmp_path):
    from scoring.outputs import OutputError, OutputFolder

    out, victims = tmp_path / "out", tmp_path / "victims"
    victims.mkdir()
    (victims / "b.json").write_text("别人的文件", encoding="utf-8")
    with OutputFolder(out) as folder:
        folder.write(out / "results" / "a" / "a.json", b"1", checked=True)
        (out / "results" / "a").rename(tmp_path / "moved")  # what the run had open moves away...
        (out / "results" / "a").symlink_to(victims, target_is_directory=True)  # ...and a link takes its place
        folder.write(out / "results" / "a" / "b.json", b"2", checked=True)
        with pytest.raises(OutputError):  # a folder not opened yet is never entered through a link
            folder.write(out / "results" / "a" / "c" / "d.json", b"3", checked=True)
    assert (victims / "b.json").read_text(encoding="utf-8") == "别人的文件"
    assert sorted(p.name for p in victims.iterdir()) == ["b.json"]


def test_a_manifest_that_is_a_link_is_refused(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    target = tmp_path / "别处.txt"
    target.write_text("x", encoding="utf-8")
    (out / ".jixiao-manifest").unlink()
    (out / ".jixiao-manifest").symlink_to(target)
    result = run("batch", SHANXI, "-o", out, "--force")
    assert result.exit_code == 2 and "符号链接" in result.output
    assert target.read_text(encoding="utf-8") == "x"


def test_two_batches_into_one_folder_do_not_interleave(tmp_path):
    from scoring.outputs import OutputFolder

    out = tmp_path / "out"
    with OutputFolder(out):
        result = run("batch", SHANXI, "-o", out, "--force")
    assert result.exit_code == 1 and "正被另一个 jixiao 进程写入" in result.output


# -- 2. environment problems are the user's to fix, never exit 3 ---------------------------------------

def _fail_writes(monkeypatch, folder: Path, errno_value: int):
    """Every write under `folder` fails (root writes anywhere, so a chmod would not do)."""
    real_open, real_builtin = os.open, open

    def refusing(path, flags, *args, **kwargs):
        under = str(path).startswith(str(folder)) or kwargs.get("dir_fd") is not None  # jixiao writes relative
        if under and flags & (os.O_WRONLY | os.O_CREAT | os.O_RDWR):
            raise OSError(errno_value, os.strerror(errno_value), str(path))
        return real_open(path, flags, *args, **kwargs)

    def refusing_builtin(path, mode="r", *args, **kwargs):
        if str(path).startswith(str(folder)) and any(ch in mode for ch in "wax+"):
            raise OSError(errno_value, os.strerror(errno_value), str(path))
        return real_builtin(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    monkeypatch.setattr("builtins.open", refusing_builtin)


@pytest.mark.parametrize("errno_name, said", [("EACCES", "没有写入权限"), ("ENOSPC", "磁盘空间不足"),
                                              ("EROFS", "文件系统是只读的")])
def test_unwritable_output_is_exit_1_with_the_path(tmp_path, monkeypatch, capsys, errno_name, said):
    import errno

    _fail_writes(monkeypatch, tmp_path, getattr(errno, errno_name))
    target = tmp_path / "填报表.xlsx"
    code, out, err = run_main(capsys, "form", "shanxi-project", "-o", target)
    assert code == 1, err
    assert str(target) in err and said in err and "内部错误" not in err


def test_read_only_folder_in_a_batch_is_exit_1(tmp_path, monkeypatch, capsys):
    import errno

    _fail_writes(monkeypatch, tmp_path, errno.EACCES)
    code, out, err = run_main(capsys, "batch", SHANXI, "-o", tmp_path / "out", "--jobs", "1")
    assert code == 1 and "没有写入权限" in err and "内部错误" not in err


# -- 3. every input accounted for -----------------------------------------------------------------------

@pytest.fixture
def everything(tmp_path) -> Path:
    """A folder with every kind of file a bureau's share holds."""
    folder = tmp_path / "收件箱"
    (folder / "县直").mkdir(parents=True)
    shutil.copy(SHANXI, folder / "县直" / "山西.yaml")
    shutil.copy(HUBEI, folder / "湖北.yml")
    (folder / "旧表.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    (folder / "扫描件.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "~$湖北.xlsx").write_bytes(b"lock")
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("x", encoding="utf-8")
    os.mkfifo(folder / "管道.yaml")
    (folder / "外部.yaml").symlink_to(HUBEI)  # leads out of the input folder
    (folder / "同一个.yaml").symlink_to(folder / "湖北.yml")
    (folder / "断链.yaml").symlink_to(folder / "不存在.yaml")
    (folder / os.fsdecode("旧系统".encode("gbk") + b".yaml")).write_bytes(SHANXI.read_bytes())
    (folder / "无扩展名").write_text("?", encoding="utf-8")
    return folder


def test_a_batch_accounts_for_every_entry_of_a_folder(everything, tmp_path):
    out = tmp_path / "out"
    before = snapshot(everything)
    result = bounded(["batch", everything, "-o", out, "--jobs", "2"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    rows = {Path(r["文件"]).name: r["状态"] for r in read_rows(out / "results.csv")}
    codes: dict[str, set] = {}
    for e in read_rows(out / "errors.csv"):
        codes.setdefault(Path(e["文件"]).name, set()).add(e["代码"])
    entries = {os.fsdecode(os.fsencode(p.name)) for p in everything.iterdir()} | {"县直/山西.yaml"}
    assert len(rows) == len(entries) - 1  # every entry but the folder 县直 itself
    assert rows["山西.yaml"] == rows["湖北.yml"] == rows["旧系统.yaml"] == "已计分"
    assert rows["~$湖北.xlsx"] == rows[".DS_Store"] == rows[".git"] == rows["同一个.yaml"] == "已忽略"
    assert codes["旧表.xls"] == {"I801"} and codes["扫描件.pdf"] == {"I806"} and codes["无扩展名"] == {"I806"}
    assert codes["管道.yaml"] == {"Y112"}
    assert codes["外部.yaml"] == {"B905"} and codes["断链.yaml"] == {"B905"}
    assert "已忽略 4 个" in result.stdout
    assert snapshot(everything) == before


def test_score_refuses_a_fifo_at_once(tmp_path):
    fifo = tmp_path / "表.yaml"
    os.mkfifo(fifo)
    result = bounded(["score", fifo], cwd=tmp_path, timeout=20)
    assert result.returncode == 1
    assert "Y112" in result.stderr + result.stdout and "命名管道" in result.stderr + result.stdout


def test_dev_zero_behind_a_csv_name_is_refused(tmp_path):
    link = tmp_path / "表.csv"
    link.symlink_to("/dev/zero")
    result = bounded(["score", link, "--set", "shanxi-project"], cwd=tmp_path, timeout=20)
    assert result.returncode == 1 and "Y112" in result.stderr + result.stdout


def test_a_huge_csv_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "大.csv"
    with open(big, "wb") as fh:
        fh.truncate(1536 * 1024 * 1024)  # 1.5 GB, sparse: costs no disk
    result = bounded(["score", big, "--set", "shanxi-project"], cwd=tmp_path, timeout=20)
    assert result.returncode == 1 and "Y101" in result.stderr + result.stdout
    assert result.elapsed < 10


def test_an_unreadable_subfolder_is_listed(tmp_path, monkeypatch):
    from scoring.batch.discover import discover

    folder = tmp_path / "in"
    (folder / "锁住的").mkdir(parents=True)
    shutil.copy(SHANXI, folder / "锁住的" / "a.yaml")
    shutil.copy(HUBEI, folder / "b.yaml")
    real = os.scandir

    def guarded(path="."):  # root can list a chmod 000 folder: refuse it here
        if str(path).endswith("锁住的"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", guarded)
    found = {Path(i.name).name: i.skip for i in discover([str(folder)])}
    assert found["b.yaml"] is None
    assert found["锁住的"][0] == "B905" and "没有" in found["锁住的"][1]["reason"]


# -- 4. bounded before reading --------------------------------------------------------------------------

def test_huge_numbers_are_located_errors_not_crashes(tmp_path):
    cases = {
        "score.yaml": yaml_with(**{"given_score: 3.5": "given_score: " + "9" * 500}),
        "budget.yaml": yaml_with(**{"annual: 50": "annual: 1" + "0" * 58}),
        "text.yaml": yaml_with(**{"actual: ≥7台": "actual: ≥7" + "0" * 40 + "台"}),
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run("check", *[tmp_path / n for n in cases])
    assert result.exit_code == 1, result.output
    assert result.output.count("V510") == 3 and "Traceback" not in result.output


def test_1e300_in_an_excel_cell(tmp_path):
    form = filled_form(tmp_path)
    import openpyxl

    book = openpyxl.load_workbook(form)
    book["自评表"]["B16"] = 1e300
    book.save(form)
    result = run("score", form)
    assert result.exit_code == 1 and "V510" in result.output and "B16" in result.output


def test_one_huge_number_does_not_stop_the_batch_summary(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(HUBEI, folder)
    (folder / "huge.yaml").write_text(yaml_with(**{"annual: 50": "annual: 1" + "0" * 58}), encoding="utf-8")
    result = run("batch", folder, "-o", tmp_path / "out", "--jobs", "1")
    assert result.exit_code == 1
    assert (tmp_path / "out" / "summary.html").exists()
    assert {e["代码"] for e in read_rows(tmp_path / "out" / "errors.csv")} == {"V510"}


@pytest.mark.slow
def test_a_20000_row_table_is_refused_fast(tmp_path):
    row = "  - {level1: 产出指标, level2: 数量指标, name: 指标%d, weight: 0, target: 1, actual: 1}\n"
    goals = "".join(f"  - name: 目标{g}\n    indicators:\n" + "".join(
        "    " + (row % (g * 400 + i)).lstrip() for i in range(400)) for g in range(50))
    text = "set: hubei-department\nunit: 测试\ngoals:\n" + goals
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    result = bounded(["check", path], cwd=tmp_path)
    assert result.returncode == 1 and "R311" in result.stdout
    assert result.elapsed < 20


@pytest.mark.slow
def test_a_300k_character_target_is_refused_before_rendering(tmp_path):
    path = tmp_path / "long.yaml"
    path.write_text(yaml_with(**{"target: ≥11台": "target: \"" + "长" * 300_000 + "\""}), encoding="utf-8")
    result = bounded(["render", path, "--to", "pdf", "-o", tmp_path / "out"], cwd=tmp_path)
    assert result.returncode == 1 and result.elapsed < 30


def _bomb(path: Path, lying: bool = False) -> None:
    """A workbook whose sheet inflates to 256 MB of XML (the cap is 32 MB).  `lying`: 1 MB more than the
    headers claim, which state the size and true CRC of the sheet's first few hundred bytes, so a
    reader that trusts them checks only that prefix (Python's zipfile does), while another inflates all."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"自评表": [("A1", "x")]})))
    entries = []
    for info in base.infolist():
        data = base.read(info.filename)
        declared = data
        if info.filename == "xl/worksheets/sheet1.xml":
            declared = data
            data = data + b" " * ((1 if lying else 256) * 1024 * 1024)
            if not lying:
                declared = data
        entries.append((info.filename, data, declared))
    path.write_bytes(_raw_zip(entries))


def _raw_zip(entries) -> bytes:
    """A zip written by hand: each (name, content, declared content) deflated, with the declared
    content's size and CRC in both headers."""
    import struct
    import zlib

    body, central = b"", b""
    for name, content, declared in entries:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = packer.compress(content) + packer.flush()
        fields = (zlib.crc32(declared), len(packed), len(declared), len(name.encode()))
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, *fields, 0, 0, 0, 0, 0, len(body))
        central += name.encode()
        body += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, 8, 0, 0x21, *fields, 0) + name.encode() + packed
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(body), 0)
    return body + central + end


@pytest.mark.slow
@pytest.mark.parametrize("lying", [False, True])
def test_an_xlsx_zip_bomb_is_refused_fast_and_small(tmp_path, lying):
    bomb = tmp_path / "炸弹.xlsx"
    _bomb(bomb, lying)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    result = bounded(["score", bomb], cwd=tmp_path)
    assert result.returncode == 1
    assert ("I802" if lying else "I810") in result.stdout + result.stderr, result.stdout
    assert result.elapsed < 20


@pytest.mark.slow
def test_a_million_row_sheet_is_refused_fast_and_small(tmp_path):
    sheet = tmp_path / "百万行.xlsx"
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"自评表": [("A1", "x")]})))
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 1_000_001))
    with zipfile.ZipFile(sheet, "w", zipfile.ZIP_DEFLATED) as out:
        for info in base.infolist():
            data = base.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        b"<sheetData>" + rows + b"</sheetData></worksheet>")
            out.writestr(info.filename, data)
    result = bounded(["score", sheet], cwd=tmp_path)
    assert result.returncode == 1 and "I810" in result.stdout + result.stderr
    assert result.elapsed < 20


def test_two_far_cells_cannot_make_a_dense_grid(tmp_path):
    far = tmp_path / "远.xlsx"
    far.write_bytes(xlsx_bytes({"自评表": [("A1", "三级指标"), ("XFD1048576", 1)]}))
    result = bounded(["score", far], cwd=tmp_path)
    assert result.returncode == 1 and "I810" in result.stdout + result.stderr
    assert result.elapsed < 20


# -- 5. spreadsheets: hidden sheets ------------------------------------------------------------------------

def test_a_very_hidden_sheet_is_never_scored_in_place_of_the_visible_one(tmp_path):
    import openpyxl

    form = filled_form(tmp_path)
    book = openpyxl.load_workbook(form)
    decoy = book.copy_worksheet(book["自评表"])
    book["自评表"].title = "单位填报"
    decoy.title = "自评表"
    decoy["B4"] = "伪造的单位"
    decoy.sheet_state = "veryHidden"
    book.save(form)
    result = run("score", form, "--format", "json")
    data = json.loads(result.stdout)
    assert data["unit"] == "某县财政局"
    codes = [d["code"] for d in data["diagnostics"]]
    assert "I809" in codes
    assert any("「自评表」" in d["message"] for d in data["diagnostics"] if d["code"] == "I809")


# -- 6. display safety ---------------------------------------------------------------------------------------

def test_escape_sequences_in_a_unit_name_reach_the_terminal_inert(tmp_path, capsys):
    path = tmp_path / "esc.yaml"
    path.write_text(yaml_with(**{"unit: 中共": "unit: \"\\e]0;pwned\\a\\e[2J\\e[1;1H伪造的结果 100分\\u202e中共", "巡察工作办公室\n": "巡察工作办公室\"\n"}), encoding="utf-8")
    code, out, err = run_main(capsys, "score", path)
    for text in (out, err):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\u001b" in out + err


# -- 7. fixes --------------------------------------------------------------------------------------------------

def test_a_missing_sets_folder_is_a_usage_error(tmp_path):
    result = run("score", SHANXI, "--sets", tmp_path / "没有这个文件夹")
    assert result.exit_code == 2 and "不存在" in result.output


def test_a_symlink_loop_is_said_in_chinese(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    result = run("check", tmp_path / "a.yaml")
    assert result.exit_code == 2 and "链接成环" in result.output


# -- 8. process hygiene ------------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat_line = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat_line.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _busy_batch(tmp_path: Path, count: int = 400):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(count):
        shutil.copy(SHANXI, folder / f"表{i:04d}.yaml")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "scoring.cli", "batch", str(folder), "-o", str(out), "--jobs", "2",
                             "--render", "html,docx"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.05)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the batch never started its workers"
    while time.monotonic() < deadline and not any((out / "results").rglob("*.json")):
        time.sleep(0.05)  # work under way: results are being written
    return proc, workers, out


def _gone(pids: list[int], within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killing_the_batch_parent_leaves_no_workers(tmp_path, sig):
    proc, workers, out = _busy_batch(tmp_path)
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert _gone(workers), f"workers still alive after {sig.name}"
    if sig == signal.SIGTERM:  # stopped like Ctrl-C: no half file, no temporary file left
        assert proc.returncode == 130
        assert not list(out.rglob("*.tmp")) and not (out / "results.csv").exists()
    again = run("batch", tmp_path / "in", "-o", out, "--force", "--jobs", "2")
    assert again.exit_code == 0, again.output
    assert not list(out.rglob("*.tmp"))
    assert len(read_rows(out / "results.csv")) == 400


# -- 9. names and text in any encoding, for the batch and the renderers --------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAME_CHARS = st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",))
_names = st.one_of(
    st.text(_NAME_CHARS, min_size=1, max_size=20),
    st.binary(min_size=1, max_size=20).filter(lambda b: b"/" not in b and b"\0" not in b).map(os.fsdecode),
).filter(lambda n: n not in (".", "..") and len(os.fsencode(n)) < 200)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_names, min_size=1, max_size=4, unique=True))
def test_any_file_names_are_accounted_for_and_written_safely(tmp_path_factory, names):
    from scoring.batch.discover import discover
    from scoring.batch.session import run_batch

    base = tmp_path_factory.mktemp("names")
    folder = base / "in"
    folder.mkdir()
    for name in names:
        (folder / (name + ".yaml")).write_bytes(SHANXI.read_bytes())
    out = base / "out"
    outcome = run_batch(discover([str(folder)], out), out, jobs=1)
    rows = read_rows(out / "results.csv")
    assert len(rows) == outcome.inputs == len(list(folder.iterdir()))
    for row in rows:
        row["文件"].encode("utf-8")  # no lone surrogates reached the CSV
    json.loads((out / ".jixiao-manifest").read_text(encoding="utf-8").splitlines()[0])
    (out / "summary.html").read_text(encoding="utf-8")


# -- 10. a second round of attacks (crafted workbooks, pathological names and trees, the environment) -------------

def _crafted(path: Path, sheet_xml: bytes | None = None, *, rename: str | None = None, extra: dict | None = None,
             workbook: bytes | None = None, rels: bytes | None = None) -> None:
    """A workbook made by openpyxl, then changed by hand as an attacker would."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"自评表": [("A1", "三级指标")]})))
    entries = []
    for info in base.infolist():
        name, data = info.filename, base.read(info.filename)
        if name == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
            data = sheet_xml
        if name == "xl/worksheets/sheet1.xml" and rename:
            name = rename
        if name == "xl/workbook.xml" and workbook is not None:
            data = workbook
        if name == "xl/_rels/workbook.xml.rels" and rels is not None:
            data = rels
        elif name == "xl/_rels/workbook.xml.rels" and rename:
            data = data.replace(b"worksheets/sheet1.xml", rename.removeprefix("xl/").encode())
        entries.append((name, data, data))
    for name, data in (extra or {}).items():
        entries.append((name, data, data))
    path.write_bytes(_raw_zip(entries))


_SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>')
_FAR = {
    "single-quoted": b"<row r='1'><c r='A1' t='inlineStr'><is><t>x</t></is></c></row>"
                     b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "spaced": b'<row r = "1048576"><c r = "XFD1048576"><v>1</v></c></row>',
    "prefixed": b'<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
    "no-address": b"<row>" + b"<c><v>1</v></c>" * 300 + b"</row>",
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(_FAR))
def test_crafted_sheets_cannot_slip_past_the_cell_box_check(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    _crafted(path, _SHEET % _FAR[kind])
    result = bounded(["score", path], cwd=tmp_path, timeout=30)
    assert result.returncode == 1 and "I810" in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.elapsed < 10


@pytest.mark.slow
def test_a_sheet_part_with_any_name_is_checked(tmp_path):
    path = tmp_path / "bin.xlsx"
    _crafted(path, _SHEET % _FAR["spaced"], rename="xl/worksheets/sheet1.bin")
    result = bounded(["score", path], cwd=tmp_path, timeout=30)
    assert result.returncode == 1 and "I810" in result.stdout + result.stderr


def test_two_sheets_of_one_name_are_refused(tmp_path):
    import openpyxl

    path = tmp_path / "dup.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "自评表"
    book.create_sheet("别的").sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    base = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    entries = [(i.filename, base.read(i.filename).replace(b'name="\xe5\x88\xab\xe7\x9a\x84"',
                                                           'name="自评表"'.encode()), None) for i in base.infolist()]
    path.write_bytes(_raw_zip([(n, d, d) for n, d, _ in entries]))
    result = run("score", path)
    assert result.exit_code == 1 and "I802" in result.output and "同名" in result.output


@pytest.mark.slow
def test_many_sheets_on_one_part_and_shared_string_amplification_are_refused(tmp_path):
    sheets = "".join(f'<sheet name="S{i}" sheetId="{i + 1}" r:id="rId1"/>' for i in range(200))
    workbook = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f"<sheets>{sheets}</sheets></workbook>").encode()
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    many = tmp_path / "many.xlsx"
    _crafted(many, workbook=workbook, rels=rels)
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
           + b"x" * (2 * 1024 * 1024) + b"</t></si></sst>")
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (i, i) for i in range(1, 101))
    strings = tmp_path / "strings.xlsx"
    _crafted(strings, _SHEET % cells, extra={"xl/sharedStrings.xml": sst})
    for path in (many, strings):
        result = bounded(["score", path], cwd=tmp_path, timeout=30)
        assert result.returncode == 1 and "I810" in result.stdout + result.stderr, result.stdout
        assert result.elapsed < 10


def test_a_sheet_that_is_not_xml_is_refused_at_once(tmp_path):
    path = tmp_path / "redos.xlsx"
    _crafted(path, _SHEET % (b'<c r="A1"><f>1</f>' * 20000))
    started = time.monotonic()
    result = run("score", path)
    assert result.exit_code == 1 and "I802" in result.output
    assert time.monotonic() - started < 5


def test_thousands_of_unknown_keys_are_listed_briefly_and_fast(tmp_path):
    path = tmp_path / "keys.yaml"
    path.write_text("set: mof-project\nunit: 测试\n" + "".join(f"k{i}: 1\n" for i in range(20000)), encoding="utf-8")
    started = time.monotonic()
    result = run("check", path)
    assert result.exit_code == 1
    assert time.monotonic() - started < 10
    assert result.output.count("S203") == 20 and "另有 19980 个未知的键没有逐一列出" in result.output


def test_a_fifo_named_like_the_manifest_is_refused_at_once(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / ".jixiao-manifest")
    result = bounded(["form", "shanxi-project", "-o", out / "f.xlsx"], cwd=tmp_path, timeout=20)
    assert result.returncode == 2 and "不是 jixiao 写的清单" in result.stderr


def test_output_to_a_full_disk_is_exit_1(tmp_path):
    result = subprocess.run(f"{sys.executable} -m scoring.cli score {SHANXI} > /dev/full", shell=True, cwd=ROOT,
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1 and "磁盘空间不足" in result.stderr and "内部错误" not in result.stderr


def test_a_deleted_working_folder_is_a_usage_error(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    script = f"import os, sys; os.chdir({str(gone)!r}); os.rmdir({str(gone)!r}); " \
             "from scoring.cli import main; main(['form', 'shanxi-project'])"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and "当前文件夹已不存在" in result.stderr


def test_a_very_deep_tree_long_names_and_name_clashes_do_not_stop_a_batch(tmp_path):
    folder = tmp_path / "in"
    deep = folder.joinpath(*(["d"] * 600))
    deep.mkdir(parents=True)
    shutil.copy(SHANXI, deep / "x.yaml")
    shutil.copy(HUBEI, folder / ("项" * 82 + ".yml"))  # 246 bytes of name: legal, and longer once a suffix is added
    (folder / "b.json").mkdir()
    shutil.copy(HUBEI, folder / "b.json" / "c.yaml")
    shutil.copy(SHANXI, folder / "b.yaml")  # its result b.json would be the folder of c's result
    out = tmp_path / "out"
    result = run("batch", folder, "-o", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "results.csv")
    assert len(rows) == 4 and {r["状态"] for r in rows} == {"已计分"}
    assert all(len(p.name.encode()) <= 255 for p in out.rglob("*"))


def test_a_refused_force_run_removes_nothing(tmp_path):
    out = tmp_path / "out"
    assert run("batch", EXAMPLES, "-o", out).exit_code == 1
    edited = next((out / "results").rglob("shanxi*.json"))
    edited.write_text(edited.read_text(encoding="utf-8") + " ", encoding="utf-8")
    before = snapshot(out)
    result = run("batch", EXAMPLES, "-o", out, "--force")
    assert result.exit_code == 2 and "生成后被修改过" in result.output
    assert snapshot(out) == before


def test_invisible_characters_never_reach_result_files_or_their_names(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    name = "坏\x1b[2J\u202e\r名.yaml"
    (folder / name).write_text(yaml_with(**{"unit: 中共": "unit: \"\\u202e中共", "巡察工作办公室\n": "巡察工作办公室\"\n"}),
                               encoding="utf-8")
    out = tmp_path / "out"
    assert run("batch", folder, "-o", out, "--jobs", "1").exit_code == 0
    (result,) = list((out / "results").rglob("*.json"))
    assert not any(ch in result.name for ch in "\x1b\u202e\r")
    text = result.read_text(encoding="utf-8")
    assert "\u202e" not in text and json.loads(text)["unit"].startswith("\u202e")  # escaped, same data
    assert read_rows(out / "results.csv")[0]["文件"].endswith("坏\\u001b[2J\\u202e\\u000d名.yaml")


def test_a_bureau_template_runs_sandboxed(tmp_path):
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "report.md.j2").write_text("{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
                                           encoding="utf-8")
    result = run("render", SHANXI, "--to", "md", "-o", tmp_path / "out", "--templates", templates)
    assert result.exit_code == 1 and "不允许" in result.output
    assert not (ROOT / "PWNED").exists() and not (tmp_path / "PWNED").exists()


# -- 11. a third round (crafted workbooks calamine reads differently, manifests, names) -----------------------------

@pytest.mark.slow
@pytest.mark.parametrize("kind, cells", [
    ("unparsable index", b'<c r="A%d" t="s"><v>x</v></c>'),
    ("prefixed type", b'<c r="A%d" t="s" x:t="str"><v>0</v></c>'),
])
def test_shared_strings_are_counted_however_the_cells_point_at_them(tmp_path, kind, cells):
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
           + b"x" * (1024 * 1024) + b"</t></si></sst>")
    rows = b"".join(b'<row r="%d">' % i + cells % i + b"</row>" for i in range(1, 61))
    path = tmp_path / "sst.xlsx"
    _crafted(path, _SHEET % rows, extra={"xl/sharedStrings.xml": sst})
    result = bounded(["score", path], cwd=tmp_path, timeout=30)
    assert result.returncode == 1 and "I810" in result.stdout + result.stderr
    assert result.elapsed < 10


@pytest.mark.parametrize("address", ["UKHMJBKFKZ1", "A9071029380172", "A²"])
def test_addresses_calamine_would_wrap_are_refused(tmp_path, address):
    path = tmp_path / "wrap.xlsx"
    _crafted(path, _SHEET % f'<row><c r="{address}"><v>1</v></c></row>'.encode())
    result = run("score", path)
    assert result.exit_code == 1 and "I810" in result.output and "地址无效" in result.output


def test_styles_that_would_keep_calamine_busy_are_refused(tmp_path):
    styles = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1">'
              b'<numFmt numFmtId="164" formatCode="' + b"0" * 20000 + b'"/></numFmts><cellXfs>'
              + b'<xf numFmtId="164"/>' * 1000 + b"</cellXfs></styleSheet>")
    path = tmp_path / "styles.xlsx"
    _crafted(path, extra={"xl/styles2.xml": styles})
    result = run("score", path)
    assert result.exit_code == 1 and "I810" in result.output and "样式" in result.output


def test_a_part_in_another_encoding_is_refused(tmp_path):
    path = tmp_path / "gbk.xlsx"
    _crafted(path, b'<?xml version="1.0" encoding="GBK"?>' + _SHEET % b"")
    result = run("score", path)
    assert result.exit_code == 1 and "I802" in result.output and "编码" in result.output


def test_crafted_manifest_lines_never_remove_what_is_not_a_temporary_of_ours(tmp_path):
    out = tmp_path / "out"
    assert run("batch", SHANXI, "-o", out).exit_code == 0
    note = out / "审核意见.docx"
    note.write_text("x", encoding="utf-8")
    edited = out / "results" / "old" / "c.json"
    edited.parent.mkdir()
    edited.write_text("{}", encoding="utf-8")
    lines = [{"name": "x", "tmp": "审核意见.docx"}, {"name": "results/old/c.json", "sha256": "0", "tmp": "results/old/c.json"},
             {"name": "a\ud800b", "sha256": "x"}, {"name": "y", "tmp": "." + "j" * 300 + ".tmp"}]
    with open(out / ".jixiao-manifest", "a", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line) + "\n")
        fh.write('{"name": ' + "[" * 100000 + "]" * 100000 + "}\n")
    result = run("batch", SHANXI, "-o", out, "--force")
    assert result.exit_code == 0, result.output
    assert note.exists() and edited.exists()


def test_a_hard_linked_manifest_is_refused(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("原样\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    os.link(outside, out / ".jixiao-manifest")
    result = run("render", SHANXI, "--to", "md", "-o", out)
    assert result.exit_code == 2 and "硬链接" in result.output
    assert outside.read_text(encoding="utf-8") == "原样\n"


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "0"])
def test_a_timeout_out_of_range_is_a_usage_error(tmp_path, value):
    assert run("batch", SHANXI, "-o", tmp_path / "out", "--timeout", value).exit_code == 2
    assert run("render", SHANXI, "-o", tmp_path / "r", "--timeout", value).exit_code == 2


def test_names_that_look_alike_are_shown_and_written_apart(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in (os.fsdecode(b"bad\xff\xfe.yaml"), "bad\\xff\\xfe.yaml", "\u00e9.yaml", "e\u0301.yaml"):
        (folder / name).write_bytes(SHANXI.read_bytes())
    out = tmp_path / "out"
    run("batch", folder, "-o", out, "--jobs", "1")
    shown = [Path(r["文件"]).name for r in read_rows(out / "results.csv")]
    assert len(set(shown)) == 4
    written = [p.name for p in (out / "results").rglob("*.json")]
    assert len({unicodedata.normalize("NFC", n).casefold() for n in written}) == 4


@pytest.mark.slow
def test_a_chunk_stuck_where_the_alarm_cannot_reach_is_killed(tmp_path, monkeypatch):
    """A file that blocks the worker's alarm (as native code does): the parent kills the worker at the deadline,
    finds the file, reports it (B906) and scores the rest."""
    from scoring.batch import runner
    from scoring.batch import worker as worker_module
    from scoring.batch.discover import discover
    from scoring.batch.session import run_batch

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SHANXI, folder / "a.yaml")
    shutil.copy(HUBEI, folder / "b.yaml")
    real = worker_module.Worker._process

    def stuck(self, item):
        if item.name.endswith("a.yaml"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)
        return real(self, item)

    monkeypatch.setattr(worker_module.Worker, "_process", stuck)
    monkeypatch.setattr(runner, "GRACE", 1)
    started = time.monotonic()
    out = tmp_path / "out"
    problems = []
    run_batch(discover([str(folder)], out), out, jobs=2, timeout=1,
              progress=lambda record: problems.extend((record.file, d.code) for d in record.problems))
    assert time.monotonic() - started < 30
    assert [code for file, code in problems if file.endswith("a.yaml")] == ["B906"]
    assert [r["状态"] for r in read_rows(out / "results.csv")] == ["未能计分", "已计分"]


# -- 12. memory stays flat in batch --render ------------------------------------------------------------------------

def test_a_render_worker_keeps_no_objects_from_file_to_file(tmp_path):
    """Each file's attachments (Word: python-docx and lxml graphs with cycles) are freed before the next file, even
    with the batch's rare garbage collection: the number of live objects after 12 files is that after 4."""
    import gc

    from scoring.batch.discover import discover
    from scoring.batch.worker import Job, Worker, quiet_gc
    from scoring.outputs import OutputFolder

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        shutil.copy(SHANXI, folder / f"t{i:02d}.yaml")
    out = tmp_path / "out"
    with OutputFolder(out) as root:
        worker = Worker(Job(out_dir=str(out), root_fd=root.root_fd(), formats=("docx", "xlsx", "md")))
        counts = []
        with quiet_gc():
            for item in discover([str(folder)], out):
                worker.process(item)
                counts.append(len(gc.get_objects()))
        worker.folder.close()
    assert counts[-1] - counts[3] < 200, counts  # a leak was about 60,000 objects a Word file
