"""JSON Schema validation with located, Chinese messages.

The good path is one call of a validator compiled to Python code once per
process (fastjsonschema); only a document that fails is walked again by
jsonschema's `iter_errors`, which explains every problem, each mapped back to
`file:line:col` through the YAML node positions.
"""
from __future__ import annotations

import difflib
import json
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from . import resources
from .diagnostics import Diagnostics, Where
from .paths import LABELS, breadcrumb, label
from .yamlload import Document

MAX_UNKNOWN_KEYS = 20  # unknown keys listed one by one in one mapping
TYPE_NAMES = {
    "object": "键值表", "array": "列表", "string": "文字", "number": "数字", "integer": "整数",
    "boolean": "true/false", "null": "空值",
}
_REVERSE_LABELS = {v: k for k, v in LABELS.items()}


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads(resources.data_path("schemas", f"{name}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def validator(name: str, definition: str | None = None):
    import jsonschema  # heavy: imported only when something is validated

    schema = load_schema(name)
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


@lru_cache(maxsize=None)
def fast_validator(name: str, definition: str | None = None):
    """A validator compiled to Python code (fastjsonschema): the cheap yes/no for the good path.

    The schemas only use keywords that mean the same in draft-07, which fastjsonschema compiles.
    Returns None when fastjsonschema is not installed.
    """
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    schema = dict(load_schema(name))
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    schema.pop("$id", None)  # never resolve anything over the network
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema)


def is_valid(name: str, data: Any, definition: str | None = None) -> bool:
    fast = fast_validator(name, definition)
    if fast is None:
        return validator(name, definition).is_valid(data)
    try:
        fast(data)
        return True
    except Exception:  # JsonSchemaValueException, or anything odd: let jsonschema explain
        return False


def has_definition(name: str, definition: str) -> bool:
    return definition in load_schema(name)["$defs"]


def describe_value(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, Decimal)):
        return f"数字「{value}」"
    if isinstance(value, str):
        short = value if len(value) <= 20 else value[:20] + "…"
        return f"文字「{short}」"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "键值表"
    return type(value).__name__


def validate(doc: Document, schema_name: str, diags: Diagnostics,
             data: Any = None, base_path: tuple = (), definition: str | None = None) -> bool:
    """Validate `data` (default: the whole document) located at `base_path` in `doc`."""
    data = doc.data if data is None else data
    if is_valid(schema_name, data, definition):
        return True
    # Slow path: the full validator explains every problem.
    errors = list(_leaf_errors(validator(schema_name, definition).iter_errors(data)))
    for error in errors:
        _report(doc, base_path + tuple(error.absolute_path), error, diags)
    return not errors


def _leaf_errors(errors):
    """oneOf/anyOf errors say little; report the most relevant sub-error instead."""
    from jsonschema.exceptions import best_match

    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            # Prefer the branch matching the value's own type (a list, a number...): a branch that failed on
            # something other than the type (a text too long) says what is wrong with the value as written.
            typed = [e for e in error.context if e.validator != "type"]
            yield best_match(typed or error.context)
        else:
            yield error


def _where(doc: Document, path: tuple, key: bool = False) -> Where:
    line, col = doc.position(path, key=key)
    return Where(doc.file, line, col, breadcrumb(doc.data, path), doc.sheet)


def _report(doc: Document, path: tuple, error, diags: Diagnostics) -> None:
    kind = error.validator
    last = path[-1] if path else None
    field_label = label(last) if isinstance(last, str) else breadcrumb(doc.data, path) or "内容"
    if kind == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        names = "或".join(TYPE_NAMES.get(t, t) for t in expected if t != "null") or "空值"
        diags.add("S201", _where(doc, path), label=field_label, expected=names,
                  actual=describe_value(error.instance))
    elif kind == "required":
        match = re.search(r"'(.+?)' is a required property", error.message)
        key = match.group(1) if match else "?"
        diags.add("S202", _where(doc, path), label=label(key), key=key)
    elif kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = set(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - allowed)
        for key in unknown[:MAX_UNKNOWN_KEYS]:
            diags.add("S203", _where(doc, path + (key,), key=True), key=key,
                      suggestion=_suggest(key, allowed))
        if len(unknown) > MAX_UNKNOWN_KEYS:  # a file of garbage: list a few, count the rest
            rest = unknown[MAX_UNKNOWN_KEYS:]
            diags.add("S207", _where(doc, path + (rest[0],), key=True),
                      detail=f"另有 {len(rest)} 个未知的键没有逐一列出（如「{_short(rest[0])}」）")
    elif kind in ("enum", "const"):
        options = error.validator_value if kind == "enum" else [error.validator_value]
        diags.add("S204", _where(doc, path), label=field_label, value=_short(error.instance),
                  options="、".join(str(o) for o in options))
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        relation = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        diags.add("S205", _where(doc, path), label=field_label,
                  relation=f"{relation} {error.validator_value}", value=_short(error.instance))
    elif kind in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        relation = {"minLength": "至少 {} 个字", "maxLength": "不超过 {} 个字", "minItems": "至少 {} 项",
                    "maxItems": "不超过 {} 项", "minProperties": "至少 {} 项",
                    "maxProperties": "不超过 {} 项"}[kind].format(error.validator_value)
        size = len(error.instance) if hasattr(error.instance, "__len__") else "?"
        diags.add("S205", _where(doc, path), label=field_label, relation=relation, value=f"{size}")
    elif kind == "pattern":
        diags.add("S206", _where(doc, path), label=field_label, value=_short(error.instance),
                  expected=_PATTERN_HINTS.get(last, ""))
    elif kind == "multipleOf":
        diags.add("S206", _where(doc, path), label=field_label, value=_short(error.instance),
                  expected="应为整数。")
    else:
        diags.add("S207", _where(doc, path), detail=error.message)


_PATTERN_HINTS = {
    "id": "编号只能用小写英文字母、数字和连字符，例如 hubei-project。",
    "set": "指标体系编号只能用小写英文字母、数字和连字符，例如 hubei-project。",
    "extends": "写被继承体系的编号，例如 hubei-project。",
    "range": "区间写成「[80%, 90%)」的形式：方括号含端点，圆括号不含。",
}


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _suggest(key: str, allowed: set[str]) -> str:
    if key in _REVERSE_LABELS and _REVERSE_LABELS[key] in allowed:
        english = _REVERSE_LABELS[key]
        return f"键名用英文：「{key}」应写作「{english}」。"
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    if close:
        return f"是否想写「{close[0]}」（{label(close[0])}）？"
    return "可用的键：" + "、".join(sorted(allowed))
