"""Indicator sets: find by id, load, resolve `extends`, build the model.

A set lives in `<dir>/<id>.yaml`.  Search order: directories given on the
command line (`--sets DIR`), then `$JIXIAO_SETS` (separated by os.pathsep),
then the shipped `indicator_sets/`.

`extends` merges the base under the variant: mappings merge key by key,
`levels` (and their `children` and `indicators`) merge by `name`, an entry
with `remove: true` is dropped, and any other list is replaced whole.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import resources, schema
from .diagnostics import Diagnostics, Where
from .model import (BudgetSpec, DeviationSpec, FixedIndicator, Grade, IndicatorSet, Level1, Level2,
                    RuleSpec)
from .paths import breadcrumb
from .yamlload import Document, load_file

DEFAULT_GRADES = [Grade("优", Decimal(90)), Grade("良", Decimal(80)), Grade("中", Decimal(60)), Grade("差", Decimal(0))]
_MERGE_BY_NAME = {"levels", "children", "indicators"}


def search_dirs(extra: list[str | Path] | tuple = ()) -> list[Path]:
    dirs = [Path(d) for d in extra]
    env = os.environ.get("JIXIAO_SETS")
    if env:
        dirs += [Path(d) for d in env.split(os.pathsep) if d]
    dirs.append(resources.data_path("indicator_sets"))
    return dirs


def find_set_file(set_id: str, extra_dirs=()) -> Path | None:
    for directory in search_dirs(extra_dirs):
        candidate = directory / f"{set_id}.yaml"
        if candidate.is_file():
            return candidate
    return None


def available_ids(extra_dirs=()) -> list[str]:
    ids: set[str] = set()
    for directory in search_dirs(extra_dirs):
        if directory.is_dir():
            ids.update(p.stem for p in directory.glob("*.yaml"))
    return sorted(ids)


@dataclass
class _Origins:
    """Which document and path each merged mapping came from, for locating messages."""
    table: dict = field(default_factory=dict)
    keep: list = field(default_factory=list)  # keeps merged objects alive so ids stay unique

    def annotate(self, doc: Document, data: Any, path: tuple = ()) -> None:
        if isinstance(data, dict):
            self.table[id(data)] = (doc, path)
            self.keep.append(data)
            for key, value in data.items():
                self.annotate(doc, value, path + (key,))
        elif isinstance(data, list):
            self.table[id(data)] = (doc, path)
            self.keep.append(data)
            for index, value in enumerate(data):
                self.annotate(doc, value, path + (index,))

    def copy_origin(self, new: Any, old: Any) -> None:
        if id(old) in self.table:
            self.table[id(new)] = self.table[id(old)]
            self.keep.append(new)

    def where(self, obj: Any, field_name: str | None = None) -> Where:
        doc, path = self.table.get(id(obj), (None, ()))
        if doc is None:
            return Where()
        full = path + ((field_name,) if field_name else ())
        line, col = doc.position(full)
        return Where(doc.file, line, col, breadcrumb(doc.data, full))

    def locate(self, obj: Any) -> tuple[Document | None, tuple]:
        return self.table.get(id(obj), (None, ()))


class SetLoader:
    """Loads and caches resolved sets; one per run (a batch reuses it)."""

    def __init__(self, extra_dirs=()):
        self.extra_dirs = tuple(extra_dirs)
        self._cache: dict[str, tuple[IndicatorSet | None, list]] = {}

    def get(self, set_id: str) -> tuple[IndicatorSet | None, list]:
        """(the resolved set or None, its diagnostics)."""
        if set_id not in self._cache:
            diags = Diagnostics()
            self._cache[set_id] = (self._load(set_id, diags), diags.items)
        return self._cache[set_id]

    def load_path(self, path: str | Path) -> tuple[IndicatorSet | None, list]:
        """Load a set from an explicit file (for `sets lint FILE`)."""
        diags = Diagnostics()
        origins = _Origins()
        doc = self._read(Path(path), diags, origins)
        if doc is None:
            return None, diags.items
        merged = self._resolve(doc.data, diags, origins, chain=[doc.data.get("id", Path(path).stem)])
        if merged is None:
            return None, diags.items
        return build_set(merged, doc.file, origins, diags), diags.items

    def _load(self, set_id: str, diags: Diagnostics) -> IndicatorSet | None:
        origins = _Origins()
        path = find_set_file(set_id, self.extra_dirs)
        if path is None:
            return None
        doc = self._read(path, diags, origins)
        if doc is None:
            return None
        merged = self._resolve(doc.data, diags, origins, chain=[set_id])
        if merged is None:
            return None
        return build_set(merged, doc.file, origins, diags)

    def _read(self, path: Path, diags: Diagnostics, origins: _Origins) -> Document | None:
        doc = load_file(path, diags)
        if doc is None:
            return None
        if not schema.validate(doc, "indicator-set", diags):
            return None
        origins.annotate(doc, doc.data)
        return doc

    def _resolve(self, data: dict, diags: Diagnostics, origins: _Origins, chain: list[str]) -> dict | None:
        base_id = data.get("extends")
        if not base_id:
            return data
        if base_id in chain:
            diags.add("R302", origins.where(data, "extends"), chain=" → ".join(chain + [base_id]))
            return None
        path = find_set_file(base_id, self.extra_dirs)
        if path is None:
            diags.add("R301", origins.where(data, "extends"), set_id=base_id,
                      available="、".join(available_ids(self.extra_dirs)))
            return None
        base_doc = self._read(path, diags, origins)
        if base_doc is None:
            return None
        base = self._resolve(base_doc.data, diags, origins, chain + [base_id])
        if base is None:
            return None
        merged = _merge(base, data, origins)
        merged["_chain"] = list(chain) + [c for c in base.get("_chain", [base_id]) if c not in chain]
        return merged


_RULE_KEYS = ("rule", "default_rule")


def _merge(base: Any, over: Any, origins: _Origins, key: str | None = None) -> Any:
    if key in _RULE_KEYS and isinstance(base, dict) and isinstance(over, dict) \
            and "kind" in over and over.get("kind") != base.get("kind"):
        return over  # a rule of another kind replaces the old one whole: tiers have no place in deduct_per_point
    if isinstance(base, dict) and isinstance(over, dict):
        result = dict(base)
        for k, value in over.items():
            result[k] = _merge(base[k], value, origins, k) if k in base else value
        origins.copy_origin(result, over)
        return result
    if key in _MERGE_BY_NAME and isinstance(base, list) and isinstance(over, list):
        result = [dict(item) if isinstance(item, dict) else item for item in base]
        for new, old in zip(result, base):
            origins.copy_origin(new, old)
        for item in over:
            name = item.get("name") if isinstance(item, dict) else None
            index = next((i for i, b in enumerate(result) if isinstance(b, dict) and b.get("name") == name), None)
            if index is None:
                if not item.get("remove"):
                    result.append(item)
            elif item.get("remove"):
                del result[index]
            else:
                result[index] = _merge(result[index], item, origins)
        origins.copy_origin(result, over)
        return result
    return over


def _rule_spec(data: dict | None, origins: _Origins, diags: Diagnostics) -> RuleSpec | None:
    if not isinstance(data, dict):
        return None
    from . import rules

    doc, path = origins.locate(data)
    spec = RuleSpec(kind=data.get("kind", ""), params=data, where=origins.where(data, "kind"))
    spec.rule = rules.build(spec, diags, doc, path)
    return spec


def build_set(data: dict, file: str, origins: _Origins, diags: Diagnostics) -> IndicatorSet | None:
    """The model of a resolved set, plus the checks that need the whole of it."""
    where = origins.where(data)
    for required in ("name", "levels"):
        if required not in data:
            diags.add("S202", where, label={"name": "名称", "levels": "一级指标"}[required], key=required)
    if "name" not in data or "levels" not in data:
        return None
    budget = None
    if isinstance(data.get("budget"), dict):
        b = data["budget"]
        denominator = b.get("denominator", "annual")
        budget = BudgetSpec(
            weight=b.get("weight"),
            denominator=tuple(denominator) if isinstance(denominator, list) else (denominator,),
            cap=b.get("cap", Decimal(1)),
            precision=int(b["precision"]) if b.get("precision") is not None else None,
            rate_precision=int(b.get("rate_precision", 2)),
            label=b.get("label", "预算执行率"),
            zero_budget=b.get("zero_budget", "not_applicable"),
            where=origins.where(b),
        )
    levels = []
    for level in data["levels"]:
        children = []
        for child in level.get("children", []):
            fixed = [
                FixedIndicator(
                    name=item["name"], weight=item.get("weight"), standard=item.get("standard", ""),
                    target=item.get("target"), rule=_rule_spec(item.get("rule"), origins, diags),
                    where=origins.where(item),
                )
                for item in child.get("indicators", [])
            ]
            children.append(Level2(
                name=child["name"], weight=child.get("weight"),
                rule=_rule_spec(child.get("rule"), origins, diags),
                allow_custom=child.get("allow_custom", not fixed),
                max_indicators=int(child["max_indicators"]) if child.get("max_indicators") else None,
                indicators=fixed, where=origins.where(child),
            ))
        levels.append(Level1(name=level["name"], weight=level.get("weight"), children=children,
                             where=origins.where(level)))
    deviation = DeviationSpec()
    for key, value in (data.get("deviation") or {}).items():
        setattr(deviation, key, value)
    default_rule = _rule_spec(data.get("default_rule") or {"kind": "by_sign"}, origins, diags)
    grades = [Grade(g["label"], g["min"]) for g in data.get("grades", [])] or list(DEFAULT_GRADES)
    return IndicatorSet(
        id=data["id"], name=data["name"], file=file, chain=tuple(data.get("_chain", [data["id"]])),
        description=data.get("description", ""), year=str(data.get("year", "")),
        region=data.get("region", ""), kind=data.get("kind", "project"),
        template=data.get("template", data["id"]), scored=data.get("scored", True),
        precision=int(data.get("precision", 2)), rounding=data.get("rounding", "half_up"),
        total=data.get("total", Decimal(100)), goal_blocks=data.get("goal_blocks", False),
        budget=budget, levels=levels, default_rule=default_rule, grades=grades,
        deviation=deviation, where=where,
    )
