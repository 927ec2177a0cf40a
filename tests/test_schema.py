"""The compiled fast validator and jsonschema must agree on what is valid."""
import copy
from decimal import Decimal

import pytest

from conftest import EXAMPLES, ROOT
from scoring import schema
from scoring.diagnostics import Diagnostics
from scoring.yamlload import load_file

DOCS = sorted(EXAMPLES.glob("*.yaml")) + sorted((ROOT / "tests" / "bad").glob("*.yaml"))
SETS = sorted((ROOT / "indicator_sets").glob("*.yaml"))


def _agree(name, data):
    fast = schema.is_valid(name, data)
    full = schema.validator(name).is_valid(data)
    assert fast == full, (name, data if len(str(data)) < 400 else str(data)[:400])
    return fast


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_validators_agree_on_submissions(path):
    doc = load_file(path, Diagnostics())
    if doc is not None:
        _agree("submission", doc.data)


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_validators_agree_on_sets(path):
    doc = load_file(path, Diagnostics())
    assert _agree("indicator-set", doc.data)


MUTATIONS = [
    lambda d: d.update(precision=Decimal("1.5")),
    lambda d: d.update(schema_version=Decimal(2)),
    lambda d: d.update(unit=""),
    lambda d: d.update(extra_key="x"),
    lambda d: d["indicators"][0].update(weight="五"),
    lambda d: d["indicators"][0].update(weight=Decimal(-1)),
    lambda d: d["indicators"][0].pop("name"),
    lambda d: d["indicators"][0].update(actual=[Decimal(1), "②"]),
    lambda d: d["budget"].update(executed="很多"),
    lambda d: d.update(set="Bad Id"),
]


@pytest.mark.parametrize("mutate", MUTATIONS)
def test_validators_agree_on_mutations(mutate):
    doc = load_file(EXAMPLES / "shanxi-2023-xuncha-project.yaml", Diagnostics())
    data = copy.deepcopy(doc.data)
    mutate(data)
    _agree("submission", data)


def test_rule_definitions_agree():
    good = {"kind": "tiers", "tiers": [{"range": "[0, 1]", "points": Decimal(1)}]}
    bad = {"kind": "tiers", "tiers": [{"range": "0-1", "points": Decimal(1)}]}
    assert schema.is_valid("indicator-set", good, "rule_tiers") is True
    assert schema.is_valid("indicator-set", bad, "rule_tiers") is False
    assert schema.validator("indicator-set", "rule_tiers").is_valid(bad) is False


def test_one_of_reports_the_branch_of_the_value_s_own_type(tmp_path):
    """A text actual that is too long is reported as too long, not as 「应为列表」."""
    from scoring.pipeline import Pipeline

    path = tmp_path / "long.yaml"
    path.write_text("set: mof-project\nunit: x\nbudget: {annual: 100, executed: 95}\nindicators:\n"
                    "  - {level1: 产出指标, level2: 数量指标, name: a, target: ≥1, weight: 50, actual: \""
                    + "长" * 2100 + "\"}\n", encoding="utf-8")
    [d] = [d for d in Pipeline().run(path).diagnostics if d.code.startswith("S")]
    assert (d.code, d.message) == ("S205", "「实际完成值」应不超过 2000 个字，实际为 2100")
