"""The command line: output, JSON contract, exit codes."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from scoring import cli as cli_module
from scoring.cli import cli

SHANXI = str(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
HUNAN = str(EXAMPLES / "hunan-2021-xuncha-scorecard.yaml")


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_score_text_table():
    result = run("score", SHANXI, "--explain")
    assert result.exit_code == 0, result.output
    assert "总分 92.07  等级 优" in result.stdout
    assert "实际7台，未达到调整后目标（≥11台），按完成比例 7÷11×5 ≈ 3.18分" in result.stdout
    assert "评价人判断，规则得分3.18" in result.stdout
    assert "D703" in result.stderr  # execution rate 45.75% without a reason


def test_score_json_contract():
    result = run("score", SHANXI, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    for key in ("file", "set", "total", "grade", "budget", "indicators", "diagnostics"):
        assert key in data
    assert data["set"] == "shanxi-project"
    assert (data["total"], data["grade"]) == ("92.07", "优")
    assert data["budget"]["score"] == "4.57" and data["budget"]["weight"] == "10"
    assert data["budget"]["rate"] == "0.45746"
    row = data["indicators"][0]
    for key in ("level1", "level2", "name", "weight", "target", "actual", "score", "rule_score", "explain", "flags"):
        assert key in row
    assert (row["score"], row["rule_score"], row["weight"]) == ("3.50", "3.18", "5")
    assert all(isinstance(r["score"], str) for r in data["indicators"])
    diag = data["diagnostics"][0]
    assert set(diag) >= {"code", "severity", "message", "file", "line", "path"}


def test_score_several_files_gives_an_array_and_exit_1_on_errors():
    result = run("score", SHANXI, HUNAN, "--format", "json")
    assert result.exit_code == 1  # the 湖南 table has a score above its weight
    data = json.loads(result.stdout)
    assert [d["total"] for d in data] == ["92.07", "98.00"]
    assert [d["ok"] for d in data] == [True, False]


def test_strict_fails_on_warnings():
    assert run("score", SHANXI).exit_code == 0
    assert run("score", SHANXI, "--strict").exit_code == 1


def test_check_bad_file_is_located(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("set: mof-project\nunit: 测试单位\nindicators:\n  - name：办公设备购置数量\n", encoding="utf-8")
    result = run("check", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:4:" in result.stdout and "Y105" in result.stdout


def test_check_accepts_sets_and_submissions():
    result = run("check", SHANXI, str(Path(cli_module.__file__).parent.parent / "indicator_sets" / "mof-project.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("通过") == 2


def test_usage_errors_exit_2():
    assert run("score").exit_code == 2
    assert run("score", "/no/such/file.yaml").exit_code == 2
    assert run("score", SHANXI, "--format", "xml").exit_code == 2


def test_sets_list_show_lint():
    listing = run("sets", "list")
    assert listing.exit_code == 0
    for set_id in ("mof-project", "hubei-project", "hubei-department", "hunan-department-scorecard",
                   "sichuan-project", "sichuan-project-scored", "shanxi-project"):
        assert set_id in listing.stdout
    shown = run("sets", "show", "hunan-department-scorecard")
    assert shown.exit_code == 0
    assert "三级 预算调整率（3分）：分档计分" in shown.stdout
    assert "继承：shanxi-project → mof-project" in run("sets", "show", "shanxi-project").stdout
    lint = run("sets", "lint")
    assert lint.exit_code == 0, lint.output
    assert lint.stdout.count("通过") == 7
    assert run("sets", "show", "no-such-set").exit_code == 2


def test_rules_lists_every_kind():
    from scoring.rules import REGISTRY

    out = run("rules").stdout
    for kind in REGISTRY:
        assert f"{kind}（" in out


def test_demo():
    result = run("demo")
    assert result.exit_code == 0, result.output
    for total in ("93.9", "92.5", "95.22", "89.4", "98.00", "92.07"):
        assert total in result.stdout
    assert result.stdout.count("不计分") >= 2


def test_internal_error_exits_3_with_log(monkeypatch, capsys):
    from scoring import pipeline

    def boom(self, path):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pipeline.Pipeline, "run", boom)
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["score", SHANXI])
    assert exc.value.code == 3
    err = capsys.readouterr().err
    assert "内部错误" in err and "Traceback" not in err
    log = err.split("详细信息已写入：")[1].split("\n")[0].strip()
    assert "simulated bug" in Path(log).read_text(encoding="utf-8")
    os.unlink(log)


def test_main_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["score", "--format", "xml", SHANXI])
    assert exc.value.code == 2


def _installed_command() -> str:
    beside = Path(sys.executable).with_name("jixiao")
    found = str(beside) if beside.exists() else shutil.which("jixiao")
    assert found, "the jixiao command is not installed; run the README's test command"
    return found


def test_installed_command_works_from_any_directory(tmp_path):
    command = _installed_command()
    demo = subprocess.run([command, "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert "92.07" in demo.stdout
    scored = subprocess.run([command, "score", SHANXI, "--format", "json"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert scored.returncode == 0
    assert json.loads(scored.stdout)["total"] == "92.07"
    bad = subprocess.run([command, "score", "nope.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2


def test_score_on_a_set_file_lints_it():
    set_file = str(Path(cli_module.__file__).parent.parent / "indicator_sets" / "hubei-project.yaml")
    result = run("score", set_file)
    assert result.exit_code == 0
    assert "这是指标体系文件" in result.stdout


def test_goal_blocks_show_subtotals():
    out = run("score", str(EXAMPLES / "hubei-2020-office-department.yaml")).stdout
    assert "【年度目标1（50分）】" in out and "年度目标1小计 49.00 / 50" in out
    assert "年度目标2小计 30.00 / 30" in out


def test_rules_documents_the_conventions_and_every_parameter():
    from scoring.conventions import CONVENTIONS
    from scoring.rules import REGISTRY

    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0, result.output
    for index, (title, text) in enumerate(CONVENTIONS, 1):
        assert f"{index}. {title}\n    {text}\n" in result.output
    for kind, cls in REGISTRY.items():
        assert f"{kind}（{cls.title}）" in result.output
        for p in cls.parameters():
            assert f"参数 {p.name}（" in result.output and p.doc in result.output
    for needle in ("严格大于", "上端不含", "逾期", "基本、部分、有所", "Σ得分 ÷ Σ适用分值", "万 = 万元"):
        assert needle in result.output
