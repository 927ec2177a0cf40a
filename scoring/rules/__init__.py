"""The closed registry of scoring kinds. See `base.py` for the contract."""
from __future__ import annotations

from ..diagnostics import Diagnostics
from ..model import RuleSpec
from . import budget, deductions, formula_rule, qualitative, quantitative, tiers  # noqa: F401  (registers)
from .base import REGISTRY, Outcome, Rule, RowContext
from .tiers import RuleParamError


def build(spec: RuleSpec, diags: Diagnostics, doc=None, path: tuple = ()) -> Rule | None:
    """Validate a rule's parameters and build it; None (with diagnostics) when it cannot be built."""
    from .. import schema

    cls = REGISTRY.get(spec.kind)
    if cls is None:
        diags.add("R303", spec.where, kind=spec.kind, kinds="、".join(sorted(REGISTRY)))
        return None
    if doc is not None and schema.has_definition("indicator-set", f"rule_{spec.kind}"):
        if not schema.validate(doc, "indicator-set", diags, data=spec.params, base_path=path,
                               definition=f"rule_{spec.kind}"):
            return None
    try:
        return cls(spec.params)
    except RuleParamError as exc:
        code = exc.args[1] if len(exc.args) > 1 else None
        if code and code.startswith("F"):
            diags.add(code, spec.where, formula=spec.params.get("formula", ""), detail=exc.args[0])
        else:
            diags.add("R304", spec.where, detail=exc.args[0])
        return None


def describe_kinds() -> list[tuple[str, str, str]]:
    """(kind, title, docstring) for every registered kind, for `jixiao rules`."""
    return [(k, c.title, (c.__doc__ or "").strip()) for k, c in sorted(REGISTRY.items())]


__all__ = ["REGISTRY", "Rule", "RowContext", "Outcome", "build", "describe_kinds"]
