"""Whole-table cases from tests/cases/tables/*.yaml: a base table, and per case the parts that differ.

Each file has `base` (a submission, as in examples/) and `cases`; a case replaces top-level keys of the base
(`budget`, `indicators`, ...), may change the set's budget block (`set_budget`), and expects the total and the
exact sorted codes of the errors and warnings (information is left out).
"""
from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from scoring.diagnostics import ERROR, WARNING, Diagnostics
from scoring.importers.export import dump_yaml
from scoring.pipeline import Pipeline
from scoring.yamlload import load_file

TABLES = Path(__file__).resolve().parent / "cases" / "tables"
CASE_KEYS = {"name", "set_budget", "expect_total", "expect_codes", "expect_denominator", "note"}


def _load(path: Path) -> dict:
    diags = Diagnostics()
    doc = load_file(path, diags)
    assert doc is not None and not diags.has_errors, [d.format() for d in diags]
    return doc.data


def _cases():
    for path in sorted(TABLES.glob("*.yaml")):
        data = _load(path)
        for case in data["cases"]:
            yield pytest.param(data["base"], case, id=f"{path.stem}:{case['name']}")


def _set_with_budget(tmp_path: Path, changes: dict) -> Path:
    """A copy of mof-project whose budget block has `changes`."""
    from scoring.resources import data_path

    shipped = data_path("indicator_sets", "mof-project.yaml")
    text = shipped.read_text(encoding="utf-8")
    data = _load(shipped)
    data["budget"] = {**data.get("budget", {}), **changes}
    folder = tmp_path / "sets"
    folder.mkdir()
    (folder / "mof-project.yaml").write_text(dump_yaml(data), encoding="utf-8")
    assert text  # the shipped set itself is never changed
    return folder


@pytest.mark.parametrize("base, case", list(_cases()))
def test_table_case(tmp_path, base, case):
    table = copy.deepcopy(base)
    table.update({k: v for k, v in case.items() if k not in CASE_KEYS})
    path = tmp_path / "table.yaml"
    path.write_text(dump_yaml(table), encoding="utf-8")
    set_dirs = [_set_with_budget(tmp_path, case["set_budget"])] if case.get("set_budget") else []
    outcome = Pipeline(set_dirs=set_dirs).run(path)
    found = sorted(d.code for d in outcome.diagnostics if d.severity in (ERROR, WARNING))
    assert found == sorted(case.get("expect_codes") or []), [d.format() for d in outcome.diagnostics]
    if "expect_total" in case:
        assert outcome.result is not None and outcome.result.total == Decimal(str(case["expect_total"])), \
            (outcome.result.total if outcome.result else None)
    if "expect_denominator" in case:
        assert outcome.result.budget.denominator == case["expect_denominator"]
