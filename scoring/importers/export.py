"""Write imported submission data as YAML that the strict loader reads back unchanged."""
from __future__ import annotations

from decimal import Decimal

import yaml


class _Dumper(yaml.SafeDumper):
    """Decimals as plain numbers, exactly as written; everything else as PyYAML quotes it."""


def _decimal(dumper, value: Decimal):
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


_Dumper.add_representer(Decimal, _decimal)

HEADER = "# 由 jixiao import 从 {source} 导入；可直接编辑后用 jixiao score 计分。\n"


def dump_yaml(data) -> str:
    """YAML text of submission data; Decimals stay plain numbers, so the strict loader reads them back."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def to_yaml(data: dict, source: str) -> str:
    return HEADER.format(source=source) + dump_yaml(data)
