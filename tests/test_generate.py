"""The benchmark corpus generator (benchmarks/generate.py): deterministic, good files clean, bad files caught."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.batch.record import record_from_outcome

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "benchmarks" / "generate.py"

_spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
generate = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = generate  # dataclasses look their module up while the file runs
_spec.loader.exec_module(generate)

# The diagnostic each injected error must produce.
EXPECTED = {
    "score_above_weight": {"G601"},
    "missing_actual": {"G606"},
    "weights_not_adding_up": {"W401", "W402"},
    "fullwidth_colon": {"Y105"},
    "duplicate_key": {"Y104"},
    "empty_file": {"Y109"},
    "binary_file": {"Y102"},
}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    made = generate.generate(30, out, seed=1, error_rate=0.3)
    return out, made


def test_same_seed_same_bytes_other_seed_other_bytes(corpus, tmp_path):
    out, made = corpus
    again = tmp_path / "again"
    generate.generate(30, again, seed=1, error_rate=0.3)
    other = tmp_path / "other"
    generate.generate(30, other, seed=2, error_rate=0.3)
    first = _tree(out)
    assert len(first) == 30 == len(made)
    assert _tree(again) == first
    assert _tree(other) != first


def test_command_line_output_does_not_depend_on_hash_seed(corpus, tmp_path):
    out, _ = corpus
    target = tmp_path / "cli"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    done = subprocess.run([sys.executable, str(GENERATOR), "30", str(target), "--seed", "1", "--error-rate", "0.3"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "已生成 30 个文件" in done.stdout
    assert _tree(target) == _tree(out)


def test_files_sit_in_department_folders_with_chinese_names(corpus):
    out, made = corpus
    for item in made:
        department, name = item.path.split("/")
        assert department in generate.DEPARTMENTS
        assert name.endswith(".yaml") and any("\u4e00" <= ch <= "\u9fff" for ch in name)
        assert (out / item.path).is_file()


def test_good_files_score_without_errors(corpus, pipeline):
    out, made = corpus
    good = [item for item in made if item.error is None]
    assert len(good) >= 20
    sets = set()
    for item in good:
        outcome = pipeline.run(out / item.path)
        errors = [d.format() for d in outcome.diagnostics if d.severity == "error"]
        assert errors == [], item.path
        assert 20 <= len(outcome.result.rows) <= 30, item.path
        assert outcome.submission.set_id == item.set_id
        if outcome.result.scored:
            assert 60 <= outcome.result.total <= 100, (item.path, outcome.result.total)
        sets.add(item.set_id)
    assert len(sets) >= 4  # a mix of indicator sets, not one


def test_every_error_kind_is_injected_and_reported(corpus, pipeline):
    out, made = corpus
    kinds = {item.error for item in made if item.error}
    assert kinds == set(generate.ERROR_KINDS)
    for item in made:
        if item.error in EXPECTED:
            codes = {d.code for d in pipeline.run(out / item.path).diagnostics if d.severity == "error"}
            assert codes & EXPECTED[item.error], (item.path, item.error, codes)


def test_duplicate_submission_repeats_another_files_unit_project_and_year(corpus, pipeline):
    out, made = corpus
    duplicates = [item for item in made if item.error == "duplicate_submission"]
    assert duplicates
    paths = {item.path for item in made}
    for item in duplicates:
        assert item.duplicate_of in paths and item.duplicate_of != item.path
        copy = record_from_outcome(pipeline.run(out / item.path), item.path)
        source = record_from_outcome(pipeline.run(out / item.duplicate_of), item.duplicate_of)
        assert copy.errors == 0
        assert copy.key is not None and copy.key == source.key


def test_other_files_have_distinct_unit_project_year(corpus):
    _, made = corpus
    keys = [(item.unit, item.project, item.year) for item in made if item.error != "duplicate_submission"]
    assert len(keys) == len(set(keys))


def test_emitter_quotes_what_yaml_would_misread():
    from scoring.diagnostics import Diagnostics
    from scoring.yamlload import load_text

    tricky = ["001", "5", "1,000", "true", "null", "~", "2024-01-02", "no", "-3.5%", ">=95%", "a: b", "x #y", "",
              "[1]", "≥95%", "达成预期指标"]
    text = generate.to_yaml({"items": tricky, "rows": [{"name": t} for t in tricky]}, [], flow_rows=True)
    flow = generate.to_yaml({"indicators": [{"name": t, "target": t} for t in tricky]}, [], flow_rows=True)
    data = load_text(text, "t.yaml", Diagnostics()).data
    assert data["items"] == tricky and [r["name"] for r in data["rows"]] == tricky
    rows = load_text(flow, "f.yaml", Diagnostics()).data["indicators"]
    assert [r["target"] for r in rows] == tricky
    assert "- {name: 达成预期指标" in flow  # plain where plain is safe
