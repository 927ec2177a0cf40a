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
