"""`jixiao batch`: no input lost, deterministic output, bad files and interruptions handled."""
import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from scoring.batch import worker as worker_module
from scoring.batch.discover import DiscoveryError, discover
from scoring.batch.outputs import OutputDirError
from scoring.batch.session import BatchInterrupted, run_batch
from scoring.cli import cli

ROOT = EXAMPLES.parent
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def run(*args):
    return CliRunner().invoke(cli, list(args))


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def mixed(tmp_path) -> Path:
    """A bureau's folder: the examples in subfolders plus the broken files real folders have."""
    folder = tmp_path / "自评表"
    for path in EXAMPLE_FILES:
        dept = folder / ("湖北" if "hubei" in path.name else "其他")
        dept.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dept / path.name)
    (folder / "空文件.yaml").write_bytes(b"")
    (folder / "二进制.yaml").write_bytes(bytes(range(256)) * 4)
    (folder / "语法错误.yaml").write_text("set: mof-project\nunit: [未闭合\n", encoding="utf-8")
    (folder / "全角冒号.yml").write_text("set：mof-project\n", encoding="utf-8")
    (folder / "损坏.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (folder / "坏表.csv").write_bytes(b"\xff\xfe\x00\x81garbage")
    shutil.copy(ROOT / "indicator_sets" / "mof-project.yaml", folder / "体系.yaml")
    (folder / "说明.txt").write_text("不是自评表，不应被读取", encoding="utf-8")
    (folder / ".隐藏.yaml").write_text("set: x", encoding="utf-8")
    return folder


def test_batch_examples_scores_every_example_and_writes_the_summary(tmp_path):
    out = tmp_path / "out"
    result = run("batch", str(EXAMPLES), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 1, result.output  # the 湖南 table gives a score above its weight
    assert "共 8 个文件：已计分 6 个，只判完成情况（不计分）2 个，未能计分 0 个。" in result.stdout
    assert "共6个项目开展绩效自评" in result.stdout
    rows = read_csv(out / "results.csv")
    assert [Path(r["文件"]).name for r in rows] == [p.name for p in EXAMPLE_FILES]
    totals = {Path(r["文件"]).stem: r["计算总分"] for r in rows}
    assert totals["shanxi-2023-xuncha-project"] == "92.07"
    assert totals["hubei-2020-xuncha-project"] == "92.5"
    assert totals["hunan-2021-xuncha-scorecard"] == "98.00"
    for row in rows:
        stem = Path(row["文件"]).stem
        data = json.loads((out / "results" / EXAMPLES.name / f"{stem}.json").read_text(encoding="utf-8"))
        assert data["file"] == row["文件"]
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "<svg" in html and "共6个项目开展绩效自评" in html
    assert (out / "summary.xlsx").read_bytes()[:2] == b"PK"
    errors = read_csv(out / "errors.csv")
    assert [(Path(e["文件"]).name, e["代码"]) for e in errors] == [("hunan-2021-xuncha-scorecard.yaml", "G601")]


def test_no_input_is_lost_among_broken_files(mixed, tmp_path):
    out = tmp_path / "out"
    result = run("batch", str(mixed), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 1, result.output
    inputs = [p for p in mixed.rglob("*") if p.is_file()]  # every file, read or not
    rows = read_csv(out / "results.csv")
    assert len(rows) == len(inputs) == 17
    assert sorted(Path(r["文件"]).name for r in rows) == sorted(p.name for p in inputs)
    failed = {Path(r["文件"]).name for r in rows if r["状态"] == "未能计分"}
    assert failed == {"空文件.yaml", "二进制.yaml", "语法错误.yaml", "全角冒号.yml", "损坏.xlsx", "坏表.csv", "体系.yaml",
                      "说明.txt"}
    assert {Path(r["文件"]).name for r in rows if r["状态"] == "已忽略"} == {".隐藏.yaml"}
    reasons = {}
    for e in read_csv(out / "errors.csv"):
        reasons.setdefault(Path(e["文件"]).name, set()).add(e["代码"])
    assert failed <= set(reasons)  # every input without a result says why in errors.csv
    assert reasons["空文件.yaml"] == {"Y109"}
    assert reasons["二进制.yaml"] == {"Y102"}
    assert "Y105" in reasons["全角冒号.yml"]
    assert reasons["体系.yaml"] == {"B903"}
    assert reasons["说明.txt"] == {"I806"} and reasons[".隐藏.yaml"] == {"B904"}
    assert "共 17 个文件：已计分 6 个，只判完成情况（不计分）2 个，未能计分 8 个，已忽略 1 个" in result.stdout


def test_output_order_and_contents_do_not_depend_on_jobs(mixed, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run("batch", str(mixed), "-o", str(one), "--jobs", "1").exit_code == 1
    assert run("batch", str(mixed), "-o", str(two), "--jobs", "2").exit_code == 1
    for name in ("results.csv", "errors.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    one_files = sorted(p.relative_to(one).as_posix() for p in (one / "results").rglob("*"))
    assert one_files == sorted(p.relative_to(two).as_posix() for p in (two / "results").rglob("*"))


def test_duplicate_submissions_are_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "shanxi-2023-xuncha-project.yaml", folder / "a.yaml")
    text = (EXAMPLES / "shanxi-2023-xuncha-project.yaml").read_text(encoding="utf-8")
    (folder / "b.yaml").write_text(text.replace("total: 92.07", "total: 92.07  # 重报"), encoding="utf-8")
    result = run("batch", str(folder), "-o", str(tmp_path / "out"), "--jobs", "1")
    assert "重复报送 1 个" in result.stdout
    assert "共1个项目开展绩效自评，涉及资金" in result.stdout  # the repeat is not counted twice
    dup = [e for e in read_csv(tmp_path / "out" / "errors.csv") if e["代码"] == "B901"]
    assert len(dup) == 1 and dup[0]["文件"].endswith("b.yaml") and "a.yaml" in dup[0]["说明"]


def test_output_inside_input_is_a_usage_error(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLE_FILES[0], folder)
    result = run("batch", str(folder), "-o", str(folder / "out"))
    assert result.exit_code == 2
    assert "相互包含" in result.output
    with pytest.raises(DiscoveryError):
        discover([str(tmp_path)], folder)


def test_existing_results_need_force_and_force_clears_only_ours(tmp_path):
    out = tmp_path / "out"
    assert run("batch", str(EXAMPLE_FILES[0]), "-o", str(out)).exit_code == 0
    again = run("batch", str(EXAMPLE_FILES[1]), "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.output
    (out / "我的笔记.txt").write_text("留着", encoding="utf-8")
    forced = run("batch", str(EXAMPLE_FILES[1]), "-o", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "我的笔记.txt").read_text(encoding="utf-8") == "留着"
    assert [Path(r["文件"]).name for r in read_csv(out / "results.csv")] == [EXAMPLE_FILES[1].name]
    assert not (out / "results" / EXAMPLES.name / f"{EXAMPLE_FILES[0].stem}.json").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "别人的.txt").write_text("x", encoding="utf-8")
    refused = run("batch", str(EXAMPLE_FILES[0]), "-o", str(foreign), "--force")
    assert refused.exit_code == 2 and "不是 jixiao batch 的输出目录" in refused.output
    assert (foreign / "别人的.txt").exists()


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path):
    assert run("batch", str(tmp_path / "无此目录"), "-o", str(tmp_path / "o1")).exit_code == 2
    (tmp_path / "空").mkdir()
    result = run("batch", str(tmp_path / "空"), "-o", str(tmp_path / "o2"))
    assert result.exit_code == 2 and "没有找到任何文件" in result.output


def test_permission_denied_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in EXAMPLE_FILES[:3]:
        shutil.copy(path, folder)
    locked = folder / EXAMPLE_FILES[1].name
    real_open = os.open

    def guarded_open(path, *args, **kwargs):  # root can read a chmod 000 file, so refuse it here
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    outcome = run_batch(discover([str(folder)], tmp_path / "out"), tmp_path / "out", jobs=1)
    assert (outcome.inputs, outcome.scored, outcome.failed) == (3, 2, 1)
    errors = read_csv(tmp_path / "out" / "errors.csv")
    assert [(Path(e["文件"]).name, e["代码"], e["说明"]) for e in errors] == \
        [(locked.name, "Y100", "无法读取文件：没有读取权限")]


def test_a_file_deleted_while_the_batch_runs_is_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in EXAMPLE_FILES[:3]:
        shutil.copy(path, folder)
    inputs = discover([str(folder)], tmp_path / "out")
    doomed = Path(inputs[2].path)

    def delete_next(record):
        doomed.unlink(missing_ok=True)

    outcome = run_batch(inputs, tmp_path / "out", jobs=1, progress=delete_next)
    assert (outcome.inputs, outcome.scored, outcome.failed) == (3, 2, 1)
    errors = read_csv(tmp_path / "out" / "errors.csv")
    assert [(e["代码"], e["说明"]) for e in errors] == [("Y100", "无法读取文件：文件不存在")]


def test_a_bug_on_one_file_is_reported_and_the_rest_are_scored(tmp_path, monkeypatch):
    real = worker_module.Worker._process

    def buggy(self, item):
        if "hunan" in item.name:
            raise ZeroDivisionError("模拟的程序错误")
        return real(self, item)

    monkeypatch.setattr(worker_module.Worker, "_process", buggy)
    outcome = run_batch(discover([str(EXAMPLES)], tmp_path / "out"), tmp_path / "out", jobs=1)
    assert (outcome.inputs, outcome.failed, outcome.crashed) == (8, 1, 1)
    errors = read_csv(tmp_path / "out" / "errors.csv")
    assert [e["代码"] for e in errors] == ["B902"]
    assert "ZeroDivisionError" in (tmp_path / "out" / "crashes.log").read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks its workers only where fork exists")
def test_a_worker_process_that_dies_costs_only_its_file(tmp_path, monkeypatch):
    real = worker_module.Worker._process

    def fatal(self, item):
        if "hunan" in item.name:
            os._exit(9)  # as if killed: no Python exception reaches anyone
        return real(self, item)

    monkeypatch.setattr(worker_module.Worker, "_process", fatal)
    out = tmp_path / "out"
    outcome = run_batch(discover([str(EXAMPLES)], out), out, jobs=2)
    assert (outcome.inputs, outcome.scored + outcome.unscored, outcome.failed) == (8, 7, 1)
    rows = read_csv(out / "results.csv")
    assert [Path(r["文件"]).name for r in rows] == [p.name for p in EXAMPLE_FILES]
    assert [(Path(e["文件"]).name, e["代码"]) for e in read_csv(out / "errors.csv")] == \
        [("hunan-2021-xuncha-scorecard.yaml", "B902")]


def test_ctrl_c_leaves_no_half_written_files(tmp_path):
    out = tmp_path / "out"
    seen = []

    def interrupt(record):
        seen.append(record)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as stop:
        run_batch(discover([str(EXAMPLES)], out), out, jobs=1, progress=interrupt)
    assert (stop.value.done, stop.value.total) == (3, 8)
    leftovers = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert not (out / "results.csv").exists() and not (out / "summary.html").exists()
    written = list((out / "results").rglob("*.json"))
    assert len(written) == 3
    for path in written:  # every result that exists is whole
        assert json.loads(path.read_text(encoding="utf-8"))["file"]


def test_render_option_writes_attachments_per_input(tmp_path):
    out = tmp_path / "out"
    result = run("batch", str(EXAMPLES / "shanxi-2023-xuncha-project.yaml"), "-o", str(out), "--render", "html,md")
    assert result.exit_code == 0, result.output
    folder = out / "results"  # a file named on its own: its outputs sit at the top
    assert sorted(p.name for p in folder.iterdir()) == [
        "shanxi-2023-xuncha-project.html", "shanxi-2023-xuncha-project.json", "shanxi-2023-xuncha-project.md"]
    assert "92.07" in (folder / "shanxi-2023-xuncha-project.md").read_text(encoding="utf-8")
    bad = run("batch", str(EXAMPLES), "-o", str(tmp_path / "o2"), "--render", "png")
    assert bad.exit_code == 2 and "png" in bad.output


def test_inputs_differing_only_by_suffix_get_separate_outputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "shanxi-2023-xuncha-project.yaml", folder / "表.yaml")
    shutil.copy(EXAMPLES / "shanxi-2023-xuncha-project.yaml", folder / "表.yml")
    stems = [i.stem for i in discover([str(folder)], tmp_path / "out")]
    assert len(set(stems)) == 2 and all(s.startswith("in/表.") for s in stems)


def test_output_dir_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "out"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(OutputDirError):
        run_batch(discover([str(EXAMPLE_FILES[0])], target), target)


def test_sigint_during_a_parallel_batch_leaves_only_whole_files(tmp_path):
    """A real Ctrl-C (SIGINT to the process group's leader) while two workers are writing."""
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "in"
    for copy in range(150):  # 1,200 tables: long enough to be interrupted half-way
        sub = folder / f"批次{copy:03d}"
        sub.mkdir(parents=True)
        for path in EXAMPLE_FILES:
            text = path.read_text(encoding="utf-8").replace("year: 20", f"remarks: 副本{copy}\nyear: 20", 1)
            (sub / path.name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "scoring.cli", "batch", str(folder), "-o", str(out), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((out / "results").rglob("*.json"))) < 20:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr.decode("utf-8")
    assert "已中断" in stderr.decode("utf-8")
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp")] == []
    assert not (out / "summary.html").exists() and not (out / "results.csv").exists()
    written = list((out / "results").rglob("*.json"))
    assert 20 <= len(written) < 1200
    for path in written:
        assert json.loads(path.read_text(encoding="utf-8"))["file"]
