"""`jixiao check` on each kind of bad input: a located Chinese message and exit code 1."""
import re

import pytest
from click.testing import CliRunner

from conftest import ROOT
from scoring.cli import cli

BAD = ROOT / "tests" / "bad"

EXPECTED = {
    "malformed-yaml.yaml": ("Y103", 3),
    "duplicate-key.yaml": ("Y104", 3),
    "fullwidth-colon.yaml": ("Y105", 2),
    "wrong-type.yaml": ("S201", 6),
    "unknown-set.yaml": ("R301", 1),
    "unknown-rule-kind.yaml": ("R303", 6),
    "weights-not-adding-up.yaml": ("W401", 6),
    "tiers-gap.yaml": ("W403", 6),
    "tiers-overlap.yaml": ("W404", 6),
    "unparseable-target.yaml": ("V501", 6),
    "unparseable-actual.yaml": ("V501", 6),
    "unit-mismatch.yaml": ("V502", 6),
    "negative-amount.yaml": ("V503", 3),
    "zero-budget.yaml": ("V504", 3),
    "given-above-weight.yaml": ("G601", 6),
    "formula-unknown-name.yaml": ("F002", 6),
    "formula-import.yaml": ("F004", 6),
    "formula-attribute.yaml": ("F004", 6),
    "formula-power.yaml": ("F004", 6),
    "alias-bomb.yaml": ("Y107", 1),
}


def check(path):
    return CliRunner().invoke(cli, ["check", str(path)])


def test_every_bad_file_has_an_expectation():
    assert {p.name for p in BAD.glob("*.yaml")} == set(EXPECTED) | {"missing-reason.yaml"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_located(name):
    code, line = EXPECTED[name]
    result = check(BAD / name)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    pattern = rf"{re.escape(str(BAD / name))}:{line}(:\d+)?: 错误 {code} "
    assert re.search(pattern, result.stdout), result.stdout


def test_missing_reason_is_a_warning_only():
    result = check(BAD / "missing-reason.yaml")
    assert result.exit_code == 0
    assert "警告 D701 得分 31.82 低于分值 50，缺少偏差原因分析" in result.stdout
    assert CliRunner().invoke(cli, ["check", "--strict", str(BAD / "missing-reason.yaml")]).exit_code == 1


def test_oversized_file(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("set: mof-project\nunit: 测试\nremarks: \"" + "x" * (2 * 1024 * 1024) + "\"\n", encoding="utf-8")
    result = check(big)
    assert result.exit_code == 1
    assert f"{big}: 错误 Y101 文件大小" in result.stdout


def test_weights_report_both_level_and_total():
    out = check(BAD / "weights-not-adding-up.yaml").stdout
    assert "错误 W401 一级指标「产出指标」的下级分值合计 45，应等于 50" in out
    assert "错误 W402 分值合计 95，应为 100" in out


def test_broken_rule_does_not_also_ask_for_a_reason():
    out = check(BAD / "formula-import.yaml").stdout
    assert "F004" in out and "D701" not in out and "G606" not in out
